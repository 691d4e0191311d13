// Recurrence maths for `every`, `cron` and `at` schedules: when a schedule
// fires next, which firings are due after downtime or a clock jump, and what
// the catch-up policy makes of them. Pure: every function takes the time it
// reasons about as an argument (the clock is injected by the caller).
//
// Semantics (mirrored in grammar/README.md):
// - A scheduled item does not run at load; its schedule fires it.
// - `every D` fires first at load time, then every D after that, on a fixed
//   grid anchored at the load time (not at the end of the previous run), so a
//   slow run never makes the schedule drift. The grid survives restarts: the
//   stored nextFireAt is always a point of it.
// - `cron "EXPR"` (5 fields, or 6 with seconds first) fires at the times
//   cron-parser yields strictly after the load time, in the schedule's zone.
//   Across daylight-saving changes we follow cron-parser: a local time that
//   does not exist (spring forward) fires at the shifted time once
//   (`30 2 * * *` in Europe/Berlin fires at 03:30 CEST); a local time that
//   exists twice (fall back) fires once, at its first occurrence.
// - `at "2026-12-01 02:00"` is a wall-clock time in the schedule's zone (or
//   an ISO time with `Z`/offset); it fires once. One in the past at load
//   never fires (recorded as skipped).
// - A firing is on time when it is handled within LATE_GRACE_MS of its time.
//   Anything older was missed (no server, machine asleep, clock jumped
//   forward) and the `catchup` policy decides: `none` skips them, `once`
//   (default) runs only the latest, `all` runs them all, at most
//   CATCHUP_BOUND, and records the older ones as skipped with a notice.
//   The same applies when the server's timer wakes far too late (the wall
//   clock jumped forward by hours): no burst, the catch-up policy decides.
// - `overlap` applies while the schedule's last run is still going: `skip`
//   (default) records the firing as skipped; `queue` keeps it (stored, up to
//   CATCHUP_BOUND) and starts it when that run ends; `allow` starts another
//   run alongside; `replace` cancels the last run, then starts. Catch-up
//   firings obey `overlap` too: `catchup all` with `overlap skip` runs one.
// - The next firing is stored before a firing starts a run: a crash between
//   the two loses that one firing instead of running it twice.
import { createRequire } from "node:module";
import type { CronExpressionParser as CronParser } from "cron-parser";
import type { OverlapPolicy, ScheduleSpec } from "./types.js";

// Loaded on first use (it is CommonJS, so synchronously): most jobsets have no
// cron, and cron-parser with luxon is ≈ 15 ms of every `pll` start otherwise.
let cronParser: typeof CronParser | undefined;
const cron = (): typeof CronParser =>
  (cronParser ??= (createRequire(import.meta.url)("cron-parser") as typeof import("cron-parser")).CronExpressionParser);

/**
 * The shortest `every`: a firing costs a store write and, unless skipped, a run
 * with its log files; `every 1ms` made ≈ 120 runs a second. Cron's finest step
 * (6 fields) is a second too.
 */
export const MIN_EVERY_MS = 1000;

/** The problem with an `every` period, if any. */
export function everyProblem(ms: number, text: string): string | undefined {
  if (!(Number.isInteger(ms) && ms > 0)) return `\`every ${text}\` needs a duration above zero`;
  if (ms < MIN_EVERY_MS) return `\`every ${text}\` is too often: the shortest period is 1s`;
  return undefined;
}

/** The most missed firings `catchup all` runs (and the most firings `overlap queue` holds). */
export const CATCHUP_BOUND = 100;
/** A firing handled this late still counts as on time (a busy event loop, a quick restart). */
export const LATE_GRACE_MS = 30_000;
/** Cron steps scanned forward when counting missed firings; past it, counts are "more than". */
const SCAN_CAP = 10_000;

/** The zone a schedule without `tz` uses: the server's local zone. */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

export function zoneOf(spec: ScheduleSpec, defaultTz?: string): string {
  return spec.tz ?? defaultTz ?? localZone();
}

