// Recurrence maths with an injected clock: every time below is a plain number.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CATCHUP_BOUND, LATE_GRACE_MS, checkSchedule, decideOverlap, dueFirings, firstFireAt, formatDuration, formatTime,
  nextFireAfter, parseAt, planFirings,
} from "../../src/core/recurrence.js";
import type { ScheduleSpec } from "../../src/core/types.js";

const loc = { file: "/x/s.pll", line: 1, col: 1 };
const MIN = 60_000;
const HOUR = 60 * MIN;
const utc = (s: string) => Date.parse(s);

function spec(kind: Partial<ScheduleSpec>): ScheduleSpec {
  return { name: "s", jobs: ["a"], overlap: "skip", catchup: "once", loc, ...kind };
}
const every = (ms: number, rest: Partial<ScheduleSpec> = {}) => spec({ every: { ms, text: `${ms}ms` }, ...rest });
const cron = (expr: string, rest: Partial<ScheduleSpec> = {}) => spec({ cron: expr, tz: "UTC", ...rest });

/** Fire times yielded by following nextFireAfter from `start`, `n` times. */
function follow(s: ScheduleSpec, start: number, n: number): string[] {
  const out: string[] = [];
  let t = firstFireAt(s, start);
  while (t !== null && out.length < n) {
    out.push(new Date(t).toISOString());
    t = nextFireAfter(s, t, t);
  }
  return out;
}

test("every D fires first at load time, then on a fixed grid D apart", () => {
  const t0 = utc("2026-05-01T10:00:07Z");
  assert.equal(firstFireAt(every(5 * MIN), t0), t0);
  assert.deepEqual(follow(every(5 * MIN), t0, 3), ["2026-05-01T10:00:07.000Z", "2026-05-01T10:05:07.000Z", "2026-05-01T10:10:07.000Z"]);
  // the grid holds even when asked from an arbitrary later time (a slow run does not make it drift)
  assert.equal(nextFireAfter(every(5 * MIN), t0, t0 + 12 * MIN), t0 + 15 * MIN);
  assert.equal(nextFireAfter(every(5 * MIN), t0, t0 + 15 * MIN), t0 + 20 * MIN);
});

test("cron with 5 fields, with 6 fields (seconds first), and in a zone", () => {
  const t0 = utc("2026-05-01T10:00:00Z");
  assert.deepEqual(follow(cron("0 2 * * *"), t0, 2), ["2026-05-02T02:00:00.000Z", "2026-05-03T02:00:00.000Z"]);
  assert.deepEqual(follow(cron("*/20 * * * * *"), t0, 3), ["2026-05-01T10:00:20.000Z", "2026-05-01T10:00:40.000Z", "2026-05-01T10:01:00.000Z"]);
  assert.deepEqual(follow(cron("0 2 * * *", { tz: "Europe/Berlin" }), t0, 1), ["2026-05-02T00:00:00.000Z"]);
  assert.deepEqual(follow(cron("0 2 * * *", { tz: "America/New_York" }), t0, 1), ["2026-05-02T06:00:00.000Z"]);
});

test('cron "30 2 * * *" in Europe/Berlin on the spring-forward day fires once, at 03:30 CEST (cron-parser\'s shift)', () => {
  const berlin = cron("30 2 * * *", { tz: "Europe/Berlin" });
  assert.deepEqual(follow(berlin, utc("2026-03-28T12:00:00Z"), 3), [
    "2026-03-29T01:30:00.000Z", // 2026-03-29 02:30 does not exist: 03:30 CEST
    "2026-03-30T00:30:00.000Z",
    "2026-03-31T00:30:00.000Z",
  ]);
  assert.equal(formatTime(utc("2026-03-29T01:30:00Z"), "Europe/Berlin"), "2026-03-29 03:30:00 CEST");
});

