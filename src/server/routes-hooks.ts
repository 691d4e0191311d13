// GET /jobs/ID/hooks — what a job's hooks did: each run's event, command, exit status
// and the tail of its output (src/exec/hook-log.ts). GET /runs/ID carries the same for
// its jobs, and each hook run's end is a `hook` event.
import type { HookRun, JobRecord } from "../core/types.js";
import { UserError } from "../core/errors.js";
import { readHookRuns } from "../exec/hook-log.js";
import type { JobHooksResponse } from "./api-types.js";
import { seqNow } from "./event-log.js";
import { idParam, type Route, type RouteContext } from "./routing.js";

/** The hook runs of `jobs`, each with its job's number; only jobs with hooks are read. */
export const hookRunsOf = (jobs: JobRecord[]): (HookRun & { jobId: number })[] =>
  jobs.filter((j) => j.hooks.length > 0).flatMap((j) => readHookRuns(j).map((h) => ({ jobId: j.id, ...h })));

function getHooks(ctx: RouteContext): { body: JobHooksResponse } {
  const id = idParam(ctx);
  const job = ctx.engine.getJob(id);
  if (!job) throw new UserError("not-found", `no such job: #${id}`);
  return { body: { hooks: job.hooks.length ? readHookRuns(job) : [], seq: seqNow(ctx.engine) } };
}

export const hookRoutes: Route[] = [{ method: "GET", path: "/jobs/:id/hooks", handler: getHooks }];
