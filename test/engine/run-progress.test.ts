// pll run's line output (no TTY): one line per state a job reaches, none for
// the pending state every job starts in — whether the job was in the first
// snapshot or first seen in an event.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { JobRecord, WireJob } from "../../src/core/types.js";
import { RunProgress } from "../../src/cli/run/progress.js";
import { runOf } from "../core/records.js";

function linesOf(feed: (p: RunProgress, jobs: JobRecord[]) => void): string[] {
  let out = "";
  const { run, jobs } = runOf(1, [{ id: 1, name: "greet.1" }, { id: 2, name: "one" }]);
  const progress = new RunProgress({ runId: run.id, mode: "lines", write: (t) => (out += t), color: false, now: () => 0 });
  feed(progress, jobs);
  progress.stop();
  return out.split("\n").filter(Boolean);
}

const as = (job: JobRecord, change: Partial<WireJob>): JobRecord => ({ ...job, ...change }) as JobRecord;
const started = (job: JobRecord): JobRecord => as(job, { state: "running", attempts: [{ n: 1, startedAt: 0 }] });

test("no pending line for a job not started yet, in the snapshot or in an event", () => {
  const lines = linesOf((p, [a, b]) => {
    p.init([b!]); // the first job's record arrives only as events
    p.onEvent({ type: "job", job: a! });
    p.onEvent({ type: "job", job: b! });
    p.onEvent({ type: "job", job: started(a!) });
    p.onEvent({ type: "job", job: started(b!) });
  });
  assert.deepEqual(lines, ["#1 greet.1 running", "#2 one running"]);
});

test("a job pending again after an attempt (waiting to retry) gets its line", () => {
  const lines = linesOf((p, [a]) => {
    p.init([a!]);
    p.onEvent({ type: "job", job: started(a!) });
    p.onEvent({ type: "job", job: as(started(a!), { state: "pending", reason: "exit 1" }) });
  });
  assert.deepEqual(lines, ["#1 greet.1 running", "#1 greet.1 pending (exit 1)"]);
});