test('cron "30 2 * * *" in Europe/Berlin on the fall-back day fires once, at the first 02:30 (CEST)', () => {
  const berlin = cron("30 2 * * *", { tz: "Europe/Berlin" });
  assert.deepEqual(follow(berlin, utc("2026-10-24T12:00:00Z"), 3), [
    "2026-10-25T00:30:00.000Z", // 02:30 CEST; 02:30 CET (01:30Z) does not fire again
    "2026-10-26T01:30:00.000Z",
    "2026-10-27T01:30:00.000Z",
  ]);
  // counting missed firings across both DST days agrees with following them
  const due = dueFirings(berlin, utc("2026-03-29T01:30:00Z"), utc("2026-10-27T12:00:00Z"), 1000);
  assert.equal(due.count, 213);
  assert.ok(due.exact);
  assert.equal(due.latest.filter((t) => new Date(t).toISOString().startsWith("2026-10-25")).length, 1);
});

test("at is a wall time in the schedule's zone, fires once, and never if already past", () => {
  const at = spec({ at: "2026-12-01 02:00", tz: "Europe/Berlin" });
  assert.equal(firstFireAt(at, utc("2026-11-01T00:00:00Z")), utc("2026-12-01T01:00:00Z"));
  assert.equal(nextFireAfter(at, utc("2026-12-01T01:00:00Z"), utc("2026-12-01T01:00:00Z")), null);
  assert.equal(firstFireAt(at, utc("2026-12-02T00:00:00Z")), null);
  assert.equal(parseAt("2026-12-01T02:00:00Z", "Europe/Berlin"), utc("2026-12-01T02:00:00Z"));
  assert.equal(parseAt("2026-12-01T02:00+05:00", "UTC"), utc("2026-11-30T21:00:00Z"));
  assert.equal(parseAt("2026-12-01", "UTC"), utc("2026-12-01T00:00:00Z"));
  // a wall time inside the spring-forward gap is shifted exactly as cron would be
  assert.equal(parseAt("2026-03-29 02:30", "Europe/Berlin"), utc("2026-03-29T01:30:00Z"));
  assert.match(String(parseAt("2026-02-30 10:00", "UTC")), /no such date/);
  assert.match(String(parseAt("next tuesday", "UTC")), /expected a date and time such as "2026-12-01 02:00"/);
});

test("checkSchedule says what is wrong in a user's words", () => {
  assert.equal(checkSchedule(cron("0 2 * * *")), undefined);
  assert.equal(checkSchedule(cron("@daily")), undefined);
  assert.match(checkSchedule(cron("61 * * * *")) ?? "", /Constraint error, got value 61 expected range 0-59/);
  assert.match(checkSchedule(cron("* * *")) ?? "", /`\* \* \*` has 3/);
  assert.match(checkSchedule(cron("0 2 * * *", { tz: "Mars/Olympus" })) ?? "", /unknown time zone `Mars\/Olympus`/);
  assert.match(checkSchedule(every(0)) ?? "", /above zero/);
  assert.equal(checkSchedule(every(999)), "`every 999ms` is too often: the shortest period is 1s");
  assert.equal(checkSchedule(every(1000)), undefined);
  assert.match(checkSchedule(spec({ at: "soon" })) ?? "", /expected a date and time/);
  assert.match(checkSchedule(spec({})) ?? "", /exactly one of/);
});

test("a firing handled on time (or within the grace) just fires, and the next is planned", () => {
  const s = every(10_000);
  const t = utc("2026-05-01T10:00:00Z");
  assert.deepEqual(planFirings(s, t, t, { kind: "late", lateMs: 0 }), { fire: [t], skip: [], nextFireAt: t + 10_000, notices: [] });
  assert.deepEqual(planFirings(every(HOUR), t, t + LATE_GRACE_MS, { kind: "downtime" }).fire, [t]);
  // restart between firings: nothing is due
  assert.deepEqual(planFirings(s, t, t - 1, { kind: "downtime" }), { fire: [], skip: [], nextFireAt: t, notices: [] });
  assert.deepEqual(planFirings(s, null, t, { kind: "downtime" }).fire, []);
});

