// Cutting a graph along its schedules: what one firing runs, what runs at load.
import { test } from "node:test";
import assert from "node:assert/strict";
import { firingGraph, unscheduledGraph } from "../../src/core/recurrence-graph.js";
import type { JobGraph, JobSpec } from "../../src/core/types.js";

const loc = { file: "/x/g.pll", line: 1, col: 1 };
const job = (key: string, deps: string[] = [], blocks: string[] = []): JobSpec => ({
  key, name: key, command: `echo ${key}`, cwd: "/x", env: {}, priority: 0, deps, blocks, retry: { count: 0, backoffMs: 0 }, units: 1, hooks: [], loc,
});
const graph: JobGraph = {
  jobset: "g", file: "/x/g.pll", pjc: 2,
  jobs: [job("setup"), job("export", ["setup"], ["nightly"]), job("vacuum", ["export"], ["nightly"])],
  blocks: [{ key: "nightly", name: "nightly", kind: "seq", jobs: ["export", "vacuum"], loc }],
  schedules: [{ name: "g/nightly", jobs: ["export", "vacuum"], cron: "0 2 * * *", overlap: "skip", catchup: "once", loc }],
};

test("one firing runs the scheduled item only, keeps its inner dependencies and blocks, and carries no schedules", () => {
  const g = firingGraph(graph, graph.schedules[0]);
  assert.deepEqual(g.jobs.map((j) => [j.key, j.deps]), [["export", []], ["vacuum", ["export"]]]);
  assert.deepEqual(g.blocks.map((b) => b.key), ["nightly"]);
  assert.deepEqual(g.schedules, []);
  assert.equal(g.pjc, 2);
});

test("loading runs what no schedule claims", () => {
  const g = unscheduledGraph(graph);
  assert.deepEqual(g.jobs.map((j) => j.key), ["setup"]);
  assert.deepEqual(g.blocks, []);
});