/** What a schedule's expression is, as a user wrote it: `every 5m`, `cron "0 2 * * *"`, `at "…"`. */
export function describeSchedule(spec: ScheduleSpec): string {
  if (spec.every) return `every ${spec.every.text}`;
  if (spec.cron !== undefined) return `cron "${spec.cron}"`;
  return `at "${spec.at ?? ""}"`;
}

/** A user-facing problem with a schedule (bad cron, zone or date), or undefined. The compiler may call it to report it with a position. */
export function checkSchedule(spec: ScheduleSpec): string | undefined {
  const kinds = [spec.every, spec.cron, spec.at].filter((k) => k !== undefined).length;
  if (kinds !== 1) return "a schedule needs exactly one of `every`, `cron` or `at`";
  if (spec.tz !== undefined) {
    const zoneProblem = checkZone(spec.tz);
    if (zoneProblem) return zoneProblem;
  }
  const periodProblem = spec.every && everyProblem(spec.every.ms, spec.every.text);
  if (periodProblem) return periodProblem;
  if (spec.cron !== undefined) {
    const cronProblem = checkCron(spec.cron, zoneOf(spec));
    if (cronProblem) return cronProblem;
  }
  if (spec.at !== undefined) {
    const at = parseAt(spec.at, zoneOf(spec));
    if (typeof at === "string") return at;
  }
  return undefined;
}

export function checkZone(tz: string): string | undefined {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return undefined;
  } catch {
    return `unknown time zone \`${tz}\`: use an IANA name like "Europe/Berlin" or "UTC"`;
  }
}

/** A cron expression's problem in a user's words (cron-parser's own text for bad fields), or undefined. */
export function checkCron(expr: string, tz: string | undefined): string | undefined {
  const fields = expr.trim().split(/\s+/);
  if (!expr.trim().startsWith("@") && (fields.length < 5 || fields.length > 6)) {
    return `a cron expression has 5 fields (minute hour day month weekday) or 6 (with seconds first); \`${expr}\` has ${fields.length}`;
  }
  try {
    cron().parse(expr, tz ? { tz } : {}).next();
    return undefined;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    // cron-parser reads an open range (`-330`, `1-`) as "got range NaN-330": say what is wrong instead.
    return `invalid cron expression \`${expr}\`: ${/NaN/.test(why) ? "a range needs a number on each side of `-` (like 1-5)" : why}`;
  }
}

const WALL_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const ABSOLUTE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** An `at` time in ms since the epoch, or a message saying what is wrong with it. */
export function parseAt(text: string, tz: string): number | string {
  const t = text.trim();
  if (ABSOLUTE_TIME.test(t)) return Date.parse(t);
  const m = WALL_TIME.exec(t);
  if (!m) return `at "${text}": expected a date and time such as "2026-12-01 02:00" (or ISO with Z or an offset)`;
  const [y, mo, d, h, mi, s] = m.slice(1).map((v) => (v === undefined ? 0 : Number(v)));
  const naive = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(naive);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    return `at "${text}": no such date or time`;
  }
  return wallTimeToUtc(y, mo, d, h, mi, s, tz);
}

// The wall time as cron-parser places it in the zone, so an `at` in a DST gap
// behaves exactly like a cron at that time would. Zone offsets lie within
// ±14 h, so searching from a day before the naive UTC reading finds it.
function wallTimeToUtc(y: number, mo: number, d: number, h: number, mi: number, s: number, tz: string): number {
  const naive = Date.UTC(y, mo - 1, d, h, mi, s);
  const expr = cron().parse(`${s} ${mi} ${h} ${d} ${mo} *`, { currentDate: new Date(naive - 86_400_000), tz });
  return expr.next().getTime();
}

/** When a schedule first fires if it is registered at `now`; null if never (an `at` in the past). */
export function firstFireAt(spec: ScheduleSpec, now: number, defaultTz?: string): number | null {
  if (spec.every) return now;
  if (spec.cron !== undefined) return cronAfter(spec, now, defaultTz);
  const at = parseAt(spec.at ?? "", zoneOf(spec, defaultTz));
  return typeof at === "number" && at > now ? at : null;
}

