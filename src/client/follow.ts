// Submitting a `.pll` file to a running server and following that run to its
// end over the event stream — what `pll run FILE` does when a server is up.
// The same EngineEvents reach `onEvent` as an in-process engine would emit,
// so one progress renderer serves both cases.
import type { EngineEvent, JobRecord, RunRecord } from "../core/types.js";
import type { RunResponse, SubmitResponse } from "../server/api-types.js";
import type { Client } from "./client.js";
import { ServerUnreachable } from "./errors.js";
import { jobKeyOf, LiveState, runKeyOf } from "./live-state.js";

export interface SubmitBody {
  /** the file's text; the server compiles it */
  source: string;
  /** absolute path of the file (names it in diagnostics; its directory is the default cwd); none for stdin or a generated source (`pll each`) */
  path?: string;
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
  let finished!: () => void;
  const ended = new Promise<void>((r) => (finished = r));
  const live = new LiveState(client, (e) => {
    if (!eventOfRun(e, run!)) return;
    onEvent(e);
    if (e.type === "run" && e.run.state !== "running") finished();
  });
  try {
    const stream = await live.subscribe();
    const submitted = await client.request<SubmitResponse>("POST", "/runs", body, { slow: true });
    onSubmitted?.(submitted);
    if (!submitted.run) throw new Error("the server started no run: the file holds only schedules");
    run = submitted.run;
    // The answer is the snapshot: events it already reflects (they may arrive after it, on the other connection) are not news.
    live.adopt([submitted.run], submitted.seq, runKeyOf);
    live.adopt(submitted.jobs, submitted.seq, jobKeyOf);
    live.release();
    // It may have ended before we learned its number (an empty or all-fresh file): then no event of its end is news.
    if (submitted.run.state !== "running") finished();
    const now = await client.request<RunResponse>("GET", `/runs/${run.id}`);
    if (now.run.state !== "running") finished();
    const lost = stream.done.then(() => Promise.reject(new ServerUnreachable("the server stopped before the run ended")));
    lost.catch(() => {}); // the stream ends by our own close() once the run is over
    await Promise.race([ended, lost]);
    const final = await client.request<RunResponse>("GET", `/runs/${run.id}`);
    const { counts: _counts, ...record } = final.run;
    return { run: record, jobs: final.jobs };
  } finally {
    live.close();
  }
}
