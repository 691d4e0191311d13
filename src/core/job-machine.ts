// The job state machine: the one place a job's state changes. Every legal
// move is listed here; anything else is a bug in the caller and throws.
// A move makes a new record: records are immutable values, so one handed out
// (to a route, an event listener, the executor) never changes under its holder.

import type { Attempt, JobCommon, JobIn, JobRecord, JobState } from "./types.js";

const LEGAL: Record<JobState, readonly JobState[]> = {
  // start, fresh skip, upstream failure, user cancel
  pending: ["running", "skipped", "blocked", "cancelled"],
  // exit 0, failure with retries spent, automatic retry / lost-and-retried, killed by cancel
  running: ["success", "errored", "pending", "cancelled"],
  // user retry
  errored: ["pending"],
  cancelled: ["pending"],
  // upstream retried and succeeded; user cancel
  blocked: ["pending", "cancelled"],
  success: [],
  skipped: [],
};

export class IllegalTransition extends Error {
  constructor(job: JobRecord, to: JobState) {
    super(`illegal job transition #${job.id} ${job.state} → ${to}`);
    this.name = "IllegalTransition";
  }
}

/** The fields a record has in state `S` beyond those of every state: what a move to `S` must give. */
export type Lifecycle<S extends JobState> = Omit<JobIn<S>, keyof JobCommon | "state">;

export const canTransition = (from: JobState, to: JobState): boolean => LEGAL[from].includes(to);

/**
 * The record of `job` moved to `to`: its common fields, `attempts` if given,
 * and exactly the lifecycle fields given (those of the old state are dropped,
 * so nothing valid only in another state survives by accident); throws on an
 * illegal move.
 */
export function transition<S extends JobState>(
  job: JobRecord,
  to: S,
  fields: Lifecycle<S>,
  attempts?: readonly Attempt[],
): JobIn<S> {
  if (!canTransition(job.state, to)) throw new IllegalTransition(job, to);
  // One copy per move; `common` is new, so filling it in before anyone sees it is safe.
  const { state: _s, startedAt: _a, endedAt: _e, exitCode: _x, reason: _r, notBefore: _n, pid: _p, ...common } = job as JobRecord & Partial<Record<LifecycleKey, unknown>>;
  const next = common as Record<string, unknown>;
  next.state = to;
  for (const key in fields) {
    const value = (fields as Record<string, unknown>)[key];
    if (value !== undefined) next[key] = value;
  }
  if (attempts) next.attempts = attempts;
  return next as unknown as JobIn<S>;
}

type LifecycleKey = "startedAt" | "endedAt" | "exitCode" | "reason" | "notBefore" | "pid";

/** The record of `job` with fields that change without a move (priority, a learnt pid). */
export function revise<J extends JobRecord>(job: J, change: Partial<J>): J {
  return { ...job, ...change };
}

/** What a job waiting to run again keeps of its latest attempt (see `EarlierAttempt` in types.ts). */
export function earlierAttempt(job: JobRecord): { startedAt?: number; endedAt?: number; exitCode?: number | null } {
  if (job.state === "running") return { startedAt: job.startedAt };
  return { startedAt: job.startedAt, endedAt: job.endedAt, exitCode: job.exitCode };
}

/** A job that still needs the scheduler: waiting to run or running. */
export const isOpen = (state: JobState): boolean => state === "pending" || state === "running";

/** A dependency in this state lets its dependants run. */
export const satisfies = (state: JobState): boolean => state === "success" || state === "skipped";

/** A dependency in this state blocks its dependants until it is retried. */
export const blocks = (state: JobState): boolean => state === "errored" || state === "cancelled" || state === "blocked";
