// `rerun RUN [--failed | --from JOB] [--reload]`: a new run of a run's jobset
// that runs only part of it. The graph is the one stored with the run (its job
// records: commands, cwd, env, deps, blocks' pjc), or with --reload the file
// compiled anew. The jobs left out count as done: deps on them are dropped.
//   --failed     what did not succeed (errored, blocked, cancelled, never run)
//   --from JOB   JOB and everything downstream of it, whatever their state
//   (neither)    the whole run again
import { stat } from "node:fs/promises";
import type { JobGraph, JobRecord, JobSpec, RunRecord } from "../core/types.js";
import { UserError } from "../core/errors.js";
import { parseRef, runRef } from "../core/ref-syntax.js";

export interface RerunRequest {
  failed?: boolean;
  from?: string;
  reload?: boolean;
}

/** The graph a run was made from, rebuilt from its job records. */
export function storedGraph(run: RunRecord, jobs: readonly JobRecord[]): JobGraph {
  const keyOf = new Map(jobs.map((j) => [j.id, j.key]));
  const prefix = `${run.id}:`;
  const blockJobs = new Map<string, string[]>();
  const specs = jobs.map((j): JobSpec => {
    const blocks = j.blocks.map((b) => (b.startsWith(prefix) ? b.slice(prefix.length) : b));
    for (const b of blocks) blockJobs.set(b, [...(blockJobs.get(b) ?? []), j.key]);
    const afterIds = j.deps.filter((d) => !keyOf.has(d));
    return {
      key: j.key,
      name: j.name,
      command: j.command,
      cwd: j.cwd,
      env: j.env,
      priority: j.priority,
      retry: j.retry,
      units: j.units,
      hooks: j.hooks,
      deps: j.deps.flatMap((d) => keyOf.get(d) ?? []),
      blocks,
      loc: { file: run.file, line: 0, col: 0 },
      ...(afterIds.length ? { afterIds } : {}),
      ...(j.timeoutMs !== undefined ? { timeoutMs: j.timeoutMs } : {}),
      ...(j.expect !== undefined ? { expect: j.expect } : {}),
      ...(j.freshMs !== undefined ? { freshMs: j.freshMs } : {}),
      ...(j.role !== undefined ? { role: j.role } : {}),
    };
  });
  return {
    jobset: run.jobset,
    file: run.file,
    ...(run.blockPjc[""] !== undefined ? { pjc: run.blockPjc[""] } : {}),
    jobs: specs,
    // Only a block's pjc matters to a run (engine-submit.ts); its kind and batches are in the deps.
    blocks: [...blockJobs].map(([key, keys]) => ({
      key,
      name: key,
      kind: "par" as const,
      jobs: keys,
      loc: { file: run.file, line: 0, col: 0 },
      ...(run.blockPjc[`${prefix}${key}`] !== undefined ? { pjc: run.blockPjc[`${prefix}${key}`] } : {}),
    })),
    schedules: [],
  };
}

/** The job of `ref` (`12`, `#12`, or a name) among the run's jobs. */
function findJob(ref: string, run: RunRecord, jobs: readonly JobRecord[]): JobRecord {
  const r = parseRef(ref);
  const found = r.kind === "job" ? jobs.find((j) => j.id === r.id) : jobs.find((j) => j.name === ref);
  if (!found) throw new UserError("not-found", `--from ${ref}: no such job in run ${runRef(run.id)}`);
  return found;
}

/** The keys of `start` and every job that waits for it, directly or not. */
function downstream(graph: JobGraph, start: string): Set<string> {
  const waiters = new Map<string, string[]>();
  for (const j of graph.jobs) for (const d of j.deps) waiters.set(d, [...(waiters.get(d) ?? []), j.key]);
  const seen = new Set([start]);
  const todo = [start];
  while (todo.length) for (const w of waiters.get(todo.pop()!) ?? []) if (!seen.has(w)) (seen.add(w), todo.push(w));
  return seen;
}

/**
 * The jobs of `graph` to run again. With a reloaded file, jobs are matched to
 * the run's by name: a job the run did not have has not succeeded.
 */
export function selectRerun(graph: JobGraph, run: RunRecord, jobs: readonly JobRecord[], req: RerunRequest): Set<string> {
  if (req.failed && req.from !== undefined) throw new UserError("usage", "--failed and --from exclude each other");
  const all = new Set(graph.jobs.map((j) => j.key));
  if (req.from !== undefined) {
    const name = findJob(req.from, run, jobs).name;
    const start = graph.jobs.find((j) => j.name === name);
    if (!start) throw new UserError("not-found", `--from ${req.from}: the file no longer has a job ${name}`);
    return downstream(graph, start.key);
  }
  if (req.failed) {
    const succeeded = new Set(jobs.filter((j) => j.state === "success" || j.state === "skipped").map((j) => j.name));
    return new Set(graph.jobs.filter((j) => !succeeded.has(j.name)).map((j) => j.key));
  }
  return all;
}

/** Says so when the run's file changed (or went) since the run was made; nothing for a generated source. */
export async function fileChange(run: RunRecord): Promise<string | undefined> {
  if (!run.file.startsWith("/")) return undefined;
  try {
    const info = await stat(run.file);
    return info.mtimeMs > run.createdAt ? `${run.file} changed since run ${runRef(run.id)}` : undefined;
  } catch {
    return `${run.file} is gone since run ${runRef(run.id)}`;
  }
}