/** The first firing strictly after `t`, given `anchor`, a known firing of the schedule (its stored nextFireAt). */
export function nextFireAfter(spec: ScheduleSpec, anchor: number, t: number, defaultTz?: string): number | null {
  if (anchor > t) return anchor;
  if (spec.every) return anchor + (Math.floor((t - anchor) / spec.every.ms) + 1) * spec.every.ms;
  if (spec.cron !== undefined) return cronAfter(spec, t, defaultTz);
  return null;
}

function cronAfter(spec: ScheduleSpec, t: number, defaultTz?: string): number | null {
  const expr = cron().parse(spec.cron ?? "", { currentDate: new Date(t), tz: zoneOf(spec, defaultTz) });
  return expr.hasNext() ? expr.next().getTime() : null;
}

/** Firings from `from` (itself a firing) up to and including `now`: the latest `keep` of them, ascending, and how many there are. */
export interface DueFirings {
  latest: number[];
  count: number;
  /** false when there were more than could be counted cheaply: `count` is then a lower bound */
  exact: boolean;
  first: number;
}

export function dueFirings(spec: ScheduleSpec, from: number, now: number, keep: number, defaultTz?: string): DueFirings {
  if (from > now) return { latest: [], count: 0, exact: true, first: from };
  if (spec.every) {
    const ms = spec.every.ms;
    const count = Math.floor((now - from) / ms) + 1;
    const n = Math.min(count, keep);
    const latest = Array.from({ length: n }, (_, i) => from + (count - n + i) * ms);
    return { latest, count, exact: true, first: from };
  }
  if (spec.cron === undefined) return { latest: [from], count: 1, exact: true, first: from };
  // Forward from the stored firing (so DST shifts match what nextFireAfter
  // yields); after a very long gap, take the latest ones backward from now.
  const tz = zoneOf(spec, defaultTz);
  const found = [from];
  const fwd = cron().parse(spec.cron, { currentDate: new Date(from), tz });
  while (found.length < SCAN_CAP && fwd.hasNext()) {
    const t = fwd.next().getTime();
    if (t > now) return { latest: found.slice(-keep), count: found.length, exact: true, first: from };
    found.push(t);
  }
  const back = cron().parse(spec.cron, { currentDate: new Date(now + 1), tz });
  const latest: number[] = [];
  while (latest.length < keep && back.hasPrev()) {
    const t = back.prev().getTime();
    if (t < from) break;
    latest.unshift(t);
  }
  return { latest, count: found.length, exact: false, first: from };
}

/** Why firings were missed: the server was not running, or its timer woke far too late. */
export type MissCause = { kind: "downtime" } | { kind: "late"; lateMs: number };

export interface FiringPlan {
  /** firing times to run now, ascending */
  fire: number[];
  /** missed firings not run; `at` is the first of a group, the reason says how many */
  skip: { at: number; reason: string }[];
  /** the stored next firing after this plan (null: the schedule is done) */
  nextFireAt: number | null;
  /** what to tell the user (catch-up happened, the bound was hit) */
  notices: string[];
}

/**
 * What to do at `now` for a schedule whose stored next firing is `nextFireAt`:
 * on time → fire it; missed → apply `catchup`. A clock that jumped forward by
 * hours thus yields at most one firing (`once`) or CATCHUP_BOUND (`all`), never a burst of everything.
 */
