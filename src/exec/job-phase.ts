// The process side of one job, as the Supervisor tracks it:
//
//   dispatched → launching → running → stopping → ended
//
// `dispatched`: its start is being written (write-ahead); `launching`: handed
// to the launcher, no pid yet; `stopping`: SIGTERM sent to its groups, SIGKILL
// after the grace; `ended`: its end is reported and awaits being recorded.
// A stop asked for before there is a process to signal is carried along and
// carried out on the next step. Who reports the job's start and exit is part
// of the state too (`watch`): the launcher's pipe, or — for a job adopted
// from an earlier engine, or whose launcher died — polling /proc and the
// run's status log, with bounded waits for a start or exit line.
import type { Outcome } from "../core/scheduler.js";
import type { JobRecord } from "../core/types.js";

/** Why a job is being stopped, as its end will say. */
export interface Stop {
  reason: string;
  detail: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** when it exited, as its status log says (absent: when we saw it) */
  at?: number;
}

/** SIGTERM went to `groups` (the job's and those its descendants had moved to); SIGKILL at `killAt`, then the wait ends at `settleBy`. */
export interface Term {
  groups: number[];
  killAt: number;
  settleBy?: number;
}

/** A job with no pid yet: the launcher will report it, or (launcher gone, or adopted) its start line is awaited `until`, after which it never ran. */
export type StartWatch = { by: "launcher" } | { by: "startLine"; until: number };
/** A job with a pid: the launcher reports its exit, or it is polled; its leader gone with no exit line yet, that line is awaited `until` (then its end is unknown: lost). */
export type ExitWatch = { by: "launcher" } | { by: "poll" } | { by: "exitLine"; until: number };

export type Phase =
  | { state: "dispatched"; stop?: Stop }
  | { state: "launching"; job: JobRecord; watch: StartWatch; stop?: Stop }
  | { state: "running"; job: JobRecord; pid: number; watch: ExitWatch }
  | { state: "stopping"; job: JobRecord; pid: number; watch: ExitWatch; stop: Stop; term: Term; leader: { exited: false } | { exited: true; exit: Exit } }
  | { state: "ended"; recorded: Promise<void> };

export const UNSTARTED: Stop = { reason: "unstarted", detail: "unstarted" };
/** A job whose process ended while nothing that could record its exit status watched it: its end is unknown. */
export const LOST: Stop = { reason: "lost", detail: "lost" };

export function outcomeOf(exit: Exit, stop?: Stop): Outcome {
  const outcome: Outcome = stop
    ? { exitCode: exit.code, signal: exit.signal, reason: stop.reason, detail: stop.detail }
    : { exitCode: exit.code, signal: exit.signal };
  if (exit.at !== undefined) outcome.endedAt = exit.at;
  return outcome;
}

/** How an adopted job that is no longer running ended, from its status log. */
export const exitOutcome = (status: { exitCode?: number; endedAt?: number }): Outcome => ({
  exitCode: status.exitCode ?? null,
  ...(status.endedAt !== undefined ? { endedAt: status.endedAt } : {}),
});
