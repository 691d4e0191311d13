// What the home knows besides the store: every run's logs live in
// logs/<run>/, created only after the run was recorded, with one file per job
// named by its number. So the highest run and job numbers found there are a
// floor for the store's counters. A store whose counters are below that floor
// has lost records (a damaged or replaced LevelDB): running over it would hand
// out numbers again and append new jobs' output to old jobs' logs.
import { readdirSync } from "node:fs";
import path from "node:path";
import type { Counters } from "./store.js";

/** The highest run number with a log directory, and the highest job number in it (0 when none). */
export function logsHighWater(logsDir: string): { run: number; job: number } {
  let run = 0;
  try {
    for (const name of readdirSync(logsDir)) if (/^\d+$/.test(name)) run = Math.max(run, Number(name));
  } catch {
    return { run: 0, job: 0 };
  }
  let job = 0;
  try {
    for (const name of readdirSync(path.join(logsDir, String(run)))) {
      const m = /^(\d+)\./.exec(name);
      if (m) job = Math.max(job, Number(m[1]));
    }
  } catch {
    // an empty or vanished run directory: the run number alone
  }
  return { run, job };
}

/** Why these counters cannot be right for these logs, or undefined when they can. */
export function countersBehindLogs(counters: Counters, logsDir: string): string | undefined {
  const high = logsHighWater(logsDir);
  if (counters.nextRunId > high.run && counters.nextJobId > high.job) return undefined;
  return (
    `has lost records: the logs hold run ${high.run}${high.job ? ` and job ${high.job}` : ""}, ` +
    `but its next run would be ${counters.nextRunId} and its next job ${counters.nextJobId}`
  );
}

/** Counters that hand out no number the logs already used. */
export function countersAbove(counters: Counters, logsDir: string): Counters {
  const high = logsHighWater(logsDir);
  return { nextRunId: Math.max(counters.nextRunId, high.run + 1), nextJobId: Math.max(counters.nextJobId, high.job + 1) };
}
