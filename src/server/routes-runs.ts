// /runs (alias /jobsets) — submit a `.pll` source or path as a new run, list
// runs with their per-state job counts, get one run with its jobs.
import type { EngineControl, JobRecord, RunRecord } from "../core/types.js";
import type { RunListResponse, RunResponse, RunSummary, StateCounts, SubmitResponse } from "./api-types.js";
import { UserError } from "../core/errors.js";
import { runRef } from "../core/ref-syntax.js";
import { seqNow } from "./event-log.js";
import { jobsNow } from "./routes-jobs.js";
import { idParam, MAX_SOURCE_BODY_BYTES, queryObject, validate, type Route, type RouteContext } from "./routing.js";
import { compileRun } from "./submit.js";
import { hookRunsOf } from "./routes-hooks.js";

function summarise(engine: EngineControl, run: RunRecord): { run: RunSummary; jobs: JobRecord[] } {
  const counts: StateCounts = {};
  const jobs: JobRecord[] = [];
  for (const id of run.jobIds) {
    const job = engine.getJob(id);
    if (!job) continue;
    jobs.push(job);
    counts[job.state] = (counts[job.state] ?? 0) + 1;
  }
  return { run: { ...run, counts }, jobs };
}

async function submitRun(ctx: RouteContext): Promise<{ status: number; body: SubmitResponse }> {
  const body = await validate("submitRunBody", await ctx.body());
  const { graph, source, warnings } = await compileRun(body);
  // A file of schedules only registers them and starts no run.
  const submitted = await ctx.engine.submit(graph, source, {
    allowNoRun: true,
    haltOnFailure: body.haltOnFailure === true,
    ...(body.pjc !== undefined ? { pjc: body.pjc } : {}),
  });
  const run = submitted.run && (ctx.engine.getRun(submitted.run.id) ?? submitted.run);
  return { status: 201, body: { ...submitted, ...jobsNow(ctx, submitted.jobs), ...(run ? { run } : {}), notices: [...warnings, ...submitted.notices] } };
}

/** Newest first; a page of `limit` older than `before`, with `next` for the page after. */
async function listRuns(ctx: RouteContext): Promise<{ body: RunListResponse }> {
  const q = await validate("runQuery", queryObject(ctx.query), "query");
  const runs = ctx.engine
    .listRuns()
    .filter((r) => (q.jobset === undefined || r.jobset === q.jobset) && (q.state === undefined || r.state === q.state) && (q.before === undefined || r.id < q.before))
    .sort((a, b) => b.id - a.id);
  const page = q.limit !== undefined ? runs.slice(0, q.limit) : runs;
  const next = page.length < runs.length ? page[page.length - 1]!.id : null;
  return { body: { runs: page.map((r) => summarise(ctx.engine, r).run), next, seq: seqNow(ctx.engine) } };
}

/** GET /runs/ID: the path is a run's, so `5` and `r5` both name run r5. */
function getRun(ctx: RouteContext): { body: RunResponse } {
  const id = idParam(ctx, "run", /^r/i);
  const run = ctx.engine.getRun(id);
  if (!run) throw new UserError("not-found", `no such run: ${runRef(id)}`);
  const summary = summarise(ctx.engine, run);
  return { body: { ...summary, hooks: hookRunsOf(summary.jobs), seq: seqNow(ctx.engine) } };
}

export const runRoutes: Route[] = ["/runs", "/jobsets"].flatMap((base): Route[] => [
  { method: "GET", path: base, handler: listRuns },
  // A whole `.pll` source may come in the body: a bigger cap than the other routes.
  { method: "POST", path: base, handler: submitRun, maxBodyBytes: MAX_SOURCE_BODY_BYTES },
  { method: "GET", path: `${base}/:run`, handler: getRun },
]);
