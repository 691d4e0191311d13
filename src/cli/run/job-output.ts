// Job output on the terminal for `pll run` and `pll each`, read back from the
// jobs' log files (never held in memory): `group` writes each job's output
// together when it ends, `tag` writes each line as it comes, prefixed with the
// job's name, `none` writes nothing. With keepOrder, jobs are written in job
// order (`parallel -k`) as each one and every job before it has ended; the run
// never waits for it. A killed, cancelled or timed-out job's output is written
// like any other: it is in its log files. A job's stdout goes to stdout, its
// stderr to stderr.
import { open, stat } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import type { JobRecord } from "../../core/types.js";

export type OutputMode = "group" | "tag" | "none";

export interface OutputSink {
  /** writes text to stdout or stderr; resolves once it may write more (backpressure) */
  write(stream: "out" | "err", text: string | Buffer): Promise<void>;
}

const POLL_MS = 100;
const CHUNK = 64 * 1024;
const ENDED = new Set<JobRecord["state"]>(["success", "errored", "cancelled", "blocked", "skipped"]);

interface Tracked {
  job: JobRecord;
  /** bytes of each log already written (tag mode, live) */
  offset: { out: number; err: number };
  /** a line's start not yet ended by a newline (tag mode) */
  partial: { out: string; err: string };
  /** a character cut by a chunk's end waits for its other bytes (tag mode) */
  decoder: { out: StringDecoder; err: StringDecoder };
  ended: boolean;
  written: boolean;
}

export class JobOutput {
  private readonly jobs = new Map<number, Tracked>();
  /** jobs whose output is written: forgotten but for their number */
  private readonly done = new Set<number>();
  /** job ids in job order, for keepOrder */
  private order: number[] = [];
  private nextInOrder = 0;
  private chain: Promise<void> = Promise.resolve();
  private poller?: NodeJS.Timeout;
  private polling = false;

  constructor(
    private readonly mode: OutputMode,
    private readonly keepOrder: boolean,
    private readonly sink: OutputSink,
  ) {
    if (mode === "tag" && !keepOrder) this.poller = setInterval(() => this.poll(), POLL_MS).unref();
  }

  /** The run's jobs as they are when following starts. */
  init(jobs: JobRecord[]): void {
    this.order = jobs.map((j) => j.id).sort((a, b) => a - b);
    for (const j of jobs) this.update(j);
  }

  update(job: JobRecord): void {
    if (this.mode === "none" || this.done.has(job.id)) return;
    let t = this.jobs.get(job.id);
    // Only jobs that started or ended are tracked: a 100,000-job run's pending jobs cost nothing here.
    if (!t && job.state === "pending" && job.attempts.length === 0) return;
    if (!t) {
      t = { job, offset: { out: 0, err: 0 }, partial: { out: "", err: "" }, decoder: { out: new StringDecoder("utf8"), err: new StringDecoder("utf8") }, ended: false, written: false };
      this.jobs.set(job.id, t);
    }
    t.job = job;
    // A job waiting to retry has not ended: its next attempt appends to the same logs.
    if (!ENDED.has(job.state) || t.ended) return;
    t.ended = true;
    if (this.keepOrder) this.writeReadyInOrder();
    else this.enqueue(() => this.writeRest(t));
  }

  /** Writes whatever is left (jobs not ended yet too: their output so far); resolves when all is written. */
  async finish(): Promise<void> {
    clearInterval(this.poller);
    if (this.mode !== "none") {
      const left = this.keepOrder ? this.order.slice(this.nextInOrder).map((id) => this.jobs.get(id)) : [...this.jobs.values()];
      this.nextInOrder = this.order.length;
      for (const t of left) if (t && !t.written) this.enqueue(() => this.writeRest(t));
    }
    await this.chain;
  }

  private writeReadyInOrder(): void {
    while (this.nextInOrder < this.order.length) {
      const t = this.jobs.get(this.order[this.nextInOrder]!);
      if (!t?.ended) return;
      this.nextInOrder++;
      this.enqueue(() => this.writeRest(t));
    }
  }

  private enqueue(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).catch(() => {});
  }

  /** tag mode: what running jobs wrote since the last poll, whole lines only. */
  private poll(): void {
    if (this.polling) return;
    this.polling = true;
    for (const t of this.jobs.values()) if (!t.ended && t.job.state === "running") this.enqueue(() => this.copy(t, false));
    this.enqueue(async () => {
      this.polling = false;
    });
  }

  private async writeRest(t: Tracked): Promise<void> {
    if (t.written) return;
    t.written = true;
    await this.copy(t, true);
    this.jobs.delete(t.job.id);
    this.done.add(t.job.id);
  }

  /** Copies each log from its offset to its end; `last`: the job is done, end a partial line. */
  private async copy(t: Tracked, last: boolean): Promise<void> {
    for (const stream of ["out", "err"] as const) {
      await this.copyStream(t, stream);
      if (last && this.mode === "tag" && t.partial[stream]) {
        const rest = t.partial[stream];
        t.partial[stream] = "";
        await this.sink.write(stream, `${t.job.name}\t${rest}\n`);
      }
    }
  }

  private async copyStream(t: Tracked, stream: "out" | "err"): Promise<void> {
    const file = stream === "out" ? t.job.logOut : t.job.logErr;
    let fh;
    try {
      // Most jobs of a big run write nothing: one stat, not an open, read and close, for those.
      if ((await stat(file)).size <= t.offset[stream]) return;
      fh = await open(file, "r");
    } catch {
      return; // never started: no log
    }
    try {
      const buf = Buffer.alloc(CHUNK);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, CHUNK, t.offset[stream]);
        if (bytesRead === 0) break;
        t.offset[stream] += bytesRead;
        const chunk = buf.subarray(0, bytesRead);
        if (this.mode === "tag") await this.tagged(t, stream, t.decoder[stream].write(chunk));
        else await this.sink.write(stream, Buffer.from(chunk));
      }
    } finally {
      await fh.close();
    }
  }

  private async tagged(t: Tracked, stream: "out" | "err", text: string): Promise<void> {
    const lines = (t.partial[stream] + text).split("\n");
    t.partial[stream] = lines.pop()!;
    if (lines.length) await this.sink.write(stream, lines.map((l) => `${t.job.name}\t${l}\n`).join(""));
  }
}
