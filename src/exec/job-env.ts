// The environment a job (or one of its hooks) runs with — all of it; the
// engine's own environment is never a job's. In order, later winning:
//   1. the environment of the process that submitted it (`pll run`, `pll load`,
//      a stdin script, the shell, the API's `env` field), captured by the client
//      and stored on the run (`submittedEnv` keeps it without the client's PLL_*),
//   2. the job's `env` settings from its file or line,
//   3. pll's own: PLL_HOME (the engine's home), PLL_JOB_ID, PLL_JOB_NAME,
//      PLL_RUN_ID, PLL_JOBSET, PLL_ATTEMPT (hooks also PLL_EXIT_CODE, PLL_HOOK).
import type { JobRecord } from "../core/types.js";

/**
 * What of a submitter's environment its jobs get: all but the client's PLL_*
 * variables, which configure that pll (PLL_TOKEN, PLL_LAUNCHER…) or described
 * a job of its own; a job gets pll's, for itself, instead (see jobEnv).
 */
export function submittedEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === "string" && !k.startsWith("PLL_")) out[k] = v;
  return out;
}

export function jobEnv(
  home: string,
  base: Readonly<Record<string, string>>,
  job: JobRecord,
  attempt: number,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...base,
    ...job.env,
    PLL_HOME: home,
    PLL_JOB_ID: String(job.id),
    PLL_JOB_NAME: job.name,
    PLL_RUN_ID: String(job.runId),
    PLL_JOBSET: job.jobset,
    PLL_ATTEMPT: String(attempt),
    ...extra,
  };
}
