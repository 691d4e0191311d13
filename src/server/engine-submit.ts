// A compiled graph → a new run and its job records, numbered from the store's
// counters. Pure: the engine persists the result before scheduling it.
import os from "node:os";
import { logPaths, runLogDir } from "../exec/job-files.js";
import { UserError } from "../core/errors.js";
import type { JobGraph, JobRecord, RunRecord } from "../core/types.js";

export interface Instantiated {
  run: RunRecord;
  jobs: JobRecord[];
}

export function instantiate(
  graph: JobGraph,
  ids: { runId: number; firstJobId: number },
  logsDir: string,
  now: number,
  exists: (jobId: number) => boolean,
  opts: { schedule?: string; haltOnFailure?: boolean; pjc?: number } = {},
): Instantiated {
  const { runId } = ids;
  const idOf = new Map<string, number>();
  graph.jobs.forEach((spec, i) => idOf.set(spec.key, ids.firstJobId + i));
  const blockPjc: Record<string, number> = {};
  // The run's own pjc: `pll run --pjc N` (this run only), else the file's `pjc`, else the CPU count.
  const pjcFrom = opts.pjc !== undefined ? "option" : graph.pjc !== undefined ? "file" : "default";
  blockPjc[""] = opts.pjc ?? graph.pjc ?? os.availableParallelism();
  for (const b of graph.blocks) if (b.pjc !== undefined) blockPjc[`${runId}:${b.key}`] = b.pjc;

  const runDir = runLogDir(logsDir, runId);
  const jobs = graph.jobs.map((spec): JobRecord => {
    const id = idOf.get(spec.key)!;
    for (const after of spec.afterIds ?? [])
      if (!exists(after)) throw new UserError("not-found", `${spec.name}: after #${after}: no such job`);
    const deps = [...spec.deps.flatMap((k) => idOf.get(k) ?? []), ...(spec.afterIds ?? [])];
    const logs = logPaths(runDir, id);
    return {
      id,
      runId,
      jobset: graph.jobset,
      key: spec.key,
      name: spec.name,
      command: spec.command,
      cwd: spec.cwd,
      env: spec.env,
      priority: spec.priority,
      deps: [...new Set(deps)],
      blocks: spec.blocks.map((b) => `${runId}:${b}`),
      retry: spec.retry,
      units: spec.units,
      hooks: spec.hooks,
      state: "pending",
      attempts: [],
      createdAt: now,
      logOut: logs.out,
      logErr: logs.err,
      ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}),
      ...(spec.expect !== undefined ? { expect: spec.expect } : {}),
      ...(spec.freshMs !== undefined ? { freshMs: spec.freshMs } : {}),
      ...(spec.role !== undefined ? { role: spec.role } : {}),
    };
  });

  const run: RunRecord = {
    id: runId,
    jobset: graph.jobset,
    file: graph.file,
    state: "running",
    createdAt: now,
    jobIds: jobs.map((j) => j.id),
    blockPjc,
    pjcFrom,
    ...(graph.env !== undefined ? { env: graph.env } : {}),
    ...(opts.schedule !== undefined ? { schedule: opts.schedule } : {}),
    ...(opts.haltOnFailure ? { haltOnFailure: true } : {}),
    ...(graph.keep !== undefined ? { keep: graph.keep } : {}),
  };
  return { run, jobs };
}
