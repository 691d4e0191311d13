// A running job's limits: its `timeout` (which stops it) and its `expect`
// bounds on time and output (which only report an overrun). Armed from the
// job's start time, so an adopted job keeps the deadlines it had.
import { statSync } from "node:fs";
import type { JobRecord } from "../core/types.js";

const OUTPUT_CHECK_MS = 1_000;

export interface LimitEvents {
  timedOut(jobId: number, detail: string): void;
  overrun(jobId: number, what: "time" | "output", limit: number): void;
}

export class JobLimits {
  private readonly timers = new Map<number, NodeJS.Timeout[]>();
  /** jobs whose output is measured, until they pass their bound or end */
  private readonly outputWatched = new Map<number, JobRecord>();
  private outputPoll?: NodeJS.Timeout;

  constructor(
    private readonly events: LimitEvents,
    private readonly now: () => number,
  ) {}

  arm(job: JobRecord, startedAt: number): void {
    const timers: NodeJS.Timeout[] = [];
    const after = (ms: number, fn: () => void) => timers.push(setTimeout(fn, Math.max(0, startedAt + ms - this.now())));
    if (job.timeoutMs !== undefined) {
      const ms = job.timeoutMs;
      after(ms, () => this.events.timedOut(job.id, `timeout ${formatMs(ms)}`));
    }
    const timeMs = job.expect?.timeMs;
    if (timeMs !== undefined) after(timeMs, () => this.events.overrun(job.id, "time", timeMs));
    if (timers.length) this.timers.set(job.id, timers);
    if (job.expect?.outputBytes !== undefined) {
      this.outputWatched.set(job.id, job);
      this.outputPoll ??= setInterval(() => this.checkOutput(), OUTPUT_CHECK_MS);
    }
  }

  clear(jobId: number): void {
    const timers = this.timers.get(jobId);
    if (timers) for (const t of timers) clearTimeout(t);
    this.timers.delete(jobId);
    if (this.outputWatched.delete(jobId) && !this.outputWatched.size) this.stopOutputPoll();
  }

  clearAll(): void {
    for (const id of [...this.timers.keys()]) this.clear(id);
    this.outputWatched.clear();
    this.stopOutputPoll();
  }

  private checkOutput(): void {
    for (const job of this.outputWatched.values()) {
      const limit = job.expect!.outputBytes!;
      if (sizeOf(job.logOut) + sizeOf(job.logErr) > limit) {
        this.outputWatched.delete(job.id);
        this.events.overrun(job.id, "output", limit);
      }
    }
    if (!this.outputWatched.size) this.stopOutputPoll();
  }

  private stopOutputPoll(): void {
    clearInterval(this.outputPoll);
    this.outputPoll = undefined;
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

export function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
