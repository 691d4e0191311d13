// ScheduleRunner on a fake clock: one timer, persist-before-fire, restarts,
// catch-up, clock jumps, overlap and reloads, all without waiting on real time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeHost, startRunner, tickGraph } from "./fake-host.js";
import { MAX_TIMER_MS } from "../../src/server/schedule-runner.js";
import { UserError } from "../../src/core/errors.js";

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.parse("2026-05-01T10:00:00Z");
const every = (ms: number) => ({ every: { ms, text: `${ms / SEC}s` } });

test("every 10s fires at load, then every 10s, with one timer and nextFireAt stored before each firing", async () => {
  const host = await startRunner(T0);
  const { records, notices } = await host.runner.register(tickGraph({ ...every(10 * SEC), overlap: "allow" }));
  assert.equal(records[0].nextFireAt, T0);
  assert.match(notices[0], /schedule tick: every 10s \(.+\), next firing/);
  await host.advance(T0 + 25 * SEC);
  assert.deepEqual(host.firedRuns("tick").map((r) => r.createdAt), [T0, T0 + 10 * SEC, T0 + 20 * SEC]);
  assert.deepEqual(host.storedNextAtFire, [T0 + 10 * SEC, T0 + 20 * SEC, T0 + 30 * SEC]);
  assert.equal(host.maxLiveTimers, 1);
  assert.equal(host.liveTimers().length, 1);
  assert.equal(host.saved.get("tick")?.skipped.length, 0);
});

test("overlap skip records a firing that came while the last run was still going", async () => {
  const host = await startRunner(T0);
  await host.runner.register(tickGraph({ ...every(10 * SEC), overlap: "skip" }));
  await host.advance(T0); // run 1 starts
  await host.advance(T0 + 10 * SEC); // run 1 still running
  assert.equal(host.firedRuns().length, 1);
  const [rec] = host.runner.list();
  assert.deepEqual(rec?.skipped, [{ at: T0 + 10 * SEC, reason: "overlap skip: run 1 was still running" }]);
  assert.ok(host.events.some((e) => e.type === "schedule" && e.skippedReason === "overlap skip: run 1 was still running"));
  host.endRun(1, "success");
  await host.advance(T0 + 20 * SEC);
  assert.equal(host.firedRuns().length, 2);
  assert.equal(host.runner.list()[0].lastResult, "running");
});

test("a run held through 1,000 firings under overlap skip: no write and no run per skipped firing, one event, the skips saved at stop", async () => {
  const host = await startRunner(T0);
  await host.runner.register(tickGraph({ ...every(SEC), overlap: "skip" }));
  await host.advance(T0); // run 1 starts and holds
  const saves = host.saves;
  const events = host.events.length;
  await host.advance(T0 + 1000 * SEC);
  assert.equal(host.firedRuns().length, 1);
  assert.equal(host.saves - saves, 0, "store writes for 1,000 skipped firings");
  assert.deepEqual(host.events.slice(events).map((e) => e.type === "schedule" && e.skippedReason), ["overlap skip: run 1 was still running"]);
  const [rec] = host.runner.list();
  assert.equal(rec.skipped.length, 100);
  assert.deepEqual(rec.skipped.at(-1), { at: T0 + 1000 * SEC, reason: "overlap skip: run 1 was still running" });
  assert.equal(rec.nextFireAt, T0 + 1001 * SEC);
  host.runner.stop();
  await host.runner.settled();
  assert.equal(host.saved.get("tick")?.nextFireAt, T0 + 1001 * SEC);
  assert.deepEqual(host.saved.get("tick")?.skipped, rec.skipped);
  // the next firing after the run ends is stored before it starts
  await startRunner(T0 + 1000 * SEC, [...host.saved.values()], host);
  host.endRun(1, "success");
  await host.advance(T0 + 1001 * SEC);
  assert.equal(host.firedRuns().length, 2);
  assert.equal(host.storedNextAtFire.at(-1), T0 + 1002 * SEC);
});

test("overlap queue: one write per queued firing", async () => {
  const host = await startRunner(T0);
  await host.runner.register(tickGraph({ ...every(SEC), overlap: "queue" }));
  await host.advance(T0);
  const saves = host.saves;
  await host.advance(T0 + 10 * SEC);
  assert.equal(host.saved.get("tick")?.queued?.length, 10);
  assert.equal(host.saves - saves, 10);
});

