// The client calls several commands share: every job of a filter (all pages),
// and one job from a user reference.
import type { Client } from "../client/client.js";
import { ApiError } from "../client/errors.js";
import type { JobRecord } from "../core/types.js";
import type { JobListResponse, JobResponse } from "../server/api-schema.js";
import { CommandFailed } from "./types.js";

export async function fetchJobs(client: Client, filter: Record<string, string | number> = {}): Promise<JobRecord[]> {
  const jobs: JobRecord[] = [];
  let afterId: number | null = 0;
  while (afterId !== null) {
    const query = new URLSearchParams({ ...stringify(filter), afterId: String(afterId), limit: "5000" });
    const page: JobListResponse = await client.request<JobListResponse>("GET", `/jobs?${query}`);
    jobs.push(...page.jobs);
    afterId = page.next;
  }
  return jobs;
}

/** Jobs a reference names ("12", "#12", a name, "failed"); none is a CommandFailed. */
export async function resolveJobs(client: Client, ref: string): Promise<JobRecord[]> {
  if (/^#?\d+$/.test(ref)) return [await getJob(client, Number(ref.replace(/^#/, "")))];
  const { jobs } = await client.request<JobListResponse>("GET", `/jobs?${new URLSearchParams({ ref })}`);
  if (jobs.length === 0) throw new CommandFailed(ref === "failed" ? "no failed jobs" : `no job matches '${ref}'`);
  return jobs;
}

/** The one job a reference names (for a name: its newest instance). */
export async function resolveJob(client: Client, ref: string): Promise<JobRecord> {
  return (await resolveJobs(client, ref))[0]!;
}

export async function getJob(client: Client, id: number): Promise<JobRecord> {
  try {
    return (await client.request<JobResponse>("GET", `/jobs/${id}`)).job;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) throw new CommandFailed(`no such job: #${id}`);
    throw err;
  }
}

const stringify = (o: Record<string, string | number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)]));
