import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Scheduler } from "../../src/core/scheduler.js";
import { transition, IllegalTransition } from "../../src/core/job-machine.js";
import { UserError } from "../../src/core/errors.js";
import { type JobRecord, type WireAttempt, type WireJob } from "../../src/core/types.js";
import { fakeClock, runOf, settings } from "./records.js";

const ids = (jobs: { id: number }[]) => jobs.map((j) => j.id);

/** Each dispatch starts exactly the next of `order`, which then succeeds. */
function succeedInTurn(s: Scheduler, order: number[]): void {
  for (const id of order) {
    assert.deepEqual(ids(s.dispatch().start), [id]);
    s.finish(id, { exitCode: 0 });
  }
}

function scheduler(pjc: number, more = {}) {
  const clock = fakeClock();
  return { s: new Scheduler(settings(pjc, more), clock.now), clock };
}

describe("job state machine", () => {
  test("illegal transitions throw", () => {
    const { jobs } = runOf(1, [{ id: 1 }]);
    const done = { startedAt: 0, endedAt: 1, exitCode: 0 };
    assert.throws(() => transition(jobs[0]!, "success", done), IllegalTransition);
    const running = transition(jobs[0]!, "running", { startedAt: 0 });
    const succeeded = transition(running, "success", done);
    assert.throws(() => transition(succeeded, "pending", {}), IllegalTransition);
  });
});

