// /jobs — list (filters, paging), get, submit a job line, and the actions on
// existing jobs. Action paths take a user reference (`12`, `#12`, a name,
// `failed`; `all` for kill; a jobset for cancel), resolved by the engine.
import { PRIORITY_NAMES, type JobRecord } from "../core/types.js";
import { countStates, type JobListResponse, type JobResponse, type JobsResponse, type SubmitResponse } from "./api-types.js";
import { UserError } from "../core/errors.js";
import { seqNow } from "./event-log.js";
import { idParam, queryObject, validate, type Route, type RouteContext } from "./routing.js";
import { compileLine, resolveRef } from "./submit.js";

const DEFAULT_PAGE = 1000;

async function listJobs(ctx: RouteContext): Promise<{ body: JobListResponse }> {
  const q = await validate("jobQuery", queryObject(ctx.query), "query");
  if (q.ref !== undefined) return { body: { jobs: ctx.engine.resolveJobs(q.ref), next: null, seq: seqNow(ctx.engine) } };
  if (q.last !== undefined && (q.afterId !== undefined || q.limit !== undefined)) throw new UserError("usage", "invalid request query: `last` does not page; leave out afterId and limit");
  const filter = {
    ...(q.runId !== undefined ? { runId: q.runId } : {}),
    ...(q.jobset !== undefined ? { jobset: q.jobset } : {}),
    ...(q.state !== undefined ? { state: q.state } : {}),
  };
  const wantCounts = q.counts === "1" || q.counts === "true";
  // Counting, or the newest N, needs every matching job: references to the engine's records, not copies.
  const every = wantCounts || q.last !== undefined ? ctx.engine.listJobs(filter) : undefined;
  const summary = every && wantCounts ? { counts: countStates(every), total: every.length } : {};
  if (q.last !== undefined) return { body: { jobs: every!.slice(-q.last), next: null, ...summary, seq: seqNow(ctx.engine) } };
  const limit = q.limit ?? DEFAULT_PAGE;
  const jobs = ctx.engine.listJobs({ ...filter, ...(q.afterId !== undefined ? { afterId: q.afterId } : {}), limit });
  return { body: { jobs, next: jobs.length === limit ? jobs[jobs.length - 1]!.id : null, ...summary, seq: seqNow(ctx.engine) } };
}

function getJob(ctx: RouteContext): { body: JobResponse } {
  const id = idParam(ctx);
  const job = ctx.engine.getJob(id);
  if (!job) throw new UserError("not-found", `no such job: #${id}`);
  return { body: { job, seq: seqNow(ctx.engine) } };
}

async function submitLine(ctx: RouteContext): Promise<{ status: number; body: SubmitResponse }> {
  const body = await validate("submitLineBody", await ctx.body());
  const { graph, source, warnings } = await compileLine(ctx.engine, body);
  const submitted = await ctx.engine.submit(graph, source);
  return { status: 201, body: { ...submitted, ...jobsNow(ctx, submitted.jobs), run: ctx.engine.getRun(submitted.run.id) ?? submitted.run, notices: [...warnings, ...submitted.notices] } };
}

const ids = (jobs: JobRecord[]) => jobs.map((j) => j.id);

/**
 * An action's jobs as they are now, with the event number they are consistent with: what the engine
 * returned was read before its last await, and an answer must not claim a number newer than its records.
 */
export function jobsNow(ctx: RouteContext, jobs: JobRecord[]): { jobs: JobRecord[]; seq: number } {
  return { jobs: jobs.map((j) => ctx.engine.getJob(j.id) ?? j), seq: seqNow(ctx.engine) };
}

const jobNow = (ctx: RouteContext, job: JobRecord): JobResponse => ({ job: ctx.engine.getJob(job.id) ?? job, seq: seqNow(ctx.engine) });

async function retry(ctx: RouteContext): Promise<{ body: JobsResponse }> {
  return { body: jobsNow(ctx, await ctx.engine.retry(ids(resolveRef(ctx.engine, ctx.params.ref!)))) };
}

async function kill(ctx: RouteContext): Promise<{ body: JobsResponse }> {
  const ref = ctx.params.ref!;
  const target = ref === "all" ? "all" : ids(resolveRef(ctx.engine, ref));
  return { body: jobsNow(ctx, await ctx.engine.kill(target)) };
}

const CANCELLABLE = new Set<JobRecord["state"]>(["pending", "blocked", "running"]);

/** `cancel N|NAME|JOBSET`: a job reference first, else every pending job of that jobset. */
async function cancel(ctx: RouteContext): Promise<{ body: JobsResponse }> {
  const ref = ctx.params.ref!;
  let jobs = ctx.engine.resolveJobs(ref);
  if (jobs.length === 0) {
    const ofJobset = ctx.engine.listJobs({ jobset: ref });
    if (ofJobset.length === 0) throw new UserError("not-found", /^#?\d+$/.test(ref) ? `no such job: #${ref.replace(/^#/, "")}` : `no job or jobset matches '${ref}'`);
    jobs = ofJobset.filter((j) => j.state === "pending" || j.state === "blocked");
    if (jobs.length === 0) throw new UserError("conflict", `jobset '${ref}' has no pending jobs to cancel`);
  } else if (!jobs.some((j) => CANCELLABLE.has(j.state))) {
    // Nothing to do is not a silent success: the job ended already (docs/api.md: wrong state is 409).
    const states = jobs.map((j) => `#${j.id} is ${j.state}`).join(", ");
    throw new UserError("conflict", `job ${states}; only pending, blocked or running jobs can be cancelled`);
  }
  return { body: jobsNow(ctx, await ctx.engine.cancel(ids(jobs))) };
}

async function start(ctx: RouteContext): Promise<{ body: JobResponse }> {
  return { body: jobNow(ctx, await ctx.engine.start(existingId(ctx))) };
}

async function setPriority(ctx: RouteContext): Promise<{ body: JobResponse }> {
  const id = existingId(ctx);
  const { priority } = await validate("priorityBody", await ctx.body());
  const value = typeof priority === "number" ? priority : PRIORITY_NAMES[priority]!;
  return { body: jobNow(ctx, await ctx.engine.setPriority(id, value)) };
}

/** A numeric job id that exists — checked here so "unknown job" is a 404 whatever the engine says. */
function existingId(ctx: RouteContext): number {
  const id = idParam(ctx);
  if (!ctx.engine.getJob(id)) throw new UserError("not-found", `no such job: #${id}`);
  return id;
}

export const jobRoutes: Route[] = [
  { method: "GET", path: "/jobs", handler: listJobs },
  { method: "POST", path: "/jobs", handler: submitLine },
  { method: "GET", path: "/jobs/:id", handler: getJob },
  { method: "POST", path: "/jobs/:ref/retry", handler: retry },
  { method: "POST", path: "/jobs/:ref/kill", handler: kill },
  { method: "POST", path: "/jobs/:ref/cancel", handler: cancel },
  { method: "POST", path: "/jobs/:id/start", handler: start },
  { method: "POST", path: "/jobs/:id/priority", handler: setPriority },
];
