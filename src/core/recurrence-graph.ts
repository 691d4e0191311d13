// Cutting a compiled graph along its schedules: the part one firing runs, and
// the part that runs at load (scheduled items do not run at load).
import type { JobGraph, ScheduleSpec } from "./types.js";

/** The graph one firing of `spec` instantiates: its jobs, their blocks, dependencies kept inside the set, no schedules (a firing must not re-register). */
export function firingGraph(graph: JobGraph, spec: ScheduleSpec): JobGraph {
  return restrictGraph(graph, new Set(spec.jobs));
}

/** The graph to run at load: every job that no schedule claims (may be empty). */
export function unscheduledGraph(graph: JobGraph): JobGraph {
  const scheduled = new Set(graph.schedules.flatMap((s) => s.jobs));
  return restrictGraph(graph, new Set(graph.jobs.map((j) => j.key).filter((k) => !scheduled.has(k))));
}

function restrictGraph(graph: JobGraph, keep: Set<string>): JobGraph {
  const jobs = graph.jobs
    .filter((j) => keep.has(j.key))
    .map((j) => ({ ...j, deps: j.deps.filter((d) => keep.has(d)) }));
  const blocks = graph.blocks
    .map((b) => ({ ...b, jobs: b.jobs.filter((k) => keep.has(k)) }))
    .filter((b) => b.jobs.length > 0);
  // A kept job's enclosing blocks all contain it, so they are kept too:
  // `blocks` and `parent` references stay valid without rewriting.
  return {
    jobset: graph.jobset,
    file: graph.file,
    ...(graph.pjc === undefined ? {} : { pjc: graph.pjc }),
    ...(graph.env === undefined ? {} : { env: graph.env }),
    ...(graph.keep === undefined ? {} : { keep: graph.keep }),
    jobs,
    blocks,
    schedules: [],
  };
}