describe("scheduler", () => {
  test("ready jobs start by priority, then lowest job number, within the global pjc", () => {
    const { s } = scheduler(2);
    const { run, jobs } = runOf(1, [{ id: 1 }, { id: 2, priority: 10 }, { id: 3, priority: -10 }, { id: 4, priority: 10 }]);
    s.addRun(run, jobs);
    assert.deepEqual(ids(s.dispatch().start), [2, 4]);
    s.finish(4, { exitCode: 0 });
    assert.deepEqual(ids(s.dispatch().start), [1]);
    s.finish(1, { exitCode: 0 });
    s.finish(2, { exitCode: 0 });
    assert.deepEqual(ids(s.dispatch().start), [3]);
  });

  test("a job waits for its dependencies", () => {
    const { s } = scheduler(4);
    const { run, jobs } = runOf(1, [{ id: 1 }, { id: 2, deps: [1] }, { id: 3, deps: [1, 2] }]);
    s.addRun(run, jobs);
    succeedInTurn(s, [1, 2, 3]);
    assert.equal(s.runs.get(run.id)!.state, "success");
  });

  test("a failed job blocks its dependants but not its siblings; retry and success release them", () => {
    const { s } = scheduler(4);
    const { run, jobs } = runOf(1, [{ id: 1 }, { id: 2, deps: [1] }, { id: 3, deps: [2] }, { id: 4 }]);
    s.addRun(run, jobs);
    assert.deepEqual(ids(s.dispatch().start), [1, 4]);
    s.finish(1, { exitCode: 2 });
    assert.equal(s.jobs.get(1)!.reason, "exit 2");
    assert.equal(s.jobs.get(2)!.state, "blocked");
    assert.equal(s.jobs.get(3)!.state, "blocked");
    assert.equal(s.jobs.get(3)!.reason, "blocked by #1");
    assert.equal(s.runs.get(run.id)!.state, "running");
    s.finish(4, { exitCode: 0 });
    assert.equal(s.runs.get(run.id)!.state, "failed");
    s.retry([1]);
    assert.equal(s.runs.get(run.id)!.state, "running");
    succeedInTurn(s, [1, 2, 3]);
    assert.equal(s.runs.get(run.id)!.state, "success");
  });

  test("retry N with backoff re-runs automatically after the delay", () => {
    const { s, clock } = scheduler(1);
    const { run, jobs } = runOf(1, [{ id: 1, retry: { count: 2, backoffMs: 1000 } }]);
    s.addRun(run, jobs);
    s.dispatch();
    s.finish(1, { exitCode: 1 });
    assert.equal(s.jobs.get(1)!.state, "pending");
    const d = s.dispatch();
    assert.deepEqual(d.start, []);
    assert.equal(d.timerAt, clock.now() + 1000);
    clock.advance(1000);
    assert.deepEqual(ids(s.dispatch().start), [1]);
    s.finish(1, { exitCode: 1 });
    clock.advance(1000);
    s.dispatch();
    s.finish(1, { exitCode: 1 });
    assert.equal(s.jobs.get(1)!.state, "errored");
    assert.equal(s.jobs.get(1)!.attempts.length, 3);
  });

  test("a killed job is not retried automatically", () => {
    const { s } = scheduler(1);
    const { run, jobs } = runOf(1, [{ id: 1, retry: { count: 2, backoffMs: 0 } }]);
    s.addRun(run, jobs);
    s.dispatch();
    s.finish(1, { exitCode: null, signal: "SIGTERM", reason: "killed" });
    assert.equal(s.jobs.get(1)!.state, "errored");
    assert.equal(s.jobs.get(1)!.reason, "killed");
  });

  test("a block's pjc holds its jobs back while others run", () => {
    const { s } = scheduler(10);
    const { run, jobs } = runOf(
      1,
      [{ id: 1, blocks: ["1:b"] }, { id: 2, blocks: ["1:b"] }, { id: 3, blocks: ["1:b"] }, { id: 4 }],
      { "1:b": 1 },
    );
    s.addRun(run, jobs);
    assert.deepEqual(ids(s.dispatch().start), [1, 4]);
    s.finish(1, { exitCode: 0 });
    assert.deepEqual(ids(s.dispatch().start), [2]);
  });

  test("lowering pjc lets running jobs finish; raising it starts jobs at once", () => {
    const { s } = scheduler(3);
    const { run, jobs } = runOf(1, [1, 2, 3, 4, 5, 6].map((id) => ({ id })));
    s.addRun(run, jobs);
    assert.equal(s.dispatch().start.length, 3);
    s.updateSettings(settings(1));
    s.finish(1, { exitCode: 0 });
    assert.deepEqual(s.dispatch().start, []);
    s.finish(2, { exitCode: 0 });
    s.finish(3, { exitCode: 0 });
    assert.deepEqual(ids(s.dispatch().start), [4]);
    s.updateSettings(settings(5));
    assert.deepEqual(ids(s.dispatch().start), [5, 6]);
  });

  test("a jobset's pjc and pause apply, and resume restarts dispatching", () => {
    const { s } = scheduler(10, { jobsetPjc: { js: 1 } });
    const { run, jobs } = runOf(1, [{ id: 1 }, { id: 2 }, { id: 3 }]);
    s.addRun(run, jobs);
    assert.deepEqual(ids(s.dispatch().start), [1]);
    s.updateSettings(settings(10, { paused: ["js"] }));
    s.finish(1, { exitCode: 0 });
    assert.deepEqual(s.dispatch().start, []);
    s.updateSettings(settings(10));
    assert.deepEqual(ids(s.dispatch().start), [2, 3]);
  });

  test("a jobset's pjc caps its runs' own, never raises them, for running and new runs", () => {
    const { s } = scheduler(10);
    const first = runOf(1, [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }], { "": 3 });
    s.addRun(first.run, first.jobs);
    s.updateSettings(settings(10, { jobsetPjc: { js: 2 } }));
    assert.deepEqual(ids(s.dispatch().start), [1, 2]);
    s.updateSettings(settings(10, { jobsetPjc: { js: 5 } }));
    assert.deepEqual(ids(s.dispatch().start), [3], "the run's own 3 still holds");
    s.updateSettings(settings(10, { jobsetPjc: { js: 1 } }));
    s.finish(1, { exitCode: 0 });
    s.finish(2, { exitCode: 0 });
    assert.deepEqual(s.dispatch().start, [], "3 still runs: over the lowered pjc");
    s.finish(3, { exitCode: 0 });
    assert.deepEqual(ids(s.dispatch().start), [4]);
    const second = runOf(2, [{ id: 5 }], { "": 5 });
    s.addRun(second.run, second.jobs);
    assert.deepEqual(s.dispatch().start, [], "the jobset's pjc holds for a new run");
  });

  test("a halting run cancels its pending and blocked jobs in the transition that records a failure", () => {
    const { s } = scheduler(1);
    const { run: made, jobs } = runOf(1, [{ id: 1 }, { id: 2, deps: [1] }, { id: 3 }, { id: 4, retry: { count: 1, backoffMs: 0 } }]);
    const run = { ...made, haltOnFailure: true };
    s.addRun(run, jobs);
    const other = runOf(2, [{ id: 5, deps: [3] }], {}, "other");
    s.addRun(other.run, other.jobs);
    assert.deepEqual(ids(s.dispatch().start), [1]);
    s.finish(1, { exitCode: 4 });
    assert.deepEqual(s.dispatch().start, []);
    assert.deepEqual([2, 3, 4].map((id) => s.jobs.get(id)!.state), ["cancelled", "cancelled", "cancelled"]);
    assert.equal(s.jobs.get(5)!.state, "blocked", "another run's job waiting on a halted one");
    assert.equal(s.runs.get(run.id)!.state, "failed");
  });

  test("units are held against the capacity", () => {
    const { s } = scheduler(10, { capacity: 3 });
    const { run, jobs } = runOf(1, [{ id: 1, units: 2 }, { id: 2, units: 2 }, { id: 3, units: 1 }]);
    s.addRun(run, jobs);
    assert.deepEqual(ids(s.dispatch().start), [1, 3]);
    s.finish(1, { exitCode: 0 });
    assert.deepEqual(ids(s.dispatch().start), [2]);
  });

  test("fresh skips a job that succeeded recently in an earlier run", () => {
    const { s, clock } = scheduler(2);
    const first = runOf(1, [{ id: 1, name: "dump", freshMs: 60_000 }]);
    s.addRun(first.run, first.jobs);
    s.dispatch();
    s.finish(1, { exitCode: 0 });
    clock.advance(10_000);
    const second = runOf(2, [{ id: 2, name: "dump", freshMs: 60_000 }, { id: 3, deps: [2] }]);
    s.addRun(second.run, second.jobs);
    assert.deepEqual(ids(s.dispatch().start), [3]);
    assert.equal(s.jobs.get(2)!.state, "skipped");
    clock.advance(100_000);
    const third = runOf(3, [{ id: 4, name: "dump", freshMs: 60_000 }]);
    s.addRun(third.run, third.jobs);
    assert.deepEqual(ids(s.dispatch().start), [4]);
  });

  test("forced start passes the pjc but not dependencies", () => {
    const { s } = scheduler(1);
    const { run, jobs } = runOf(1, [{ id: 1 }, { id: 2 }, { id: 3, deps: [1] }]);
    s.addRun(run, jobs);
    s.dispatch();
    assert.equal(s.forceStart(2).state, "running");
    assert.throws(() => s.forceStart(3), UserError);
    assert.throws(() => s.retry([3]), UserError);
  });

  test("cancel removes pending jobs and hands running ones back to kill", () => {
    const { s } = scheduler(1);
    const { run, jobs } = runOf(1, [{ id: 1 }, { id: 2 }, { id: 3, deps: [2] }]);
    s.addRun(run, jobs);
    s.dispatch();
    const { cancelled, toKill } = s.cancel([1, 2]);
    assert.deepEqual(ids(cancelled), [2]);
    assert.deepEqual(ids(toKill), [1]);
    assert.equal(s.jobs.get(3)!.state, "blocked");
    s.finish(1, { exitCode: null, reason: "cancelled" });
    assert.equal(s.runs.get(run.id)!.state, "cancelled");
  });

  test("priority changes re-order the queue", () => {
    const { s } = scheduler(1);
    const { run, jobs } = runOf(1, [{ id: 1 }, { id: 2 }, { id: 3 }]);
    s.addRun(run, jobs);
    s.dispatch();
    s.setPriority(3, 5);
    s.finish(1, { exitCode: 0 });
    assert.deepEqual(ids(s.dispatch().start), [3]);
  });

  test("a restored run resumes: running jobs keep their slots, pending ones wait for them", () => {
    const { s } = scheduler(1);
    const { run, jobs } = runOf(1, [{ id: 1 }, { id: 2 }]);
    jobs[0] = { ...jobs[0]!, state: "running", startedAt: 0, attempts: [{ n: 1, startedAt: 0 }] };
    s.addRun(run, jobs);
    assert.deepEqual(s.dispatch().start, []);
    s.finish(1, { exitCode: 0 });
    assert.deepEqual(ids(s.dispatch().start), [2]);
  });

  test("changes are collected for one write", () => {
    const { s } = scheduler(2);
    const { run, jobs } = runOf(1, [{ id: 1 }, { id: 2 }]);
    s.addRun(run, jobs);
    s.dispatch();
    assert.deepEqual(ids(s.takeChanges().jobs), [1, 2]);
    assert.deepEqual(s.takeChanges().jobs, []);
  });
});

