// Following one run: a subscriber of EngineEvent (plus an initial snapshot of
// the run's jobs) that renders progress — a live line on a TTY, one line per
// job event otherwise, or one JSON event per line. It works the same on an
// in-process engine and on events relayed over the server's socket.
import { Chalk, type ChalkInstance } from "chalk";
import type { EngineEvent, JobRecord, JobState, RunRecord } from "../../core/types.js";

export type ProgressMode = "tty" | "lines" | "json";

export interface ProgressOptions {
  runId: number;
  mode: ProgressMode;
  write: (text: string) => void;
  color: boolean;
  now?: () => number;
}

const REDRAW_MS = 100;
/** Lines mode writes what came in this long together: one write for many short jobs, still prompt to a reader. */
const LINES_MS = 25;

export class RunProgress {
  private readonly states = new Map<number, JobState>();
  private readonly counts: Record<JobState, number> = {
    pending: 0, running: 0, success: 0, errored: 0, blocked: 0, skipped: 0, cancelled: 0,
  };
  private readonly startedAt: number;
  private readonly now: () => number;
  private readonly c: ChalkInstance;
  private run?: RunRecord;
  private buffered: string[] = [];
  private flushTimer?: NodeJS.Timeout;
  private lineShown = false;

  private ticker?: NodeJS.Timeout;

  constructor(private readonly opts: ProgressOptions) {
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    this.c = new Chalk({ level: opts.color ? 1 : 0 });
    // Elapsed time and ETA move even while no job changes state.
    if (opts.mode === "tty") this.ticker = setInterval(() => this.schedule(), 500).unref();
  }

  /** The run's jobs as they are when following starts. */
  init(jobs: JobRecord[], run?: RunRecord): void {
    if (this.opts.mode === "json") {
      // JSON readers get the starting point as events too.
      if (run) this.opts.write(`${JSON.stringify({ type: "run", run })}\n`);
      for (const job of jobs) this.opts.write(`${JSON.stringify({ type: "job", job })}\n`);
    }
    for (const job of jobs) {
      this.track(job);
      if (this.opts.mode === "lines" && !notStartedYet(job)) this.buffered.push(this.describe(job));
    }
    this.schedule();
  }

  /** Feed every engine event here; events of other runs are ignored. */
  onEvent = (e: EngineEvent): void => {
    if (this.opts.mode === "json") {
      if (this.isOurs(e)) this.opts.write(`${JSON.stringify(e)}\n`);
      if (e.type === "job" && e.job.runId === this.opts.runId) this.track(e.job);
      if (e.type === "run" && e.run.id === this.opts.runId) this.run = e.run;
      return;
    }
    if (e.type === "job" && e.job.runId === this.opts.runId) {
      const before = this.states.get(e.job.id);
      this.track(e.job);
      if (this.opts.mode === "lines" && before !== e.job.state && !notStartedYet(e.job)) this.buffered.push(this.describe(e.job));
    } else if (e.type === "run" && e.run.id === this.opts.runId) this.run = e.run;
    else if (e.type === "overrun") this.buffered.push(this.c.yellow(`#${e.jobId} passed its expected ${e.what} (${e.limit})`));
    else if (e.type === "notice" && e.level !== "info") this.buffered.push(`${e.level}: ${e.message}`);
    this.schedule();
  };

  get total(): number {
    return this.states.size;
  }

  count(state: JobState): number {
    return this.counts[state];
  }

  /** Writes what is pending and clears the live line; call before printing anything else. */
  stop(): void {
    clearInterval(this.ticker);
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.flush(false);
  }

  /** Writes the event lines waiting and takes the live line off the screen, so other text can follow; the line is drawn again shortly after. */
  makeRoom(): void {
    if (this.opts.mode === "json" || (!this.lineShown && !this.buffered.length)) return;
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.flush(false);
    if (this.opts.mode === "tty") this.schedule();
  }

  /** The one-line state of the run: done/total, running, failed, elapsed, ETA. */
  statusLine(): string {
    const c = this.counts;
    const done = c.success + c.skipped + c.errored + c.blocked + c.cancelled;
    const failed = c.errored + c.blocked + c.cancelled;
    const elapsed = this.now() - this.startedAt;
    const finished = c.success + c.skipped + c.errored;
    const left = c.pending + c.running;
    const eta = finished > 0 && left > 0 ? ` eta ${formatDuration((elapsed / finished) * left)}` : "";
    const parts = [
      `${done}/${this.total} done`,
      `${c.running} running`,
      failed ? this.c.red(`${failed} failed`) : "0 failed",
      `${formatDuration(elapsed)}${eta}`,
    ];
    return parts.join(" · ");
  }

  private isOurs(e: EngineEvent): boolean {
    if (e.type === "job") return e.job.runId === this.opts.runId;
    if (e.type === "run") return e.run.id === this.opts.runId;
    if (e.type === "overrun") return this.states.has(e.jobId);
    return e.type === "notice";
  }

  private track(job: JobRecord): void {
    const before = this.states.get(job.id);
    if (before) this.counts[before]--;
    this.states.set(job.id, job.state);
    this.counts[job.state]++;
  }

  private describe(job: JobRecord): string {
    const colour: Partial<Record<JobState, (s: string) => string>> = {
      success: this.c.green, errored: this.c.red, blocked: this.c.yellow, cancelled: this.c.yellow, running: this.c.cyan,
    };
    const paint = colour[job.state] ?? ((s: string) => s);
    let tail = "";
    if (job.state === "running" && job.attempts.length > 1) tail = ` (attempt ${job.attempts.length})`;
    else if (job.state !== "running" && job.state !== "success" && job.reason) tail = ` (${job.reason})`;
    else if (job.state === "success" && job.startedAt !== undefined && job.endedAt !== undefined)
      tail = ` in ${formatDuration(job.endedAt - job.startedAt)}`;
    return `#${job.id} ${job.name} ${paint(job.state)}${tail}`;
  }

  private schedule(): void {
    if (this.opts.mode === "json") return;
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      this.flush(true);
    }, this.opts.mode === "tty" ? REDRAW_MS : LINES_MS);
  }

  private flush(keepLine: boolean): void {
    let text = "";
    if (this.lineShown) text += "\r\x1b[K";
    if (this.buffered.length) text += `${this.buffered.join("\n")}\n`;
    this.buffered = [];
    this.lineShown = false;
    if (this.opts.mode === "tty" && keepLine) {
      text += this.statusLine();
      this.lineShown = true;
    }
    if (text) this.opts.write(text);
  }
}

/**
 * A job waiting for its first start gets no line of its own: every job of a
 * run is pending at first, and its first line is its start (or its end). A
 * job pending again after an attempt (waiting to retry) does get one.
 */
const notStartedYet = (job: JobRecord): boolean => job.state === "pending" && job.attempts.length === 0;

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 100) / 10;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}
