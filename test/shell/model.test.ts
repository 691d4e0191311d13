import { test } from "node:test";
import assert from "node:assert/strict";
import type { JobRecord, JobState, RunRecord, WireJob } from "../../src/core/types.js";
import { ShellModel } from "../../src/shell/model.js";

function job(id: number, state: JobState, extra: Partial<WireJob> = {}): JobRecord {
  return {
    id, runId: 1, jobset: "demo", key: `k${id}`, name: `job${id}`, command: "true", cwd: "/", env: {},
    priority: 0, deps: [], blocks: [], retry: { count: 0, backoffMs: 0 }, units: 1, hooks: [], state,
    attempts: [], createdAt: 1000 + id, logOut: "", logErr: "", ...extra,
  } as JobRecord;
}

const run = (id: number, jobIds: number[], extra: Partial<RunRecord> = {}): RunRecord => ({
  id, jobset: "demo", file: "demo.pll", state: "running", createdAt: 1000, jobIds, blockPjc: {}, ...extra,
});

const ids = (model: ShellModel, height = 100) => model.window(height).rows.map((j) => j.id);

test("rows: running first, then pending in dispatch order, then blocked, then finished newest first", () => {
  const model = new ShellModel(() => 5000);
  model.loadSnapshot({
    jobs: [
      job(1, "success", { endedAt: 2000 }),
      job(2, "pending"),
      job(3, "pending", { priority: 10 }),
      job(4, "running", { startedAt: 1500 }),
      job(5, "errored", { endedAt: 3000 }),
      job(6, "blocked"),
      job(7, "pending", { priority: -10 }),
      job(8, "pending"),
    ],
  });
  assert.deepEqual(ids(model), [4, 3, 2, 8, 7, 6, 5, 1]);
});

test("a job's row moves as its state changes, and the counts follow", () => {
  const model = new ShellModel(() => 5000);
  model.loadSnapshot({ jobs: [job(1, "pending"), job(2, "pending")] });
  model.apply({ type: "job", job: job(2, "running", { startedAt: 1100 }) });
  assert.deepEqual(ids(model), [2, 1]);
  model.apply({ type: "job", job: job(2, "success", { startedAt: 1100, endedAt: 1200 }) });
  assert.deepEqual(ids(model), [1, 2]);
  assert.equal(model.countOf("pending"), 1);
  assert.equal(model.countOf("success"), 1);
  assert.equal(model.countOf("running"), 0);
});

test("the selection follows its job and the window scrolls to keep it visible", () => {
  const model = new ShellModel();
  model.loadSnapshot({ jobs: Array.from({ length: 50 }, (_, i) => job(i + 1, "pending")) });
  model.move(10);
  assert.equal(model.selected()!.id, 11);
  const w = model.window(5);
  assert.equal(w.rows[w.selected]!.id, 11);
  assert.equal(w.rows.length, 5);
  // #11 starts running: it jumps to the top and the selection goes with it.
  model.apply({ type: "job", job: job(11, "running", { startedAt: 2000 }) });
  assert.equal(model.selected()!.id, 11);
  assert.equal(model.window(5).first, 0);
  model.moveTo("last");
  assert.equal(model.selected()!.id, 50);
  model.move(-1000);
  assert.equal(model.selected()!.id, 11);
});

test("a filter by state or jobset narrows the rows", () => {
  const model = new ShellModel();
  model.loadSnapshot({
    jobs: [job(1, "errored"), job(2, "success"), job(3, "errored", { jobset: "other" }), job(4, "pending")],
  });
  model.setFilter({ state: "errored" });
  assert.deepEqual(ids(model).sort(), [1, 3]);
  model.setFilter({ jobset: "other" });
  assert.deepEqual(ids(model), [3]);
  model.setFilter({});
  assert.equal(model.window(10).total, 4);
});

test("a failure becomes an error notice; overruns and schedule skips become warnings", () => {
  const model = new ShellModel();
  model.loadSnapshot({ jobs: [job(1, "running")] });
  model.apply({ type: "job", job: job(1, "errored", { reason: "exit 3" }) });
  model.apply({ type: "overrun", jobId: 1, what: "time", limit: 1000 });
  assert.deepEqual(
    model.notices.map((n) => [n.level, n.message]),
    [["error", "#1 job1 failed: exit 3"], ["warn", "#1 job1 overran its expected time (1000)"]],
  );
});

test("header: done/total of the running runs, busy slots, elapsed and an ETA from throughput", () => {
  let now = 10_000;
  const model = new ShellModel(() => now);
  model.loadSnapshot({
    runs: [run(1, [1, 2, 3, 4, 5], { createdAt: 4000 })],
    jobs: [1, 2, 3, 4, 5].map((id) => job(id, "pending")),
    settings: { pjc: 2, capacity: null, paused: [], jobsetPjc: {} },
  });
  model.sample();
  for (const id of [1, 2]) model.apply({ type: "job", job: job(id, "success", { endedAt: now }) });
  model.apply({ type: "job", job: job(3, "running", { startedAt: now }) });
  now += 1000;
  model.sample();
  const h = model.header();
  assert.deepEqual([h.done, h.total, h.busy, h.pjc, h.elapsedMs], [2, 5, 1, 2, 7000]);
  assert.deepEqual(h.jobsets, ["demo"]);
  // 2 finished in 1 s, 3 left → 1.5 s.
  assert.equal(h.etaMs, 1500);
  assert.deepEqual(model.samples().map((s) => [s.running, s.finished]), [[0, 0], [1, 2]]);
});

test("a finished run keeps showing how long it took", () => {
  const model = new ShellModel(() => 99_000);
  model.loadSnapshot({ runs: [run(1, [1], { state: "success", createdAt: 1000, endedAt: 61_000 })], jobs: [job(1, "success")] });
  const h = model.header();
  assert.deepEqual([h.elapsedMs, h.etaMs, h.done, h.total], [60_000, 0, 1, 1]);
});

test("retrying a finished job takes it out of the done count", () => {
  const model = new ShellModel();
  model.loadSnapshot({ runs: [run(1, [1])], jobs: [job(1, "errored")] });
  assert.equal(model.header().done, 1);
  model.apply({ type: "job", job: job(1, "pending") });
  assert.equal(model.header().done, 0);
});

test("100,000 jobs: a stream of state changes and windows stays cheap", () => {
  const model = new ShellModel();
  const n = 100_000;
  model.loadSnapshot({ jobs: Array.from({ length: n }, (_, i) => job(i + 1, "pending")) });
  for (let id = 1; id <= 2000; id++) {
    model.apply({ type: "job", job: job(id, "running", { startedAt: id }) });
    model.apply({ type: "job", job: job(id, "success", { startedAt: id, endedAt: id + 1 }) });
    if (id % 100 === 0) model.window(20);
  }
  assert.equal(model.countOf("success"), 2000);
  assert.deepEqual(ids(model, 3), [2001, 2002, 2003]);
  model.moveTo("last");
  assert.equal(model.selected()!.id, 1);
});

test("header: the run pjc line names the newest active run", () => {
  const model = new ShellModel(() => 10_000);
  model.loadSnapshot({
    runs: [run(1, [1], { createdAt: 1000, blockPjc: { "": 3 } }), run(2, [2], { createdAt: 2000, blockPjc: { "": 5 } })],
    jobs: [job(1, "running"), job(2, "running")],
    settings: { pjc: null, capacity: null, paused: [], jobsetPjc: {} },
  });
  assert.match(model.header().runPjc ?? "", /^run 2: /);
});
