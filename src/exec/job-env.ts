// The variables a job (or one of its hooks) runs with, over the engine's own
// environment: the job's `env`, then the PLL_* variables.
import type { JobRecord } from "../core/types.js";

export function jobVariables(job: JobRecord, attempt: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...job.env,
    PLL_JOB_ID: String(job.id),
    PLL_JOB_NAME: job.name,
    PLL_RUN_ID: String(job.runId),
    PLL_JOBSET: job.jobset,
    PLL_ATTEMPT: String(attempt),
    ...extra,
  };
}

export const jobEnv = (job: JobRecord, attempt: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  ...jobVariables(job, attempt, extra),
});
