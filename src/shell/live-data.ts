// Keeps the view-model in step with the server: subscribe to its events
// first, then fetch a snapshot (so nothing falls in between), and follow the
// selected job's log. A lost stream is re-opened where it stopped; only when
// the server cannot replay what was missed is a fresh snapshot read.
// Snapshot and events are reconciled in client/live-state.ts.
import type { Client } from "../client/client.js";
import { jobKeyOf, LiveState, runKeyOf, settingsKey } from "../client/live-state.js";
import type { EngineEvent, JobRecord, RunRecord, Settings } from "../core/types.js";
import type { JobListResponse, LogLine, RunListResponse, SettingsResponse } from "../server/api-types.js";
import type { ShellModel } from "./model.js";
import { appendToPane, PANE_LINES_KEPT } from "./panes.js";
import type { Pane } from "./render.js";

const PAGE = 10_000;
const RECONNECT_MS = 1000;


/** Every job, run and the settings, each answer adopted: what comes back is only what is newer than the events told. */
async function fetchSnapshot(client: Client, live: LiveState): Promise<{ jobs: JobRecord[]; runs: RunRecord[]; settings?: Settings }> {
  const jobs: JobRecord[] = [];
  for (let afterId: number | null = 0; afterId !== null; ) {
    const page: JobListResponse = await client.request<JobListResponse>("GET", `/jobs?limit=${PAGE}&afterId=${afterId}`);
    jobs.push(...live.adopt(page.jobs, page.seq, jobKeyOf));
    afterId = page.next;
  }
  const [runList, settings] = await Promise.all([
    client.request<RunListResponse>("GET", "/runs"),
    client.request<SettingsResponse>("GET", "/settings"),
  ]);
  const [newerSettings] = live.adopt([settings.settings], settings.seq, settingsKey);
  return { jobs, runs: live.adopt(runList.runs, runList.seq, runKeyOf), ...(newerSettings ? { settings: newerSettings } : {}) };
}

export class LiveData {
  private readonly live: LiveState;
  private reconnect: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly client: Client,
    private readonly model: ShellModel,
    /** after each event (already applied to the model), and after a snapshot (no event) */
    private readonly changed: (event?: EngineEvent) => void,
  ) {
    this.live = new LiveState(client, (e) => {
      this.model.apply(e);
      this.changed(e);
    });
  }

  /** Resolves once the first snapshot is in the model (on a resumed stream: once subscribed). */
  async start(): Promise<void> {
    const { needsSnapshot, done } = await this.live.subscribe();
    done.then(
      () => this.lost("the server closed the event stream"),
      (err: Error) => this.lost(err.message),
    );
    if (!needsSnapshot) return;
    this.model.loadSnapshot(await fetchSnapshot(this.client, this.live));
    this.live.release();
    this.changed();
  }

  private lost(why: string): void {
    if (this.closed) return;
    this.model.notify("error", `${why} — reconnecting (jobs keep running in the server)`);
    this.changed();
    // Both the stream's end and a failed snapshot report one loss: one reconnect.
    clearTimeout(this.reconnect);
    this.reconnect = setTimeout(() => {
      this.start().catch(() => this.lost("the server does not answer"));
    }, RECONNECT_MS);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.reconnect);
    this.live.close();
  }
}

/** Streams one job's log (last lines, then live until it ends) into the pane. */
export class LogFollower {
  private abort: AbortController | undefined;
  /** the job followed, once its log stream has ended (a retry starts it again) */
  ended: number | undefined;

  constructor(
    private readonly client: Client,
    private readonly changed: () => void,
  ) {}

  follow(job: JobRecord, pane: Pane): void {
    this.stop();
    const abort = (this.abort = new AbortController());
    pane.title = `log #${job.id} ${job.name}`;
    pane.jobId = job.id;
    pane.anchor = "bottom";
    pane.lines = [];
    this.ended = undefined;
    const path = `/jobs/${job.id}/log?follow=1&tail=${PANE_LINES_KEPT}&format=ndjson`;
    this.client
      .lines<LogLine>(
        path,
        (l) => {
          if (abort.signal.aborted) return;
          appendToPane(pane, [{ text: l.line, err: l.stream === "err" }]);
          this.changed();
        },
        abort.signal,
      )
      .then(
        () => {
          if (!abort.signal.aborted && pane.jobId === job.id) {
            pane.title = `log #${job.id} ${job.name} (ended)`;
            this.ended = job.id;
          }
          this.changed();
        },
        (err: Error) => {
          if (abort.signal.aborted) return;
          pane.lines.push({ text: `cannot read the log: ${err.message}`, err: true });
          this.changed();
        },
      );
  }

  stop(): void {
    this.abort?.abort();
    this.abort = undefined;
    this.ended = undefined;
  }
}
