// `wait [N|rN|NAME|JOBSET|all]`: block until the jobs can no longer run without
// a user's action, watching the event stream (no polling). The result is a
// success only if every one of them succeeded (or was skipped as fresh).
// Bare `wait` waits for what this session loaded; with nothing loaded, for the runs active now.
// What it reads and what the stream says are reconciled in client/live-state.ts.
import type { Client } from "../client/client.js";
import { ServerUnreachable } from "../client/errors.js";
import { jobKeyOf, LiveState, type SnapshotSeen } from "../client/live-state.js";
import { FINAL_STATES, type JobRecord } from "../core/types.js";
import { countStates, type RunListResponse } from "../server/api-types.js";
import { runRef } from "../core/ref-syntax.js";
import { listIds, paintState } from "./format.js";
import { fetchJobs, resolveJobs } from "./jobs-api.js";
import { SCOPE_OPTIONS, scopeQuery } from "./scope-options.js";
import { runsSubmitted } from "./session.js";
import { CommandFailed, defineCommand, type Invocation } from "./types.js";

interface WaitResult {
  target: string;
  jobs: JobRecord[];
  ok: boolean;
}

const settled = (j: JobRecord) => FINAL_STATES.has(j.state) || j.state === "blocked";
const succeeded = (j: JobRecord) => j.state === "success" || j.state === "skipped";

/**
 * The jobs to wait for now, and whether jobs created meanwhile join them. Bare `wait`: the runs this
 * session (a stdin script, the shell) started, else the runs active now — never a finished old run.
 * Anything else is resolved by the server, in the scope the flags name.
 */
async function targets(client: Client, inv: Invocation, seen: SnapshotSeen): Promise<{ jobs: JobRecord[]; joins(j: JobRecord): boolean; target: string }> {
  const arg = inv.args[0];
  const query = scopeQuery(inv);
  const mine = runsSubmitted(client);
  if (arg === undefined && query === "" && mine.length > 0) {
    const runIds = new Set(mine);
    const jobs = (await Promise.all(mine.map((runId) => fetchJobs(client, { runId }, seen)))).flat();
    return { jobs, joins: (j) => runIds.has(j.runId), target: `the runs started here (${mine.map(runRef).join(", ")})` };
  }
  if (arg === undefined && query === "") {
    const { runs } = await client.request<RunListResponse>("GET", "/runs?state=running");
    const runIds = new Set(runs.map((r) => r.id));
    const jobs = (await Promise.all(runs.map((r) => fetchJobs(client, { runId: r.id }, seen)))).flat();
    return { jobs, joins: (j) => runIds.has(j.runId), target: runs.length ? `the active runs (${runs.map((r) => runRef(r.id)).join(", ")})` : "no run is active" };
  }
  const jobs = await resolveJobs(client, arg, query, seen);
  const runIds = new Set(jobs.map((j) => j.runId));
  const one = arg !== undefined && /^#?\d+$/.test(arg);
  return { jobs, joins: one ? () => false : (j) => runIds.has(j.runId), target: arg ?? "the scope" };
}

export const wait = defineCommand<WaitResult>({
  name: "wait",
  args: [{ name: "N|rN|JOBSET|all", kind: "job-or-jobset", optional: true, words: ["all"] }],
  options: SCOPE_OPTIONS,
  summary: "block until it finishes; the exit status tells success",
  details:
    "Without an argument: the runs this session started (e.g. by `load` on an earlier stdin line, or in the shell), else the runs active now; finished old runs never fail it.\n`wait r5` waits for run r5, `wait JOBSET` for its latest run, `wait 12` for job 12.",
  async handler(inv, ctx) {
    const tracked = new Map<number, JobRecord>();
    // How many tracked jobs are not settled, kept as they change: a bulk of events must not rescan them all each time.
    let unsettled = 0;
    const track = (job: JobRecord) => {
      const known = tracked.get(job.id);
      unsettled += Number(!settled(job)) - Number(known !== undefined && !settled(known));
      tracked.set(job.id, job);
    };
    let joins: (j: JobRecord) => boolean = () => false;
    let wake = () => {};
    const live = new LiveState(ctx.client, (e) => {
      if (e.type !== "job" || (!tracked.has(e.job.id) && !joins(e.job))) return;
      track(e.job);
      wake();
    });
    try {
      const stream = await live.subscribe();
      // A job may come in several answers (pending, then running): the newest of them is what is known.
      const newest = new Map<number, JobRecord>();
      const t = await targets(ctx.client, inv, (jobs, seq) => {
        for (const j of live.adopt(jobs, seq, jobKeyOf)) newest.set(j.id, j);
      });
      joins = t.joins;
      for (const j of t.jobs) track(newest.get(j.id) ?? j);
      live.release();
      const gone = stream.done.then(() => Promise.reject(new ServerUnreachable("the server stopped while waiting")));
      gone.catch(() => {});
      const aborted = new Promise<never>((_, reject) => ctx.signal?.addEventListener("abort", () => reject(new CommandFailed("wait: interrupted")), { once: true }));
      aborted.catch(() => {});
      while (unsettled > 0) {
        await Promise.race([new Promise<void>((r) => (wake = r)), gone, aborted]);
      }
      const jobs = [...tracked.values()].sort((a, b) => a.id - b.id);
      return { target: t.target, jobs, ok: jobs.every(succeeded) };
    } finally {
      live.close();
    }
  },
  succeeded: (r) => r.ok,
  format(r, style) {
    if (r.jobs.length === 0) return `nothing to wait for (${r.target})`;
    const counts = countStates(r.jobs);
    const summary = Object.entries(counts)
      .map(([s, n]) => paintState(s, style, `${n} ${s}`))
      .join(", ");
    const lines = [`${r.ok ? "done" : "failed"}: ${r.jobs.length} job${r.jobs.length === 1 ? "" : "s"} (${summary})`];
    const bad = r.jobs.filter((j) => !succeeded(j));
    for (const j of bad.slice(0, 20)) lines.push(`  #${j.id} ${j.name}: ${paintState(j.state, style)}${j.reason ? ` (${j.reason})` : ""}`);
    if (bad.length > 20) lines.push(`  … and ${listIds(bad.slice(20), 5)}`);
    return lines.join("\n");
  },
});
