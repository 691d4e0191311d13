// The client calls several commands share: every job of a filter (all pages),
// the jobs of a user reference (resolved by the server), and whether a jobset name is known.
import type { Client } from "../client/client.js";
import type { JobRecord } from "../core/types.js";
import type { SnapshotSeen } from "../client/live-state.js";
import { didYouMean } from "../lang/suggest.js";
import type { JobListResponse, JobResponse, RunListResponse, ScheduleListResponse } from "../server/api-types.js";
import { CommandFailed } from "./types.js";

/** `seen` is told each answer's jobs and event number, for a caller that reconciles them with the event stream. */
export async function fetchJobs(client: Client, filter: Record<string, string | number> = {}, seen?: SnapshotSeen): Promise<JobRecord[]> {
  const jobs: JobRecord[] = [];
  let afterId: number | null = 0;
  while (afterId !== null) {
    const query = new URLSearchParams({ ...stringify(filter), afterId: String(afterId), limit: "5000" });
    const page: JobListResponse = await client.request<JobListResponse>("GET", `/jobs?${query}`);
    seen?.(page.jobs, page.seq);
    jobs.push(...page.jobs);
    afterId = page.next;
  }
  return jobs;
}

/**
 * The jobs a reference names in a scope (`query` from scope-options.ts), resolved by the server
 * (src/server/references.ts); `ref` undefined is the whole scope.
 */
export async function resolveJobs(client: Client, ref: string | undefined, query = "", seen?: SnapshotSeen): Promise<JobRecord[]> {
  const q = new URLSearchParams(query.replace(/^\?/, ""));
  if (ref !== undefined) q.set("ref", ref);
  else if (q.size === 0) q.set("ref", "all");
  const { jobs, seq } = await client.request<JobListResponse>("GET", `/jobs?${q}`);
  seen?.(jobs, seq);
  return jobs;
}

/** The one job a reference names — a number, or a name (its newest instance); the server says what else was meant. */
export async function getJob(client: Client, ref: number | string, query = "", seen?: SnapshotSeen): Promise<JobRecord> {
  const { job, seq } = await client.request<JobResponse>("GET", `/jobs/${encodeURIComponent(String(ref).replace(/^#/, ""))}${query}`);
  seen?.([job], seq);
  return job;
}

const stringify = (o: Record<string, string | number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)]));

/** Jobsets the server knows: those with a run, and those with schedules only (loaded, not yet fired). */
export async function knownJobsets(client: Client): Promise<Set<string>> {
  const [{ runs }, { schedules }] = await Promise.all([
    client.request<RunListResponse>("GET", "/runs"),
    client.request<ScheduleListResponse>("GET", "/schedules"),
  ]);
  return new Set([...runs.map((r) => r.jobset), ...schedules.map((s) => s.jobset)]);
}

/**
 * A typo in a jobset name must not pass silently (a pjc stored for nothing, an
 * empty table): an unknown one is a CommandFailed with a did-you-mean over the
 * known jobsets and `alsoWords` (what else the argument may be, and how that is said).
 */
export async function requireJobset(client: Client, name: string, alsoWords: { what: string; words: readonly string[] } = { what: "", words: [] }): Promise<void> {
  const known = await knownJobsets(client);
  if (known.has(name)) return;
  throw new CommandFailed(`no jobset${alsoWords.what} named \`${name}\`${didYouMean(name, [...known, ...alsoWords.words])}`);
}
