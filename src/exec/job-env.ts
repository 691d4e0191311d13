// The environment a job (or one of its hooks) runs with: the engine's own
// environment, the job's `env`, then the PLL_* variables.
import type { JobRecord } from "../core/types.js";

export function jobEnv(job: JobRecord, attempt: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...job.env,
    PLL_JOB_ID: String(job.id),
    PLL_JOB_NAME: job.name,
    PLL_RUN_ID: String(job.runId),
    PLL_JOBSET: job.jobset,
    PLL_ATTEMPT: String(attempt),
    ...extra,
  };
}
