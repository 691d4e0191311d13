// How an attempt ended, as the executor reports it, and what the records make of it.
import type { Attempt, EndedAttempt } from "./types.js";

/** How a running attempt ended, as the executor saw it. */
export interface Outcome {
  exitCode: number | null;
  signal?: string | null;
  /**
   * set when it ended other than by its own exit: "timeout" | "killed" | "lost" | "spawn" | "cancelled";
   * "unstarted": its process never started — the attempt is dropped and the job is pending again
   */
  reason?: string;
  /** wording for the reason, e.g. "timeout 10s" */
  detail?: string;
  /** when it ended, if known better than "now" (recorded by the launcher while no engine ran) */
  endedAt?: number;
}

/** The ended form of a running attempt. */
export function endedAttempt(attempt: Attempt, endedAt: number, o: Outcome): EndedAttempt {
  return { ...attempt, endedAt, exitCode: o.exitCode, ...(o.signal ? { signal: o.signal } : {}), ...(o.reason ? { reason: o.reason } : {}) };
}

/** The record's short reason for a failed attempt: "exit 1", "signal SIGKILL", "could not start", or the launcher's reason. */
export function failureReason(o: Outcome): string {
  if (o.reason && o.reason !== "spawn") return o.reason;
  if (o.signal) return `signal ${o.signal}`;
  return o.reason === "spawn" ? "could not start" : `exit ${o.exitCode}`;
}

