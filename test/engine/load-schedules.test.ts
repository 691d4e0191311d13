// Loading a file registers its schedules every time — a reload without them
// drops the old ones — and a file of schedules only makes no run.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { JobGraph, ScheduleSpec } from "../../src/core/types.js";
import { graphOf, job } from "./graphs.js";
import { withEngine } from "./harness.js";

const hourly = (name: string, jobs: string[]): ScheduleSpec => ({
  name,
  jobs,
  every: { ms: 3_600_000, text: "1h" },
  overlap: "skip",
  catchup: "none",
  loc: { file: "/tmp/test.pll", line: 1, col: 1 },
});

const withSchedules = (graph: JobGraph, schedules: ScheduleSpec[]): JobGraph => ({ ...graph, schedules });

test("a file of schedules only registers them and makes no run (for callers that allow it)", async () => {
  await withEngine(async (engine) => {
    const graph = withSchedules(graphOf([job("a", "true"), job("b", "true")], { jobset: "s" }), [hourly("s", ["a", "b"])]);
    const submitted = await engine.submit(graph, "", { allowNoRun: true });
    assert.equal(submitted.run, undefined);
    assert.deepEqual(submitted.jobs, []);
    assert.deepEqual(submitted.schedules?.map((s) => s.name), ["s"]);
    assert.match(submitted.notices.join("\n"), /schedule s: .*next firing/);
    assert.deepEqual(engine.listRuns(), []);
    assert.deepEqual(engine.listSchedules().map((s) => s.name), ["s"]);
    // Callers written before runless loads still get a run (an empty one).
    const { run } = await engine.submit(graph, "");
    assert.deepEqual([run.jobIds, run.state], [[], "success"]);
  });
});

test("reloading a file without its schedules drops them; a shell job line in the jobset does not", async () => {
  await withEngine(async (engine) => {
    const first = withSchedules(graphOf([job("a", "true"), job("b", "true")], { jobset: "s" }), [hourly("s/b", ["b"])]);
    const { run, schedules } = await engine.submit(first, "");
    assert.deepEqual(run?.jobIds.length, 1, "the unscheduled job runs at load");
    assert.deepEqual(schedules?.map((s) => s.name), ["s/b"]);

    const line: JobGraph = { ...graphOf([job("c", "true")], { jobset: "s" }), file: "<shell>" };
    await engine.submit(line, "$ true");
    assert.deepEqual(engine.listSchedules().map((s) => s.name), ["s/b"]);

    const reloaded = await engine.submit(graphOf([job("a", "true"), job("b", "true")], { jobset: "s" }), "");
    assert.deepEqual(reloaded.schedules, []);
    assert.match(reloaded.notices.join("\n"), /replaced the schedules of jobset s \(s\/b\)/);
    assert.deepEqual(engine.listSchedules(), []);
  });
});
