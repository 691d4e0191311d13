// /jobs — list (filters, paging), get, submit a job line, and the actions on
// existing jobs. Action paths take a user reference (`12`, `#12`, `r5`, a
// name, `failed`, `all`, a jobset) and the query string its scope, both
// resolved in references.ts.
import { PRIORITY_NAMES, type JobRecord } from "../core/types.js";
import { countStates, type JobListResponse, type JobResponse, type JobsResponse, type SubmitResponse } from "./api-types.js";
import { UserError } from "../core/errors.js";
import { seqNow } from "./event-log.js";
import { queryObject, validate, type Route, type RouteContext } from "./routing.js";
import { nothingIn, resolveOne, resolveRef, scopeOf, type Scope } from "./references.js";
import { compileLine } from "./submit.js";

const DEFAULT_PAGE = 1000;

async function listJobs(ctx: RouteContext): Promise<{ body: JobListResponse }> {
  const q = await validate("jobQuery", queryObject(ctx.query), "query");
  if (q.ref !== undefined || q.run !== undefined || q.jobset !== undefined || q.all !== undefined) {
    // A reference in a scope: the whole answer (its set is bounded by the scope), or its newest `last`.
    const resolved = resolveRef(ctx.engine, q.ref, scopeOf(q));
    const jobs = q.state === undefined ? resolved : resolved.filter((j) => j.state === q.state);
    const summary = q.counts === "1" || q.counts === "true" ? { counts: countStates(jobs), total: jobs.length } : {};
    return { body: { jobs: q.last !== undefined ? jobs.slice(-q.last) : jobs, next: null, ...summary, seq: seqNow(ctx.engine) } };
  }
  if (q.last !== undefined && (q.afterId !== undefined || q.limit !== undefined)) throw new UserError("usage", "invalid request query: `last` does not page; leave out afterId and limit");
  const filter = {
    ...(q.runId !== undefined ? { runId: q.runId } : {}),
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

/** GET /jobs/REF: one job, by number or by name (its newest instance in the scope). */
async function getJob(ctx: RouteContext): Promise<{ body: JobResponse }> {
  const scope = scopeOf(await validate("scopeQuery", queryObject(ctx.query), "query"));
  return { body: { job: resolveOne(ctx.engine, ctx.params.ref!, scope), seq: seqNow(ctx.engine) } };
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

/** The action path's reference, resolved in the scope its query string names. */
async function target(ctx: RouteContext): Promise<{ ref: string; scope: Scope; jobs: JobRecord[] }> {
  const scope = scopeOf(await validate("scopeQuery", queryObject(ctx.query), "query"));
  const ref = ctx.params.ref!;
  return { ref, scope, jobs: resolveRef(ctx.engine, ref, scope) };
}

/** A job number names one job, which the engine acts on or refuses (409); anything else names a set, of which an action takes the jobs it applies to. */
const isJobNumber = (ref: string) => /^#?\d+$/.test(ref);

async function retry(ctx: RouteContext): Promise<{ body: JobsResponse }> {
  const { ref, scope, jobs } = await target(ctx);
  // A set retries what can be retried in it; one job is retried or refused as it is.
  const chosen = isJobNumber(ref) ? jobs : jobs.filter((j) => j.state === "errored" || j.state === "cancelled");
  if (chosen.length === 0) throw nothingIn(ctx.engine, ref, scope);
  return { body: jobsNow(ctx, await ctx.engine.retry(ids(chosen))) };
}

async function kill(ctx: RouteContext): Promise<{ body: JobsResponse }> {
  const { ref, jobs } = await target(ctx);
  // `all` (or a run, a jobset) is what runs of it; one job must be running.
  const chosen = isJobNumber(ref) ? jobs : jobs.filter((j) => j.state === "running");
  return { body: jobsNow(ctx, await ctx.engine.kill(ids(chosen))) };
}

const CANCELLABLE = new Set<JobRecord["state"]>(["pending", "blocked", "running"]);

/** `cancel REF`: one job, or the pending jobs of a set (a run, a jobset's latest run, `all`). */
async function cancel(ctx: RouteContext): Promise<{ body: JobsResponse }> {
  const { ref, jobs } = await target(ctx);
  if (isJobNumber(ref)) {
    // Nothing to do is not a silent success: the job ended already (docs/api.md: wrong state is 409).
    if (!jobs.some((j) => CANCELLABLE.has(j.state)))
      throw new UserError("conflict", `job ${jobs.map((j) => `#${j.id} is ${j.state}`).join(", ")}; only pending, blocked or running jobs can be cancelled`);
    return { body: jobsNow(ctx, await ctx.engine.cancel(ids(jobs))) };
  }
  const pending = jobs.filter((j) => j.state === "pending" || j.state === "blocked");
  if (pending.length === 0) throw new UserError("conflict", `'${ref}' has no pending jobs to cancel`);
  return { body: jobsNow(ctx, await ctx.engine.cancel(ids(pending))) };
}

/** The one job an action on a single job names: a number, or a name (its newest instance in the scope). */
async function oneJob(ctx: RouteContext): Promise<number> {
  return (await getJob(ctx)).body.job.id;
}

async function start(ctx: RouteContext): Promise<{ body: JobResponse }> {
  return { body: jobNow(ctx, await ctx.engine.start(await oneJob(ctx))) };
}

async function setPriority(ctx: RouteContext): Promise<{ body: JobResponse }> {
  const id = await oneJob(ctx);
  const { priority } = await validate("priorityBody", await ctx.body());
  const value = typeof priority === "number" ? priority : PRIORITY_NAMES[priority]!;
  return { body: jobNow(ctx, await ctx.engine.setPriority(id, value)) };
}

export const jobRoutes: Route[] = [
  { method: "GET", path: "/jobs", handler: listJobs },
  { method: "POST", path: "/jobs", handler: submitLine },
  { method: "GET", path: "/jobs/:ref", handler: getJob },
  { method: "POST", path: "/jobs/:ref/retry", handler: retry },
  { method: "POST", path: "/jobs/:ref/kill", handler: kill },
  { method: "POST", path: "/jobs/:ref/cancel", handler: cancel },
  { method: "POST", path: "/jobs/:ref/start", handler: start },
  { method: "POST", path: "/jobs/:ref/priority", handler: setPriority },
];
