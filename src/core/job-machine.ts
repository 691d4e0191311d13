// The job state machine: the one place a job's state changes. Every legal
// move is listed here; anything else is a bug in the caller and throws.

import type { JobRecord, JobState } from "./types.js";

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

/** Fields that may change together with the state. */
export type JobChange = Partial<
  Pick<JobRecord, "startedAt" | "endedAt" | "exitCode" | "reason" | "notBefore" | "pid">
>;

export const canTransition = (from: JobState, to: JobState): boolean => LEGAL[from].includes(to);

/** Moves `job` to `to` in place, applying `change`; throws on an illegal move. */
export function transition(job: JobRecord, to: JobState, change: JobChange = {}): JobRecord {
  if (!canTransition(job.state, to)) throw new IllegalTransition(job, to);
  Object.assign(job, change);
  job.state = to;
  return job;
}

/** A job that still needs the scheduler: waiting to run or running. */
export const isOpen = (state: JobState): boolean => state === "pending" || state === "running";

/** A dependency in this state lets its dependants run. */
export const satisfies = (state: JobState): boolean => state === "success" || state === "skipped";

/** A dependency in this state blocks its dependants until it is retried. */
export const blocks = (state: JobState): boolean => state === "errored" || state === "cancelled" || state === "blocked";