test("a stored schedule firing more often than every 1s (an older version allowed it) is parked at start, not fired", async () => {
  const first = await startRunner(T0);
  await first.runner.register(tickGraph({ ...every(10 * SEC), overlap: "allow" }));
  first.runner.stop();
  await first.runner.settled();
  const stored = structuredClone([...first.saved.values()]);
  stored[0]!.spec.every = { ms: 1, text: "1ms" };
  stored[0]!.nextFireAt = T0 + 5;
  const host = await startRunner(T0 + 10, stored);
  await host.advance(T0 + 10 * SEC);
  assert.equal(host.firedRuns().length, 0);
  const [rec] = host.runner.list();
  assert.equal(rec.nextFireAt, null);
  assert.equal(rec.skipped.at(-1)?.reason, "`every 1ms` is too often: the shortest period is 1s; load the file again to fix it");
});

test("overlap queue starts the waiting firing when the last run ends, and the queue survives a restart", async () => {
  const host = await startRunner(T0);
  await host.runner.register(tickGraph({ ...every(10 * SEC), overlap: "queue" }));
  await host.advance(T0 + 20 * SEC);
  assert.equal(host.firedRuns().length, 1);
  assert.deepEqual(host.saved.get("tick")?.queued, [T0 + 10 * SEC, T0 + 20 * SEC]);
  host.endRun(1, "failed");
  await host.runner.settled();
  assert.equal(host.firedRuns().length, 2);
  assert.equal(host.firedRuns()[1].createdAt, T0 + 10 * SEC);
  assert.equal(host.saved.get("tick")?.lastResult, "running");
  // restart while run 2 runs; it ends while the server is down; the queued firing starts on start()
  host.runner.stop();
  host.runs.set(2, { ...host.runs.get(2)!, state: "success" });
  await startRunner(T0 + 21 * SEC, [...host.saved.values()], host);
  assert.deepEqual(host.firedRuns().map((r) => r.createdAt), [T0, T0 + 10 * SEC, T0 + 20 * SEC]);
  assert.deepEqual(host.saved.get("tick")?.queued, []);
});

test("overlap allow starts a new run alongside; replace cancels the old one first", async () => {
  const allow = await startRunner(T0);
  await allow.runner.register(tickGraph({ ...every(10 * SEC), overlap: "allow" }));
  await allow.advance(T0 + 20 * SEC);
  assert.deepEqual(allow.firedRuns().map((r) => r.state), ["running", "running", "running"]);

  const replace = await startRunner(T0);
  await replace.runner.register(tickGraph({ ...every(10 * SEC), overlap: "replace" }));
  await replace.advance(T0 + 20 * SEC);
  assert.deepEqual(replace.cancelled, [1, 2]);
  assert.deepEqual(replace.firedRuns().map((r) => r.state), ["cancelled", "cancelled", "running"]);
  assert.equal(replace.saved.get("tick")?.lastRunId, 3);
});

test("a restart between firings resumes at the stored time without firing again", async () => {
  const host = await startRunner(T0);
  await host.runner.register(tickGraph(every(HOUR)));
  await host.advance(T0 + 10 * MIN);
  assert.equal(host.firedRuns().length, 1);
  host.endRun(1, "success");
  host.runner.stop();
  assert.equal(host.liveTimers().length, 0);
  await startRunner(T0 + 20 * MIN, [...host.saved.values()], host);
  assert.equal(host.firedRuns().length, 1);
  assert.equal(host.liveTimers()[0].at, T0 + HOUR);
  await host.advance(T0 + HOUR + 1);
  assert.deepEqual(host.firedRuns().map((r) => r.createdAt), [T0, T0 + HOUR]);
});

