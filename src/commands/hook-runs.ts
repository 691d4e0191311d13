// What `show` says of a job's hooks: each run's event, command, exit status and the
// last lines of its output (GET /jobs/ID/hooks).
import type { Client } from "../client/client.js";
import type { HookRun, JobRecord } from "../core/types.js";
import type { JobHooksResponse } from "../server/api-types.js";
import { formatTime } from "./format.js";
import type { Style } from "./types.js";

export type JobWithHooks = JobRecord & { hookRuns?: HookRun[] };

/** The job with its hook runs (asked only of a job that has hooks). */
export async function withHookRuns(client: Client, job: JobRecord): Promise<JobWithHooks> {
  if (!job.hooks.length) return job;
  const { hooks } = await client.request<JobHooksResponse>("GET", `/jobs/${job.id}/hooks`);
  return { ...job, hookRuns: hooks };
}

/** How many of a hook's last output lines `show` prints. */
const SHOWN_LINES = 5;

export function hookLines(job: JobWithHooks, style: Style): string[] {
  const lines: string[] = [];
  for (const h of job.hookRuns ?? []) {
    const how = h.endedAt === undefined ? "running" : h.error ? `could not start: ${h.error}` : h.signal ? `signal ${h.signal}` : h.exitCode === undefined ? "end unknown" : `exit ${h.exitCode}`;
    const painted = how === "exit 0" ? style.chalk.green(how) : how === "running" ? style.chalk.cyan(how) : style.chalk.red(how);
    lines.push(`hook ${h.n}    on ${h.on} $ ${h.command}  ${formatTime(h.startedAt)}  ${painted}`);
    const output = (h.output ?? "").split("\n");
    if (output[output.length - 1] === "") output.pop();
    for (const l of output.slice(-SHOWN_LINES)) lines.push(`  │ ${l}`);
  }
  return lines;
}
