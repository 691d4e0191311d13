// The control API's response shapes and the job states, shared by server and
// client so the protocol cannot drift. No zod here: clients load this module,
// and the request schemas (api-schema.ts) load only when a request needs them.
import type { HookRun, JobRecord, JobState, RunRecord, ScheduleRecord, Settings } from "../core/types.js";

export const jobStates = ["pending", "running", "success", "errored", "blocked", "skipped", "cancelled"] as const satisfies readonly JobState[];

export type StateCounts = Partial<Record<JobState, number>>;

/** How many of these jobs are in each state (what `counts` answers). */
export function countStates(jobs: readonly JobRecord[]): StateCounts {
  const counts: StateCounts = {};
  for (const j of jobs) counts[j.state] = (counts[j.state] ?? 0) + 1;
  return counts;
}
export type RunSummary = RunRecord & { counts: StateCounts };

/**
 * Every answer that carries records says which event (by its SSE id) it is
 * consistent with: it reflects every event up to `seq`; events after it are
 * newer. A client reconciles answers and events by it (src/client/live-state.ts).
 */
export interface Consistent {
  seq: number;
}

export interface SubmitResponse extends Consistent {
  /** absent when the file holds only schedules: they are registered, nothing runs now */
  run?: RunRecord;
  jobs: JobRecord[];
  notices: string[];
  /** the schedules a file load registered */
  schedules?: ScheduleRecord[];
}
export interface JobListResponse extends Consistent {
  jobs: JobRecord[];
  /** pass as afterId for the next page; null when this was the last one */
  next: number | null;
  /** with `counts=1`: every matching job (not only this page) per state, and how many */
  counts?: StateCounts;
  total?: number;
}
export interface JobResponse extends Consistent {
  job: JobRecord;
}
export interface JobsResponse extends Consistent {
  jobs: JobRecord[];
}
export interface RunListResponse extends Consistent {
  /** newest first */
  runs: RunSummary[];
  /** pass as `before` for the next (older) page; null when this was the last one */
  next: number | null;
}
export interface RunResponse extends Consistent {
  run: RunSummary;
  jobs: JobRecord[];
  /** what its jobs' hooks did, each with its job's number */
  hooks: (HookRun & { jobId: number })[];
}
export interface JobHooksResponse extends Consistent {
  hooks: HookRun[];
}
export interface SettingsResponse extends Consistent {
  settings: Settings;
}
export interface ScheduleListResponse {
  schedules: ScheduleRecord[];
}
export interface HealthResponse {
  ok: true;
  pid: number;
  home: string;
}
export interface ErrorResponse {
  error: string;
}
/** One line of a job's log in `format=ndjson` — or a piece of a line longer than 1 MiB. */
export interface LogLine {
  stream: "out" | "err";
  line: string;
  /** this piece's line goes on in the next record of the same stream (it was cut at 1 MiB) */
  cut?: true;
}