export function planFirings(spec: ScheduleSpec, nextFireAt: number | null, now: number, cause: MissCause, defaultTz?: string): FiringPlan {
  if (nextFireAt === null || nextFireAt > now) return { fire: [], skip: [], nextFireAt, notices: [] };
  const tz = zoneOf(spec, defaultTz);
  const due = dueFirings(spec, nextFireAt, now, CATCHUP_BOUND, tz);
  const next = nextFireAfter(spec, nextFireAt, now, tz);
  const latest = due.latest[due.latest.length - 1];
  const onTime = now - latest <= LATE_GRACE_MS;
  if (onTime && due.count === 1) return { fire: [latest], skip: [], nextFireAt: next, notices: [] };

  const missedCount = due.count - (onTime ? 1 : 0);
  const lastMissed = onTime ? due.latest[due.latest.length - 2] : latest;
  const why = cause.kind === "downtime" ? "missed while no server was running" : `missed: the timer woke ${formatDuration(cause.lateMs)} late (clock jumped forward or the machine slept)`;
  const plural = (n: number, exact = true) => `${exact ? "" : "more than "}${n} firing${n === 1 && exact ? "" : "s"}`;
  const span = (first: number, last: number, n: number, exact = true) =>
    n === 1 && exact ? "" : ` (${plural(n, exact)}, ${formatTime(first, tz)} … ${formatTime(last, tz)})`;
  const label = `schedule ${spec.name}`;

  if (spec.catchup === "none") {
    return {
      fire: onTime ? [latest] : [],
      skip: [{ at: due.first, reason: `${why}; catchup none${span(due.first, lastMissed, missedCount, due.exact)}` }],
      nextFireAt: next,
      notices: [`${label}: ${plural(missedCount, due.exact)} ${why}; catchup none skips them`],
    };
  }
  if (spec.catchup === "once") {
    const older = due.count - 1;
    const skip = older > 0
      ? [{ at: due.first, reason: `${why}; catchup once ran only the firing at ${formatTime(latest, tz)}${span(due.first, due.latest[due.latest.length - 2] ?? due.first, older, due.exact)}` }]
      : [];
    return { fire: [latest], skip, nextFireAt: next, notices: [`${label}: ${plural(missedCount, due.exact)} ${why}; catchup once runs it once now`] };
  }
  const fire = due.latest;
  const over = due.count - fire.length;
  const notices = [`${label}: ${plural(missedCount, due.exact)} ${why}; catchup all runs ${over === 0 && due.exact ? "them" : `the latest ${fire.length}`} now`];
  const skip: FiringPlan["skip"] = [];
  if (over > 0 || !due.exact) {
    skip.push({ at: due.first, reason: `${why}; catchup all runs at most ${CATCHUP_BOUND} (${plural(over, due.exact)} from ${formatTime(due.first, tz)}, before ${formatTime(fire[0], tz)})` });
    notices.push(`${label}: catchup all is bounded at ${CATCHUP_BOUND}; ${plural(over, due.exact)} older than ${formatTime(fire[0], tz)} recorded as skipped`);
  }
  return { fire, skip, nextFireAt: next, notices };
}

/** What a firing does while the schedule's previous run may still be going. */
export type OverlapDecision = { act: "fire" } | { act: "replace" } | { act: "queue" } | { act: "skip"; reason: string };

export function decideOverlap(policy: OverlapPolicy, previousRunning: boolean, queued: number, previousRunId?: number): OverlapDecision {
  if (!previousRunning && queued === 0) return { act: "fire" };
  const prev = previousRunId === undefined ? "the previous run" : `run ${previousRunId}`;
  switch (policy) {
    case "allow":
      return { act: "fire" };
    case "replace":
      return { act: "replace" };
    case "queue":
      return queued < CATCHUP_BOUND ? { act: "queue" } : { act: "skip", reason: `overlap queue: ${CATCHUP_BOUND} firings already waiting for ${prev}` };
    case "skip":
      return { act: "skip", reason: `overlap skip: ${prev} was still running` };
  }
}

/** `2026-03-29 03:30:00 GMT+2` in the schedule's zone: what a user reads in reasons and `schedules`. */
export function formatTime(ms: number, tz: string): string {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
    hourCycle: "h23", timeZoneName: "short",
  }).formatToParts(new Date(ms));
  const p = (type: string) => parts.find((x) => x.type === type)?.value ?? "";
  return `${p("year")}-${p("month")}-${p("day")} ${p("hour")}:${p("minute")}:${p("second")} ${p("timeZoneName")}`;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const units: [number, string][] = [[86_400, "d"], [3_600, "h"], [60, "m"], [1, "s"]];
  let rest = s;
  const out: string[] = [];
  for (const [size, unit] of units) {
    if (rest >= size && out.length < 2) {
      out.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return out.join("");
}
