// Hand-built job graphs for engine tests: the shape src/lang produces, with
// defaults filled in, so a test states only what it is about.
import type { BlockSpec, JobGraph, JobSpec } from "../../src/core/types.js";

const loc = { file: "test.pll", line: 1, col: 1 };

export type JobInput = Partial<JobSpec> & { key: string; command: string };

export function job(key: string, command: string, more: Partial<JobSpec> = {}): JobInput {
  return { key, command, ...more };
}

export function graphOf(
  jobs: JobInput[],
  opts: { jobset?: string; pjc?: number; blocks?: (Partial<BlockSpec> & { key: string; jobs: string[] })[]; cwd?: string } = {},
): JobGraph {
  const graph: JobGraph = {
    jobset: opts.jobset ?? "test",
    file: "/tmp/test.pll",
    jobs: jobs.map(
      (j): JobSpec => ({
        name: j.key,
        cwd: opts.cwd ?? process.cwd(),
        env: {},
        priority: 0,
        deps: [],
        blocks: [],
        retry: { count: 0, backoffMs: 0 },
        units: 1,
        hooks: [],
        loc,
        ...j,
      }),
    ),
    blocks: (opts.blocks ?? []).map((b): BlockSpec => ({ name: b.key, kind: "par", loc, ...b })),
    schedules: [],
  };
  // A run's own pjc defaults to the CPU count (README "How many jobs at once"): a test graph asks for no
  // limit of its own unless given one, so the engine's global pjc is what holds it, on any machine.
  graph.pjc = opts.pjc ?? 100_000;
  return graph;
}
