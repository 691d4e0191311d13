// Read-side questions about the live graph: job listings and user references.
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
    if (f.jobset !== undefined && job.jobset !== f.jobset) continue;
    if (f.state !== undefined && job.state !== f.state) continue;
    out.push(job);
  }
  return out;
}

/** "12", "#12", "failed" (every errored job), or a name (its jobs in the newest run that has it). */
export function resolveRef(jobs: ReadonlyMap<number, JobRecord>, ref: string): JobRecord[] {
  const m = /^#?(\d+)$/.exec(ref.trim());
  if (m) {
    const job = jobs.get(Number(m[1]));
    return job ? [job] : [];
  }
  if (ref === "failed") return [...jobs.values()].filter((j) => j.state === "errored");
  let newestRun = -1;
  let found: JobRecord[] = [];
  for (const job of jobs.values()) {
    if (job.name !== ref) continue;
    if (job.runId > newestRun) {
      newestRun = job.runId;
      found = [];
    }
    if (job.runId === newestRun) found.push(job);
  }
  return found;
}