test("after downtime, catchup once runs one firing and records the missed ones with the reason", async () => {
  const host = await startRunner(T0);
  await host.runner.register(tickGraph({ ...every(HOUR), catchup: "once", tz: "UTC" }));
  await host.advance(T0);
  host.endRun(1, "success");
  host.runner.stop();
  await startRunner(T0 + 5 * HOUR + 30 * MIN, [...host.saved.values()], host);
  assert.deepEqual(host.firedRuns().map((r) => r.createdAt), [T0, T0 + 5 * HOUR]);
  const rec = host.saved.get("tick")!;
  assert.equal(rec.nextFireAt, T0 + 6 * HOUR);
  assert.match(rec.skipped[0].reason, /missed while no server was running; catchup once ran only the firing at 2026-05-01 15:00:00 UTC \(4 firings/);
  assert.ok(host.notices().some((n) => /5 firings missed while no server was running; catchup once runs it once now/.test(n)));
});

test("a catch-up firing skipped under overlap, after the missed ones were saved, is saved at stop too", async () => {
  const host = await startRunner(T0);
  await host.runner.register(tickGraph({ ...every(HOUR), catchup: "once", tz: "UTC" }));
  await host.advance(T0); // run 1 starts and is still running through the downtime
  host.runner.stop();
  await host.runner.settled();
  await startRunner(T0 + 5 * HOUR + 30 * MIN, [...host.saved.values()], host);
  // the missed firings are written at start; the one catch-up firing is then skipped (run 1 holds)
  assert.equal(host.firedRuns().length, 1);
  assert.deepEqual(host.runner.list()[0]?.skipped.at(-1), { at: T0 + 5 * HOUR, reason: "overlap skip: run 1 was still running" });
  host.runner.stop();
  await host.runner.settled();
  assert.deepEqual(host.saved.get("tick")?.skipped.at(-1), { at: T0 + 5 * HOUR, reason: "overlap skip: run 1 was still running" });
});

test("after downtime, catchup none runs nothing missed; catchup all runs them, bounded at 100 with a notice", async () => {
  const none = await startRunner(T0);
  await none.runner.register(tickGraph({ ...every(HOUR), catchup: "none" }));
  await none.advance(T0);
  none.endRun(1, "success");
  none.runner.stop();
  await startRunner(T0 + 3 * HOUR + 30 * MIN, [...none.saved.values()], none);
  assert.equal(none.firedRuns().length, 1);
  assert.match(none.saved.get("tick")!.skipped[0].reason, /catchup none \(3 firings/);

  const all = await startRunner(T0);
  await all.runner.register(tickGraph({ ...every(MIN), catchup: "all", overlap: "allow" }));
  await all.advance(T0);
  all.runner.stop();
  await startRunner(T0 + DAY - 1, [...all.saved.values()], all);
  assert.equal(all.firedRuns().length, 1 + 100);
  assert.ok(all.notices().some((n) => /catchup all is bounded at 100; 1339 firings older than/.test(n)));
  assert.match(all.saved.get("tick")!.skipped[0].reason, /catchup all runs at most 100/);
});

test("a clock jump forward by hours does not fire a burst: the late timer applies catch-up", async () => {
  const host = await startRunner(T0);
  await host.runner.register(tickGraph({ ...every(10 * SEC), overlap: "allow", catchup: "once" }));
  await host.advance(T0 + 10 * SEC);
  assert.equal(host.firedRuns().length, 2);
  await host.jumpThenWake(T0 + 20 * SEC + 3 * HOUR);
  assert.equal(host.firedRuns().length, 3);
  const rec = host.saved.get("tick")!;
  assert.match(rec.skipped[0].reason, /timer woke 3h late \(clock jumped forward or the machine slept\); catchup once/);
  assert.equal(rec.nextFireAt, T0 + 30 * SEC + 3 * HOUR);
  assert.equal(host.liveTimers().length, 1);
});

test("a clock jump backward re-arms for the same firing instead of firing early", async () => {
  const host = await startRunner(T0);
  await host.runner.register(tickGraph(every(HOUR)));
  await host.advance(T0);
  await host.jumpThenWake(T0 + 10 * MIN); // timer woke, but the wall clock says it is too early
  assert.equal(host.firedRuns().length, 1);
  assert.equal(host.liveTimers()[0].at, T0 + HOUR);
});

test("cron 30 2 * * * in Europe/Berlin fires once on each DST day, at the times cron-parser defines", async () => {
  const start = Date.parse("2026-03-28T12:00:00Z");
  const host = await startRunner(start);
  await host.runner.register(tickGraph({ cron: "30 2 * * *", tz: "Europe/Berlin", overlap: "allow" }));
  await host.advance(Date.parse("2026-03-30T12:00:00Z"));
  await host.advance(Date.parse("2026-10-24T12:00:00Z"));
  host.runs.clear();
  await host.advance(Date.parse("2026-10-26T12:00:00Z"));
  const fired = host.firedRuns().map((r) => new Date(r.createdAt).toISOString());
  assert.deepEqual(fired, ["2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"]);
  assert.equal(host.saved.get("tick")!.skipped.length, 0);
});

test("a firing months away wakes within setTimeout's limit, re-arms, and fires on time", async () => {
  const host = await startRunner(T0);
  await host.runner.register(tickGraph({ at: "2026-08-01T00:00:00Z" }));
  assert.equal(host.liveTimers()[0].at, T0 + MAX_TIMER_MS);
  await host.advance(Date.parse("2026-08-01T00:00:01Z"));
  assert.deepEqual(host.firedRuns().map((r) => new Date(r.createdAt).toISOString()), ["2026-08-01T00:00:00.000Z"]);
  assert.equal(host.saved.get("tick")!.nextFireAt, null);
  assert.equal(host.liveTimers().length, 0);
});

test("an at time already past at load never fires, and says so", async () => {
  const host = await startRunner(T0);
  const { notices } = await host.runner.register(tickGraph({ at: "2026-01-01 00:00", tz: "UTC" }));
  assert.match(notices[0], /at "2026-01-01 00:00" is in the past; it will not fire/);
  assert.match(host.saved.get("tick")!.skipped[0].reason, /already passed/);
  await host.advance(T0 + DAY);
  assert.equal(host.firedRuns().length, 0);
});

test("loading the same jobset again replaces its schedules, and says so", async () => {
  const host = await startRunner(T0);
  const graph = tickGraph(every(HOUR));
  graph.schedules.push({ ...graph.schedules[0], name: "tick/extra" });
  await host.runner.register(graph);
  await host.runner.register(tickGraph({ ...every(HOUR), tz: "UTC" }, "other"));
  await host.advance(T0);
  const { notices, records } = await host.runner.register(tickGraph({ cron: "0 3 * * *", tz: "UTC" }));
  assert.match(notices[0], /replaced the schedules of jobset tick \(tick, tick\/extra\)/);
  assert.deepEqual(records.map((r) => r.nextFireAt), [Date.parse("2026-05-02T03:00:00Z")]);
  assert.deepEqual(host.runner.list().map((r) => r.name), ["other", "tick"]);
  assert.deepEqual([...host.saved.keys()].sort(), ["other", "tick"]);
  assert.equal(host.saved.get("tick")!.lastRunId, host.firedRuns("tick")[0].id);
});

test("a bad schedule is refused at registration with its position", async () => {
  const host = await startRunner(T0);
  await assert.rejects(host.runner.register(tickGraph({ cron: "61 * * * *" })), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.match(e.message, /^\/x\/tick\.pll:2:1: invalid cron expression `61 \* \* \* \*`: Constraint error, got value 61 expected range 0-59/);
    return true;
  });
});

test("unschedule removes a schedule and its timer; an unknown name suggests the nearest", async () => {
  const host = await startRunner(T0);
  await host.runner.register(tickGraph(every(HOUR), "nightly"));
  await assert.rejects(host.runner.unschedule("nightyl"), /no schedule named `nightyl` — did you mean `nightly`\?/);
  await assert.rejects(host.runner.unschedule("zzz"), (e: unknown) => e instanceof UserError && !/did you mean/.test(e.message));
  await host.runner.unschedule("nightly");
  assert.deepEqual(host.runner.list(), []);
  assert.equal(host.saved.size, 0);
  assert.equal(host.liveTimers().length, 0);
});

test("a firing the engine cannot start is recorded as skipped, with the reason, and the schedule goes on", async () => {
  const host = await startRunner(T0);
  await host.runner.register(tickGraph({ ...every(10 * SEC), overlap: "allow" }));
  host.failNextFire = "store closed";
  await host.advance(T0 + 10 * SEC);
  assert.equal(host.firedRuns().length, 1);
  assert.deepEqual(host.saved.get("tick")!.skipped, [{ at: T0, reason: "could not start a run: store closed" }]);
  assert.ok(host.notices().includes("schedule tick: could not start a run: store closed"));
});

test("list reports the last run's current result", async () => {
  const host = new FakeHost(T0);
  await startRunner(T0, [], host);
  await host.runner.register(tickGraph(every(HOUR)));
  await host.advance(T0);
  host.runs.set(1, { ...host.runs.get(1)!, state: "failed" }); // ended, and the engine has not told the runner yet
  assert.equal(host.runner.list()[0].lastResult, "failed");
});

test("a stored schedule that no longer computes is parked with the reason, not spun on", async () => {
  const host = await startRunner(T0);
  await host.runner.register(tickGraph({ cron: "0 * * * *", tz: "UTC" }));
  host.runner.stop();
  const [rec] = [...host.saved.values()];
  rec.spec.tz = "Mars/Olympus"; // as if the system's zone database dropped it
  await startRunner(T0 + 2 * HOUR, [rec], host);
  const parked = host.saved.get("tick")!;
  assert.equal(parked.nextFireAt, null);
  assert.match(parked.skipped[0].reason, /cannot compute its firings any more .*; load the file again to fix it/);
  assert.ok(host.notices().some((n) => n.startsWith("schedule tick: cannot compute")));
  assert.equal(host.liveTimers().length, 0);
  assert.equal(host.firedRuns().length, 0);
});

test("after stop, a run's end keeps queued firings stored instead of starting them", async () => {
  const host = await startRunner(T0);
  await host.runner.register(tickGraph({ ...every(10 * SEC), overlap: "queue" }));
  await host.advance(T0 + 10 * SEC);
  host.runner.stop();
  host.endRun(1, "success");
  await host.runner.settled();
  assert.equal(host.firedRuns().length, 1);
  assert.deepEqual(host.saved.get("tick")!.queued, [T0 + 10 * SEC]);
  assert.equal(host.saved.get("tick")!.lastResult, "success");
});
