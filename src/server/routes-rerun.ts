// POST /runs/ID/rerun (alias /jobsets/ID/rerun) — a new run of part of a run's
// jobset (rerun.ts): {"failed": true} what did not succeed, {"from": "JOB"}
// JOB and what waits for it, neither: all of it; {"reload": true} compiles
// the run's file anew instead of using the graph stored with the run.
import { UserError } from "../core/errors.js";
import { restrictGraph, unscheduledGraph } from "../core/recurrence-graph.js";
import { jobsOf } from "./references.js";
import type { SubmitResponse } from "./api-types.js";
import { jobsNow } from "./routes-jobs.js";
import { fileChange, selectRerun, storedGraph } from "./rerun.js";
import { idParam, validate, type Route, type RouteContext } from "./routing.js";
import { compileRun } from "./submit.js";

async function rerun(ctx: RouteContext): Promise<{ status: number; body: SubmitResponse }> {
  const id = idParam(ctx, "run");
  const body = await validate("rerunBody", await ctx.body());
  const run = ctx.engine.getRun(id);
  if (!run) throw new UserError("not-found", `no such run: ${id}`);
  if (run.state === "running") throw new UserError("conflict", `run ${id} is still running`);
  const jobs = jobsOf(ctx.engine, [run]);
  const notices: string[] = [];
  let graph;
  if (body.reload) {
    if (!run.file.startsWith("/")) throw new UserError("usage", `run ${id} was not made from a file (${run.file}): there is nothing to reload`);
    const compiled = await compileRun({ path: run.file, ...(body.env ? { env: body.env } : {}) });
    notices.push(...compiled.warnings);
    // A rerun is of the jobs that run now: the file's scheduled items stay with their schedules.
    graph = compiled.graph.schedules.length ? unscheduledGraph(compiled.graph) : compiled.graph;
  } else {
    graph = storedGraph(run, jobs);
    const change = await fileChange(run);
    if (change) notices.push(`${change}; rerunning the graph stored with it (--reload loads the file)`);
  }
  const keep = selectRerun(graph, run, jobs, body);
  if (keep.size === 0) throw new UserError("conflict", `nothing to rerun: every job of run ${id} succeeded`);
  const submitted = await ctx.engine.submit(restrictGraph(graph, keep), "", { keepSchedules: true });
  return { status: 201, body: { ...submitted, ...jobsNow(ctx, submitted.jobs), run: ctx.engine.getRun(submitted.run.id) ?? submitted.run, notices: [...notices, ...submitted.notices] } };
}

export const rerunRoutes: Route[] = ["/runs", "/jobsets"].map((base): Route => ({ method: "POST", path: `${base}/:run/rerun`, handler: rerun }));
