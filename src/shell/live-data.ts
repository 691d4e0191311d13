// Keeps the view-model in step with the server: subscribe to its events
// first, then fetch a snapshot (so nothing falls in between), and follow the
// selected job's log. A lost stream is re-opened, with a fresh snapshot.
import type { Client } from "../client/client.js";
import type { EngineEvent, JobRecord, RunRecord, Settings } from "../core/types.js";
import type { JobListResponse, LogLine, RunListResponse, SettingsResponse } from "../server/api-types.js";
import type { ShellModel } from "./model.js";
import { appendToPane, PANE_LINES_KEPT } from "./panes.js";
import type { Pane } from "./render.js";

const PAGE = 10_000;
const RECONNECT_MS = 1000;


async function fetchSnapshot(client: Client): Promise<{ jobs: JobRecord[]; runs: RunRecord[]; settings: Settings }> {
  const jobs: JobRecord[] = [];
  for (let afterId: number | null = 0; afterId !== null; ) {
    const page: JobListResponse = await client.request<JobListResponse>("GET", `/jobs?limit=${PAGE}&afterId=${afterId}`);
    jobs.push(...page.jobs);
    afterId = page.next;
  }
  const [{ runs }, { settings }] = await Promise.all([
    client.request<RunListResponse>("GET", "/runs"),
    client.request<SettingsResponse>("GET", "/settings"),
  ]);
  return { jobs, runs, settings };
}

export class LiveData {
  private stream: { close(): void } | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly client: Client,
    private readonly model: ShellModel,
    /** after each event (already applied to the model), and after a snapshot (no event) */
    private readonly changed: (event?: EngineEvent) => void,
  ) {}

  /** Resolves once the first snapshot is in the model. */
  async start(): Promise<void> {
    const events = this.client.events((e) => {
      this.model.apply(e);
      this.changed(e);
    });
    this.stream = events;
    this.model.beginSync();
    events.done.then(
      () => this.lost("the server closed the event stream"),
      (err: Error) => this.lost(err.message),
    );
    await events.ready;
    this.model.loadSnapshot(await fetchSnapshot(this.client));
    this.changed();
  }

  private lost(why: string): void {
    if (this.closed) return;
    this.model.notify("error", `${why} — reconnecting (jobs keep running in the server)`);
    this.changed();
    this.reconnect = setTimeout(() => {
      this.start().catch(() => this.lost("the server does not answer"));
    }, RECONNECT_MS);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.reconnect);
    this.stream?.close();
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
