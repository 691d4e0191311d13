// GET /jobs/:id/log — a job's output, read from its log files (never through
// the engine's memory). `tail=N` keeps the last N lines of each stream;
// `follow=1` keeps the response open and streams new lines until the job ends.
import { open, stat } from "node:fs/promises";
import { FINAL_STATES, type JobRecord } from "../core/types.js";
import type { LogLine } from "./api-types.js";
import { HttpError, idParam, queryObject, validate, type Route, type RouteContext } from "./routing.js";

const POLL_MS = 150;
const NEWLINE = 0x0a;

/** Bytes read per step: a huge log is streamed in pieces, never held whole. */
const CHUNK_BYTES = 256 * 1024;

/** Reads one log file incrementally, handing out complete lines and keeping a partial one back. */
class LogCursor {
  private offset = 0;
  private partial: Buffer = Buffer.alloc(0);
  constructor(
    readonly file: string,
    readonly stream: LogLine["stream"],
  ) {}

  /**
   * The last `n` lines (reading backwards from the end, only as far as needed);
   * reading continues after the current end. A trailing partial line counts as
   * a line only when `flush` (nothing more will be read).
   */
  async lastLines(n: number, flush: boolean): Promise<string[]> {
    const size = await fileSize(this.file);
    this.offset = size;
    if (size === 0) return [];
    const fh = await open(this.file, "r");
    const pieces: Buffer[] = [];
    try {
      let newlines = 0;
      for (let end = size; end > 0 && newlines <= n; ) {
        const start = Math.max(0, end - CHUNK_BYTES);
        const buf = Buffer.alloc(end - start);
        await fh.read(buf, 0, buf.length, start);
        pieces.unshift(buf);
        for (const byte of buf) if (byte === NEWLINE) newlines++;
        end = start;
      }
    } finally {
      await fh.close();
    }
    const data = Buffer.concat(pieces);
    const lastNewline = data.lastIndexOf(NEWLINE);
    this.partial = flush ? Buffer.alloc(0) : data.subarray(lastNewline + 1);
    const complete = flush && lastNewline < data.length - 1 ? data : data.subarray(0, lastNewline + 1);
    const lines = complete.toString("utf8").split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    return n === 0 ? [] : lines.slice(-n);
  }

  /**
   * The next complete lines, at most about CHUNK_BYTES of them; `more` says
   * there is already more to read. `flush` also hands out a trailing partial
   * line once the end is reached.
   */
  async readNew(flush = false): Promise<{ lines: string[]; more: boolean }> {
    const size = await fileSize(this.file);
    if (size < this.offset) {
      // Truncated (a new attempt rewrote it): start again from the top.
      this.offset = 0;
      this.partial = Buffer.alloc(0);
    }
    let data = this.partial;
    if (size > this.offset) {
      const fh = await open(this.file, "r");
      try {
        const buf = Buffer.alloc(Math.min(CHUNK_BYTES, size - this.offset));
        const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
        this.offset += bytesRead;
        data = Buffer.concat([this.partial, buf.subarray(0, bytesRead)]);
      } finally {
        await fh.close();
      }
    }
    const more = size > this.offset;
    const lines: string[] = [];
    let start = 0;
    for (let i = data.indexOf(NEWLINE); i !== -1; i = data.indexOf(NEWLINE, start)) {
      lines.push(data.subarray(start, i).toString("utf8"));
      start = i + 1;
    }
    this.partial = data.subarray(start);
    if (flush && !more && this.partial.length > 0) {
      lines.push(this.partial.toString("utf8"));
      this.partial = Buffer.alloc(0);
    }
    return { lines, more };
  }
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0; // not started yet
    throw err;
  }
}

/** A job's output is complete once it can no longer run without a user's action. */
function isSettled(job: JobRecord | undefined): boolean {
  return job === undefined || FINAL_STATES.has(job.state) || job.state === "blocked";
}

async function serveLog(ctx: RouteContext): Promise<undefined> {
  const id = idParam(ctx);
  const job = ctx.engine.getJob(id);
  if (!job) throw new HttpError(404, `no such job: #${id}`);
  const q = await validate("logQuery", queryObject(ctx.query), "query");
  const follow = q.follow === "1" || q.follow === "true";
  const ndjson = q.format === "ndjson";
  const which = q.stream ?? "both";
  const cursors: LogCursor[] = [];
  if (which !== "err") cursors.push(new LogCursor(job.logOut, "out"));
  if (which !== "out") cursors.push(new LogCursor(job.logErr, "err"));

  const { res, req } = ctx;
  res.writeHead(200, {
    "content-type": ndjson ? "application/x-ndjson; charset=utf-8" : "text/plain; charset=utf-8",
    "cache-control": "no-cache",
  });
  let stopped = false;
  const stop = () => {
    stopped = true;
  };
  req.on("close", stop);
  res.on("close", stop);
  const unregister = ctx.onServerClose(stop);

  /** Writes lines, waiting while the client is behind (a slow reader never makes the server buffer a whole log). */
  const emit = async (stream: LogLine["stream"], lines: string[]) => {
    if (lines.length === 0 || stopped) return;
    const text = ndjson
      ? lines.map((line) => JSON.stringify({ stream, line } satisfies LogLine)).join("\n")
      : lines.map((line) => (stream === "err" ? "! " + line : line)).join("\n");
    if (!res.write(text + "\n")) await new Promise<void>((resolve) => {
      res.once("drain", resolve);
      res.once("close", resolve);
    });
  };
  /** Everything new in each stream, up to its current end. */
  const drain = async (flush: boolean) => {
    for (const c of cursors) {
      for (let more = true; more && !stopped; ) {
        const chunk = await c.readNew(flush);
        await emit(c.stream, chunk.lines);
        more = chunk.more;
      }
    }
  };

  try {
    if (q.tail !== undefined) {
      const settledNow = !follow || isSettled(ctx.engine.getJob(id));
      for (const c of cursors) await emit(c.stream, await c.lastLines(q.tail, settledNow));
    } else {
      await drain(!follow);
    }
    // Read the state before the files: output written before the job ended is then always seen.
    for (let settled = !follow || isSettled(ctx.engine.getJob(id)); !stopped; settled = isSettled(ctx.engine.getJob(id))) {
      if (follow) await drain(settled);
      if (settled) break;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    unregister();
    res.end();
  }
  return undefined;
}

export const logRoutes: Route[] = [{ method: "GET", path: "/jobs/:id/log", handler: serveLog }];
