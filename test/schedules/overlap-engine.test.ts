// `overlap` in a real engine with real processes: a scheduled job that holds
// until the test releases it (a file appears), so "still running" is certain.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { compileSource, formatDiagnostics } from "../../src/lang/index.js";
import { openEngine, type Engine } from "../../src/server/engine.js";
import type { RunRecord, ScheduleRecord } from "../../src/core/types.js";
import { waitFor, withTempHome } from "../helpers/home.js";

const runsOf = (engine: Engine): RunRecord[] => engine.listRuns().filter((r) => r.schedule === "hold");
const scheduleOf = (engine: Engine): ScheduleRecord => engine.listSchedules().find((s) => s.name === "hold")!;

/** Opens an engine on `home`, loads an `every 1s` jobset whose job holds until `release` exists, runs `fn`, and always cleans up. */
async function withHoldingSchedule(home: string, overlap: string, fn: (engine: Engine, release: () => Promise<void>) => Promise<void>): Promise<void> {
  const releaseFile = path.join(home, "release");
  const file = path.join(home, "hold.pll");
  const source = `jobset hold\nevery 1s overlap ${overlap}\n$ while [ ! -e "${releaseFile}" ]; do sleep 0.02; done; echo released\n`;
  const compiled = compileSource(source, file);
  assert.ok(compiled.graph, formatDiagnostics(compiled.diagnostics, source));
  const engine = await openEngine({ home });
  try {
    await engine.submit(compiled.graph, source);
    await fn(engine, () => writeFile(releaseFile, ""));
  } finally {
    await engine.unschedule("hold").catch(() => {});
    await engine.close({ killJobs: true });
  }
}

test("overlap skip: a firing while the last run holds is recorded as skipped with the reason", async () => {
  await withTempHome((home) =>
    withHoldingSchedule(home, "skip", async (engine, release) => {
      const rec = await waitFor(() => (scheduleOf(engine).skipped.length > 0 ? scheduleOf(engine) : undefined), "a skipped firing");
      assert.match(rec.skipped[0].reason, /^overlap skip: run \d+ was still running$/);
      assert.equal(runsOf(engine).length, 1);
      await release();
      await waitFor(() => runsOf(engine)[0].state === "success", "the held run to end");
    }),
  );
});

test("overlap queue: a firing waits for the held run, then starts when it ends", async () => {
  await withTempHome((home) =>
    withHoldingSchedule(home, "queue", async (engine, release) => {
      await waitFor(() => (scheduleOf(engine).queued?.length ?? 0) > 0, "a queued firing");
      assert.equal(runsOf(engine).length, 1);
      await release();
      await waitFor(() => runsOf(engine).length >= 2 && runsOf(engine).slice(0, 2).every((r) => r.state === "success"), "the queued firing's run");
      assert.equal(scheduleOf(engine).skipped.length, 0);
    }),
  );
});

test("overlap replace: a firing cancels the held run (its running job is stopped) and starts a new one", async () => {
  await withTempHome((home) =>
    withHoldingSchedule(home, "replace", async (engine, release) => {
      await waitFor(() => runsOf(engine).length >= 2, "a second firing");
      const first = runsOf(engine)[0];
      await waitFor(() => engine.getRun(first.id)?.state !== "running", "the first run to be replaced");
      const [job] = engine.listJobs({ runId: first.id });
      assert.equal(job.state, "cancelled");
      assert.equal(engine.getRun(first.id)?.state, "cancelled");
      await release();
    }),
  );
});
