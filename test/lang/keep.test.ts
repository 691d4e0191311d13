// `keep`: a jobset's retention, a setting of the whole file. The forms, what
// they compile to, what a firing's graph carries, and the errors.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { firingGraph } from "../../src/core/recurrence-graph.js";
import { DEFAULT_KEEP_MS, DEFAULT_RECURRING_RUNS, retentionOf, runsToPrune } from "../../src/core/retention.js";
import type { RunRecord } from "../../src/core/types.js";
import { errorOf, graphOf, lines } from "./compile-fixture.js";

const DAY = 86_400_000;

describe("keep: the forms", () => {
  it("`keep 30d` keeps finished runs 30 days", () => {
    assert.deepEqual(graphOf(lines("keep 30d", "$ true")).keep, { ageMs: 30 * DAY });
    assert.deepEqual(graphOf(lines("keep 1w2d", "$ true")).keep, { ageMs: 9 * DAY });
  });
  it("`keep 100 runs` keeps the newest 100 (and `keep 1 run`)", () => {
    assert.deepEqual(graphOf(lines("keep 100 runs", "$ true")).keep, { runs: 100 });
    assert.deepEqual(graphOf(lines("keep 1 run", "$ true")).keep, { runs: 1 });
  });
  it("`keep forever` keeps everything", () => {
    assert.deepEqual(graphOf(lines("keep forever", "$ true")).keep, {});
  });
  it("no `keep`: none in the graph (the defaults apply)", () => {
    assert.equal(graphOf(lines("$ true")).keep, undefined);
  });
  it("goes with other settings on its line, and into a schedule's firing graph", () => {
    const g = graphOf(lines("jobset hc", "every 10s keep 50 runs", "$ true"));
    assert.deepEqual(g.keep, { runs: 50 });
    assert.deepEqual(firingGraph(g, g.schedules[0]!).keep, { runs: 50 });
  });
});

describe("keep: errors", () => {
  it("a bare number needs `runs`", () => {
    assert.equal(errorOf(lines("keep 3", "$ true")), "1:6 `keep 3` needs `runs` (`keep 3 runs`), or a duration like `keep 3d`");
    assert.match(errorOf(lines("keep 3 days", "$ true")), /^1:8 `keep 3` needs `runs`/);
  });
  it("zero would delete every run", () => {
    assert.match(errorOf(lines("keep 0s", "$ true")), /^1:6 `keep 0s` would delete every run as it ends/);
    assert.match(errorOf(lines("keep 0 runs", "$ true")), /^1:6 `keep` must be at least 1, found 0/);
  });
  it("not a duration", () => {
    assert.match(errorOf(lines("keep banana", "$ true")), /^1:6 invalid duration `banana` for `keep`.*`keep N runs`, or `keep forever`$/);
    assert.match(errorOf(lines("keep 30d runs", "$ true")), /^1:10 `keep 30d` takes nothing after it, found `runs`/);
  });
  it("nothing after `keep`", () => {
    assert.match(errorOf(lines("keep", "$ true")), /^1:5 expected a duration \(e\.g\. 30d\), a number of runs/);
  });
  it("only at the top of the file: not on an item, not inside a block", () => {
    assert.match(errorOf(lines("x: keep 3d $ true")), /^1:4 `keep` is a setting of the whole jobset/);
    assert.match(errorOf(lines("b: seq <", "  keep 3d", "  $ true", ">")), /^2:3 `keep` is a setting of the whole jobset.*not inside a block/);
  });
  it("once per line", () => {
    assert.match(errorOf(lines("keep 3d keep 4d", "$ true")), /`keep` is given twice on this line/);
  });
});

const run = (id: number, jobset: string, endedAt: number | undefined, extra: Partial<RunRecord> = {}): RunRecord => ({
  id,
  jobset,
  file: "/x.pll",
  state: endedAt === undefined ? "running" : "success",
  createdAt: endedAt ?? 0,
  ...(endedAt !== undefined ? { endedAt } : {}),
  jobIds: [],
  blockPjc: {},
  ...extra,
});

describe("retention: which finished runs go", () => {
  const now = 100 * DAY;
  it("defaults: 30 days for every jobset, and 100 runs too for one a schedule fires", () => {
    assert.deepEqual(retentionOf(run(1, "a", 0)), { ageMs: DEFAULT_KEEP_MS });
    assert.deepEqual(retentionOf(run(1, "a", 0, { schedule: "a" })), { ageMs: DEFAULT_KEEP_MS, runs: DEFAULT_RECURRING_RUNS });
    assert.deepEqual(runsToPrune([run(1, "a", now - 31 * DAY), run(2, "a", now - 29 * DAY)], now), [1]);
    const fired = Array.from({ length: 150 }, (_, i) => run(i + 1, "hc", now - 1000 + i, { schedule: "hc" }));
    assert.deepEqual(runsToPrune(fired, now), Array.from({ length: 50 }, (_, i) => i + 1));
  });
  it("a `keep` replaces both defaults; the jobset's newest run says which applies", () => {
    const old = [run(1, "a", now - 300 * DAY, { keep: {} }), run(2, "a", now - 200 * DAY, { keep: {} })];
    assert.deepEqual(runsToPrune(old, now), []);
    assert.deepEqual(runsToPrune([...old, run(3, "a", now, { keep: { runs: 1 } })], now), [1, 2]);
  });
  it("never a running run, nor counted among the newest N", () => {
    const rs = [run(1, "a", undefined, { keep: { runs: 1 }, createdAt: 0 }), run(2, "a", now - 2), run(3, "a", now - 1, { keep: { runs: 1 } }), run(4, "a", undefined, { keep: { runs: 1 } })];
    assert.deepEqual(runsToPrune(rs, now), [2]);
    assert.deepEqual(runsToPrune(rs, now, { olderThanMs: 0 }), [2, 3]);
  });
  it("--older-than and --jobset select by age, and one jobset", () => {
    const rs = [run(1, "a", now - 10 * DAY), run(2, "b", now - 10 * DAY), run(3, "a", now - DAY)];
    assert.deepEqual(runsToPrune(rs, now, { olderThanMs: 7 * DAY }), [1, 2]);
    assert.deepEqual(runsToPrune(rs, now, { olderThanMs: 7 * DAY, jobset: "b" }), [2]);
  });
});
