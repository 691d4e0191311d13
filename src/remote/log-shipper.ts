// Ships one job's log files from a worker's disk to the server while it
// runs (issue 15), in chunks of at most LOG_CHUNK bytes, through the reports
// queue. Redis memory stays bounded whatever the job prints: a chunk is sent
// only while the bytes sent minus the bytes the server says it has written
// (the job's ack hash) stay under LOG_WINDOW per stream; beyond that the
// output waits on the worker's disk, where the spawner writes it anyway.
import { closeSync, openSync, readSync } from "node:fs";
import type { Redis } from "ioredis";
import { ackKey, LOG_CHUNK, LOG_WINDOW, type Report } from "./protocol.js";

const POLL_MS = 100;

type Stream = "out" | "err";

export class LogShipper {
  private readonly sent: Record<Stream, number> = { out: 0, err: 0 };
  private timer?: NodeJS.Timeout;
  private busy?: Promise<void>;

  constructor(
    private readonly files: Record<Stream, string>,
    private readonly ids: { jobId: number; attempt: number; prefix: string; worker: string },
    private readonly redis: Redis,
    private readonly send: (report: Report) => Promise<unknown>,
  ) {
    this.timer = setInterval(() => void this.pass(false), POLL_MS);
  }

  /** Ships what is left (waiting for the server as the window requires); resolves when all of it is in Redis. */
  async finish(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.busy;
    await this.pass(true);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private pass(all: boolean): Promise<void> {
    if (this.busy) return this.busy;
    this.busy = this.ship(all).finally(() => (this.busy = undefined));
    return this.busy;
  }

  private async ship(all: boolean): Promise<void> {
    const key = ackKey(this.ids.prefix, this.ids.jobId, this.ids.attempt);
    for (const stream of ["out", "err"] as const) {
      for (;;) {
        const chunk = readFrom(this.files[stream], this.sent[stream]);
        if (!chunk) break;
        let acked = await this.acked(key, stream);
        while (this.sent[stream] + chunk.length - acked > LOG_WINDOW) {
          if (!all) return; // the next pass tries again
          await new Promise((r) => setTimeout(r, POLL_MS / 4));
          acked = await this.acked(key, stream);
        }
        await this.send({ type: "log", jobId: this.ids.jobId, attempt: this.ids.attempt, worker: this.ids.worker, stream, offset: this.sent[stream], data: chunk.toString("base64") });
        this.sent[stream] += chunk.length;
      }
    }
  }

  /**
   * What the server wrote of the stream. The ack hash is made (at 0) before the job starts: a missing
   * one means Redis lost its data (restarted without persistence), and the chunks in it with it — so
   * they are not waited for (the server's log has a gap there).
   */
  private async acked(key: string, stream: Stream): Promise<number> {
    const value = await this.redis.hget(key, stream);
    if (value !== null) return Number(value);
    await this.redis.hset(key, stream, this.sent[stream]);
    return this.sent[stream];
  }

  /** Makes the job's ack hash, before it starts. */
  static async begin(redis: Redis, ids: { jobId: number; attempt: number; prefix: string }): Promise<void> {
    await redis.hset(ackKey(ids.prefix, ids.jobId, ids.attempt), "out", 0, "err", 0);
  }
}

function readFrom(file: string, offset: number): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.allocUnsafe(LOG_CHUNK);
    const n = readSync(fd, buf, 0, LOG_CHUNK, offset);
    return n > 0 ? buf.subarray(0, n) : undefined;
  } finally {
    closeSync(fd);
  }
}