test("catchup none after downtime skips every missed firing, with the reason and the count", () => {
  const t = utc("2026-05-01T10:00:00Z");
  const plan = planFirings(every(HOUR, { catchup: "none", tz: "UTC" }), t, t + 5 * HOUR + 10 * MIN, { kind: "downtime" });
  assert.deepEqual(plan.fire, []);
  assert.equal(plan.nextFireAt, t + 6 * HOUR);
  assert.equal(plan.skip.length, 1);
  assert.equal(plan.skip[0].at, t);
  assert.match(plan.skip[0].reason, /missed while no server was running; catchup none \(6 firings, 2026-05-01 10:00:00 UTC … 2026-05-01 15:00:00 UTC\)/);
  assert.match(plan.notices[0], /6 firings missed while no server was running; catchup none skips them/);
});

test("catchup none still runs a firing that is only just due", () => {
  const t = utc("2026-05-01T10:00:00Z");
  const plan = planFirings(every(MIN, { catchup: "none" }), t, t + 3 * MIN + 1000, { kind: "downtime" });
  assert.deepEqual(plan.fire, [t + 3 * MIN]);
  assert.match(plan.skip[0].reason, /\(3 firings/);
});

test("catchup once runs only the latest missed firing and records the others", () => {
  const t = utc("2026-05-01T10:00:00Z");
  const plan = planFirings(every(HOUR, { catchup: "once", tz: "UTC" }), t, t + 5 * HOUR + 10 * MIN, { kind: "downtime" });
  assert.deepEqual(plan.fire, [t + 5 * HOUR]);
  assert.equal(plan.nextFireAt, t + 6 * HOUR);
  assert.match(plan.skip[0].reason, /catchup once ran only the firing at 2026-05-01 15:00:00 UTC \(5 firings/);
  // exactly one missed: fired, nothing skipped
  const one = planFirings(every(HOUR), t, t + 10 * MIN, { kind: "downtime" });
  assert.deepEqual([one.fire, one.skip], [[t], []]);
  assert.match(one.notices[0], /1 firing missed while no server was running; catchup once runs it once now/);
});

test("catchup all runs every missed firing in order, at most CATCHUP_BOUND, and says so", () => {
  const t = utc("2026-05-01T10:00:00Z");
  const few = planFirings(every(HOUR, { catchup: "all" }), t, t + 3 * HOUR + 10 * MIN, { kind: "downtime" });
  assert.deepEqual(few.fire, [t, t + HOUR, t + 2 * HOUR, t + 3 * HOUR]);
  assert.deepEqual(few.skip, []);
  const day = planFirings(every(MIN, { catchup: "all", tz: "UTC" }), t, t + 24 * HOUR - 1, { kind: "downtime" });
  assert.equal(day.fire.length, CATCHUP_BOUND);
  assert.equal(day.fire[CATCHUP_BOUND - 1], t + 24 * HOUR - MIN);
  assert.equal(day.fire[0], t + 24 * HOUR - CATCHUP_BOUND * MIN);
  assert.match(day.skip[0].reason, /catchup all runs at most 100 \(1340 firings from 2026-05-01 10:00:00 UTC/);
  assert.ok(day.notices.some((n) => /bounded at 100; 1340 firings older than/.test(n)));
});

test("a clock jump forward by hours never bursts: the late timer applies the catch-up policy", () => {
  const t = utc("2026-05-01T10:00:00Z");
  const late = { kind: "late", lateMs: 5 * HOUR } as const;
  const once = planFirings(every(10_000), t, t + 5 * HOUR, late);
  assert.deepEqual(once.fire, [t + 5 * HOUR]);
  assert.match(once.skip[0].reason, /the timer woke 5h late \(clock jumped forward or the machine slept\)/);
  assert.match(once.skip[0].reason, /1800 firings/);
  // `none` still runs the grid point that is due right now (it is not a missed one)…
  assert.equal(planFirings(every(10_000, { catchup: "none" }), t, t + 5 * HOUR + 1, late).fire.length, 1);
  // …but nothing when the latest due one is past the grace
  assert.equal(planFirings(every(HOUR, { catchup: "none" }), t, t + 5 * HOUR + 40 * MIN, late).fire.length, 0);
  assert.equal(planFirings(every(10_000, { catchup: "all" }), t, t + 5 * HOUR, late).fire.length, CATCHUP_BOUND);
  // a daily cron whose single firing came 3h late still runs (once) or is skipped (none), with the reason
  const daily = cron("0 2 * * *", { catchup: "none" });
  const d = planFirings(daily, utc("2026-05-02T02:00:00Z"), utc("2026-05-02T05:00:00Z"), { kind: "late", lateMs: 3 * HOUR });
  assert.deepEqual(d.fire, []);
  assert.match(d.skip[0].reason, /woke 3h late \(clock jumped forward or the machine slept\); catchup none$/);
  assert.equal(d.nextFireAt, utc("2026-05-03T02:00:00Z"));
});

test("cron catch-up across the DST days counts what cron-parser yields", () => {
  const berlin = cron("30 2 * * *", { tz: "Europe/Berlin", catchup: "all" });
  const plan = planFirings(berlin, utc("2026-03-28T01:30:00Z"), utc("2026-03-30T12:00:00Z"), { kind: "downtime" });
  assert.deepEqual(plan.fire.map((t) => new Date(t).toISOString()), ["2026-03-28T01:30:00.000Z", "2026-03-29T01:30:00.000Z", "2026-03-30T00:30:00.000Z"]);
  assert.equal(plan.nextFireAt, utc("2026-03-31T00:30:00Z"));
});

test("a secondly cron missed for a long time is counted cheaply and bounded", () => {
  const s = cron("* * * * * *", { catchup: "all" });
  const t = utc("2026-05-01T00:00:00Z");
  const due = dueFirings(s, t, t + 24 * HOUR, CATCHUP_BOUND);
  assert.equal(due.exact, false);
  assert.equal(due.latest.length, CATCHUP_BOUND);
  assert.equal(due.latest[CATCHUP_BOUND - 1], t + 24 * HOUR);
  const plan = planFirings(s, t, t + 24 * HOUR, { kind: "downtime" });
  assert.match(plan.skip[0].reason, /more than \d+ firings/);
});

test("overlap: skip, queue, allow and replace while the previous run is still going", () => {
  assert.deepEqual(decideOverlap("skip", false, 0), { act: "fire" });
  assert.deepEqual(decideOverlap("skip", true, 0, 7), { act: "skip", reason: "overlap skip: run 7 was still running" });
  assert.deepEqual(decideOverlap("queue", true, 0), { act: "queue" });
  assert.deepEqual(decideOverlap("queue", false, 2), { act: "queue" }); // waits behind earlier queued firings
  assert.equal(decideOverlap("queue", true, CATCHUP_BOUND).act, "skip");
  assert.deepEqual(decideOverlap("allow", true, 0), { act: "fire" });
  assert.deepEqual(decideOverlap("replace", true, 0), { act: "replace" });
  assert.deepEqual(decideOverlap("replace", false, 0), { act: "fire" });
});

test("durations read like the language writes them", () => {
  assert.equal(formatDuration(45_000), "45s");
  assert.equal(formatDuration(5 * HOUR), "5h");
  assert.equal(formatDuration(90 * MIN + 30_000), "1h30m");
  assert.equal(formatDuration(50 * HOUR), "2d2h");
});

test("an at firing missed while the server was down runs late under once/all and is skipped under none", () => {
  const at = utc("2026-12-01T01:00:00Z");
  const later = at + 3 * HOUR;
  const once = planFirings(spec({ at: "2026-12-01 02:00", tz: "Europe/Berlin" }), at, later, { kind: "downtime" });
  assert.deepEqual([once.fire, once.skip, once.nextFireAt], [[at], [], null]);
  const none = planFirings(spec({ at: "2026-12-01 02:00", tz: "Europe/Berlin", catchup: "none" }), at, later, { kind: "downtime" });
  assert.deepEqual([none.fire, none.nextFireAt], [[], null]);
  assert.equal(none.skip[0].reason, "missed while no server was running; catchup none");
});
