// End to end, in real time: an `every 2s` jobset compiled from a real file,
// loaded into a real engine (real LevelDB, real processes, real timers).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { compileFile, formatDiagnostics } from "../../src/lang/index.js";
import { openEngine, type Engine } from "../../src/server/engine.js";
import type { RunRecord } from "../../src/core/types.js";
import { waitFor, withTempHome } from "../helpers/home.js";

// On a quiet machine the three runs take about 4 s (load, +2 s, +4 s). The waits
// are generous because CI machines are shared: the grid check below, not the
// clock, is what shows that nothing fired twice or off its period.
const FIRINGS_WAIT_MS = 30_000;
const ticks = (engine: Engine): RunRecord[] => engine.listRuns().filter((r) => r.schedule === "tick");
const succeeded = (engine: Engine): RunRecord[] => ticks(engine).filter((r) => r.state === "success");

test("an every 2s jobset fires a run every 2 s (three runs), with their logs, and a reopened engine resumes it without double-firing", async () => {
  await withTempHome(async (home) => {
    const file = path.join(home, "tick.pll");
    await writeFile(file, "jobset tick\nevery 2s\n$ echo tick run $PLL_RUN_ID\n");
    const compiled = await compileFile(file);
    assert.ok(compiled.graph, formatDiagnostics(compiled.diagnostics, compiled.source));

    let engine = await openEngine({ home });
    let closed = false;
    try {
      const { notices } = await engine.submit(compiled.graph, compiled.source);
      assert.ok(notices.some((n) => /^schedule tick: every 2s \(.+\), next firing/.test(n)), notices.join("\n"));
      // the first firing is at load time: no wait of a whole period
      await waitFor(() => succeeded(engine).length >= 2, "two successful runs before the restart", FIRINGS_WAIT_MS);

      await engine.close();
      closed = true;
      engine = await openEngine({ home });
      closed = false;
      await waitFor(() => succeeded(engine).length >= 3, "a third run after the restart", FIRINGS_WAIT_MS);
      // let any firing in flight settle: no run of the schedule is left running
      await waitFor(() => ticks(engine).every((r) => r.state !== "running"), "the last run to end");

      const runs = ticks(engine);
      for (const run of runs) {
        assert.equal(run.state, "success");
        const jobs = engine.listJobs({ runId: run.id });
        assert.equal(jobs.length, 1);
        assert.equal(jobs[0].state, "success");
        assert.equal(await readFile(jobs[0].logOut, "utf8"), `tick run ${run.id}\n`);
      }
      // Never two runs for one firing: the stored next firing is on the 2 s grid
      // begun at load, and there are no more runs than grid points passed.
      const [schedule] = engine.listSchedules();
      assert.equal(schedule.name, "tick");
      assert.ok(schedule.nextFireAt !== null);
      const first = runs[0].createdAt;
      const gridPointsPassed = Math.round((schedule.nextFireAt - first) / 2000);
      assert.ok(runs.length <= gridPointsPassed, `${runs.length} runs for ${gridPointsPassed} firings`);
      assert.equal(new Set(runs.map((r) => r.id)).size, runs.length);
      assert.ok((schedule.lastRunId ?? 0) >= runs[runs.length - 1].id);
    } finally {
      if (!closed) await engine.close({ killJobs: true });
    }
  });
});
