import type { WireJob } from "../../src/core/types.js";
// Samples really run: hello.pll succeeds in a real engine (real LevelDB, real
// processes), and the recurring health check fires as soon as it is loaded.
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import type { RunRecord } from "../../src/core/types.js";
import { compileFile, formatDiagnostics } from "../../src/lang/index.js";
import { openEngine } from "../../src/server/engine.js";
import { repoRoot, waitFor, withTempHome } from "../helpers/home.js";

async function load(file: string) {
  const compiled = await compileFile(path.join(repoRoot, "samples", file));
  assert.ok(compiled.graph, formatDiagnostics(compiled.diagnostics, compiled.source));
  return compiled;
}

const ended = (r: RunRecord | undefined): boolean => r !== undefined && r.state !== "running";

describe("samples in a real engine", { timeout: 60_000 }, () => {
  it("hello.pll runs to success: seq and par, no failure", () =>
    withTempHome(async (home) => {
      const { graph, source } = await load("hello.pll");
      const engine = await openEngine({ home, pjc: 4 });
      try {
        const { run } = await engine.submit(graph!, source);
        const done = await waitFor(() => (ended(engine.getRun(run.id)) ? engine.getRun(run.id) : undefined), "hello run to end", 30_000);
        assert.equal(done.state, "success");
        const jobs = engine.listJobs({ runId: run.id });
        assert.deepEqual(jobs.map((j) => j.state), jobs.map(() => "success"));
        const byName = new Map(jobs.map((j) => [j.name, j]));
        // `bye` waits for the whole `greet` block; `one`..`three` ran side by side after `greet.1`.
        assert.ok(byName.get("bye")!.startedAt! >= Math.max(...["one", "two", "three", "greet.3"].map((n) => (byName.get(n)! as WireJob).endedAt!)));
        assert.ok(byName.get("one")!.startedAt! < (byName.get("two")! as WireJob).endedAt!);
      } finally {
        await engine.close({ killJobs: true });
      }
    }));

  it("healthcheck.pll is a schedule that fires at load and succeeds", () =>
    withTempHome(async (home) => {
      const { graph, source } = await load("healthcheck.pll");
      assert.deepEqual(graph!.schedules.map((s) => s.name), ["healthcheck/checks"]);
      const engine = await openEngine({ home, pjc: 4 });
      try {
        await engine.submit(graph!, source);
        const fired = () => engine.listRuns().filter((r) => r.schedule === "healthcheck/checks");
        const run = await waitFor(() => fired().find((r) => r.state !== "running"), "the first firing to end", 30_000);
        assert.equal(run.state, "success");
        assert.deepEqual(engine.listJobs({ runId: run.id }).map((j) => j.name).sort(), ["disk", "load", "tmp_writable"]);
      } finally {
        await engine.close({ killJobs: true });
      }
    }));
});
