// Read-side questions about the live graph: job listings (user references are resolved in references.ts).
import type { JobFilter, JobRecord, RunRecord } from "../core/types.js";

export function filterJobs(
  jobs: ReadonlyMap<number, JobRecord>,
  runs: ReadonlyMap<number, RunRecord>,
  f: JobFilter = {},
): JobRecord[] {
  const out: JobRecord[] = [];
  const limit = f.limit ?? Infinity;
  const source: Iterable<JobRecord> =
    f.runId !== undefined ? (runs.get(f.runId)?.jobIds ?? []).map((id) => jobs.get(id)!) : jobs.values();
  for (const job of source) {
    if (out.length >= limit) break;
    if (f.afterId !== undefined && job.id <= f.afterId) continue;
    if (f.state !== undefined && job.state !== f.state) continue;
    out.push(job);
  }
  return out;
}