describe("records are immutable values", () => {
  test("a record handed out never changes; the pid is learnt without a change of its own until it is due", () => {
    const { s } = scheduler(1);
    const { run, jobs } = runOf(1, [{ id: 1 }]);
    s.addRun(run, jobs);
    const [started] = s.dispatch().start;
    s.takeChanges();
    assert.equal(s.started(1, 4242), true);
    assert.equal(started!.pid, undefined, "the record handed out before is unchanged");
    assert.equal((s.jobs.get(1) as WireJob).pid, 4242);
    assert.equal(s.jobs.get(1)!.attempts.at(-1)!.pid, 4242);
    assert.deepEqual(s.takeChanges().jobs, [], "a learnt pid is no change of its own");
    assert.equal(s.pidsDue(), 1);
    assert.deepEqual(s.takeChanges().jobs.map((j) => (j as WireJob).pid), [4242]);
    s.finish(1, { exitCode: 0 });
    const [ended] = s.takeChanges().jobs;
    assert.equal((ended as WireJob).pid, undefined, "an ended job has no pid");
    assert.equal(ended!.attempts[0]!.pid, 4242, "its attempt keeps it");
    assert.equal(s.started(1, 99), false, "a pid for a job no longer running is ignored");
  });

  test("a short job's pid is written with its end, not on its own", () => {
    const { s } = scheduler(1);
    const { run, jobs } = runOf(1, [{ id: 1 }]);
    s.addRun(run, jobs);
    s.dispatch();
    s.takeChanges();
    s.started(1, 77);
    s.finish(1, { exitCode: 0 });
    assert.equal(s.pidsDue(), 0);
    assert.deepEqual(s.takeChanges().jobs.map((j) => [j.state, j.attempts[0]!.pid]), [["success", 77]]);
  });

  test("a record stored in the flat shape of earlier versions loads and moves on", () => {
    // As LevelDB holds it from before records were a union: every lifecycle field on one object.
    const stored = JSON.parse(
      `{"id":1,"runId":1,"jobset":"js","key":"k1","name":"job1","command":"true","cwd":"/","env":{},"priority":0,"deps":[],"blocks":[],` +
        `"retry":{"count":1,"backoffMs":0},"units":1,"hooks":[],"state":"running","attempts":[{"n":1,"startedAt":5,"endedAt":6,"exitCode":1},{"n":2,"startedAt":7,"pid":321}],` +
        `"createdAt":0,"startedAt":7,"reason":"exit 1","pid":321,"logOut":"/dev/null","logErr":"/dev/null"}`,
    ) as JobRecord;
    const { s, clock } = scheduler(1);
    const { run } = runOf(1, []);
    s.addRun({ ...run, jobIds: [1] }, [stored]);
    clock.advance(10);
    const ended = s.finish(1, { exitCode: 2 }) as WireJob;
    assert.deepEqual([ended.state, ended.exitCode, ended.reason, ended.startedAt, ended.pid], ["errored", 2, "exit 2", 7, undefined]);
    assert.deepEqual(ended.attempts.map((a) => (a as WireAttempt).exitCode), [1, 2]);
    assert.equal(s.runs.get(1)!.state, "failed");
  });
});
