// GNU parallel's `--joblog` format, so scripts that read parallel's joblogs
// read pll's: a header, then one tab-separated line per job that ran, with
// Seq (the job's place in its run, 1-based: `{#}` of `pll each`), Host (`:`,
// this host), Starttime (seconds since the epoch, 3 decimals), JobRuntime
// (seconds, `%10.3f`), Send and Receive (0: nothing is transferred), Exitval
// (the exit code; -1 when it has none: killed, lost), Signal (the number of
// the signal that ended it, else 0) and Command (on one line).
import { constants } from "node:os";
import type { JobRecord, RunRecord } from "../core/types.js";
import { attemptEnded } from "../core/types.js";

export const JOBLOG_HEADER = "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n";

const signalNumber = (name: string | null | undefined): number =>
  name ? (constants.signals as Record<string, number>)[name] ?? 0 : 0;

/** The job's line, from its last ended attempt; undefined if it never ran to an end. */
export function joblogLine(job: JobRecord, seq: number): string | undefined {
  const last = job.attempts[job.attempts.length - 1];
  if (!last || !attemptEnded(last)) return undefined;
  const start = (last.startedAt / 1000).toFixed(3);
  const runtime = ((last.endedAt - last.startedAt) / 1000).toFixed(3).padStart(10);
  const exit = last.exitCode ?? -1;
  return `${seq}\t:\t${start}\t${runtime}\t0\t0\t${exit}\t${signalNumber(last.signal)}\t${job.command.replace(/\r?\n/g, " ")}\n`;
}

/** The job's Seq: its place among its run's jobs. */
export function seqOf(run: Pick<RunRecord, "jobIds">): (job: JobRecord) => number {
  const at = new Map(run.jobIds.map((id, i) => [id, i + 1]));
  return (job) => at.get(job.id) ?? 0;
}

/** The whole joblog of a run, its jobs in the order they ended (as parallel writes it). */
export function renderJoblog(run: Pick<RunRecord, "jobIds">, jobs: readonly JobRecord[]): string {
  const seq = seqOf(run);
  const ended = jobs
    .map((j) => ({ j, at: j.attempts[j.attempts.length - 1] }))
    .filter((e) => e.at && attemptEnded(e.at))
    .sort((a, b) => (a.at as { endedAt: number }).endedAt - (b.at as { endedAt: number }).endedAt || a.j.id - b.j.id);
  return JOBLOG_HEADER + ended.map(({ j }) => joblogLine(j, seq(j))).join("");
}
