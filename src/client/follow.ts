// Submitting a `.pll` file to a running server and following that run to its
// end over the event stream — what `pll run FILE` does when a server is up.
// The same EngineEvents reach `onEvent` as an in-process engine would emit,
// so one progress renderer serves both cases.
import type { EngineEvent, JobRecord, RunRecord } from "../core/types.js";
import type { RunResponse, SubmitResponse } from "../server/api-types.js";
import type { Client } from "./client.js";
import { ServerUnreachable } from "./errors.js";

export interface SubmitBody {
  /** the file's text; the server compiles it */
  source: string;
  /** absolute path of the file (names it in diagnostics; its directory is the default cwd) */
  path: string;
  cwd?: string;
  env?: Record<string, string>;
  /** stop dispatching the run's pending jobs at its first failure (the engine does it, in the same transition) */
  haltOnFailure?: boolean;
}

/** Whether an event belongs to a run (notices belong to everyone). */
export function eventOfRun(e: EngineEvent, run: { id: number; jobIds: readonly number[] }): boolean {
  switch (e.type) {
    case "run":
      return e.run.id === run.id;
    case "job":
      return e.job.runId === run.id;
    case "overrun":
      return run.jobIds.includes(e.jobId);
    case "notice":
      return true;
    default:
      return false;
  }
}

/**
 * Whether an event is surely older than a known state of the same job.
 * Attempts only grow, and attempt n runs before it ends and before the job
 * waits for attempt n+1. Other pairs with the same number of attempts can
 * come in either order (a retry makes an ended job pending, a cancel ends a
 * pending one): those are not dropped.
 */
export function olderThan(event: JobRecord, known: JobRecord | undefined): boolean {
  if (!known) return false;
  const [a, b] = [event.attempts.length, known.attempts.length];
  return a < b || (a === b && event.state === "running" && known.state !== "running");
}

/**
 * Subscribes first, then submits, so no change of the new run is missed; calls
 * `onSubmitted` with the new run and its jobs, forwards the run's events, and
 * resolves with the final run and jobs once the run is no longer `running`.
 * Diagnostics of a bad file reject with the server's ApiError (status 400).
 */
export async function submitAndFollow(
  client: Client,
  body: SubmitBody,
  onEvent: (e: EngineEvent) => void,
  onSubmitted?: (submitted: SubmitResponse) => void,
): Promise<{ run: RunRecord; jobs: JobRecord[] }> {
  let run: RunRecord | undefined;
  const early: EngineEvent[] = [];
  let finished!: () => void;
  const ended = new Promise<void>((r) => (finished = r));
  // The submit response's snapshot of each job. The events come on another connection than the response, so
  // one emitted before the snapshot may arrive after it, before or after the response: it is dropped. Once a
  // job's events have caught up with its snapshot they are news in the order they come (a retried job does go
  // back to pending).
  const snapshot = new Map<number, JobRecord>();
  const deliver = (e: EngineEvent) => {
    if (!run || !eventOfRun(e, run)) return;
    if (e.type === "job" && snapshot.has(e.job.id)) {
      if (olderThan(e.job, snapshot.get(e.job.id))) return;
      snapshot.delete(e.job.id);
    }
    onEvent(e);
    if (e.type === "run" && e.run.state !== "running") finished();
  };
  const stream = client.events((e) => (run ? deliver(e) : early.push(e)));
  try {
    await stream.ready;
    const submitted = await client.request<SubmitResponse>("POST", "/runs", body, { slow: true });
    onSubmitted?.(submitted);
    if (!submitted.run) throw new Error("the server started no run: the file holds only schedules");
    run = submitted.run;
    // Events that raced the response may be older than its snapshot: only the newer ones are news.
    for (const j of submitted.jobs) snapshot.set(j.id, j);
    for (const e of early.splice(0)) deliver(e);
    // It may have ended before we learned its number (an empty or all-fresh file).
    const now = await client.request<RunResponse>("GET", `/runs/${run.id}`);
    if (now.run.state !== "running") finished();
    const lost = stream.done.then(() => Promise.reject(new ServerUnreachable("the server stopped before the run ended")));
    lost.catch(() => {}); // the stream ends by our own close() once the run is over
    await Promise.race([ended, lost]);
    const final = await client.request<RunResponse>("GET", `/runs/${run.id}`);
    const { counts: _counts, ...record } = final.run;
    return { run: record, jobs: final.jobs };
  } finally {
    stream.close();
  }
}
