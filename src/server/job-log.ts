// GET /jobs/:id/log — a job's output, read from its log files (never through
// the engine's memory). `tail=N` keeps the last N lines of each stream;
// `follow=1` keeps the response open and streams new lines until the job ends.
//
// What a request costs is bounded by what it answers, whatever the lines are
// like: files are read in chunks, a line longer than MAX_LINE_BYTES is handed
// out in pieces, and a tail is found by reading backwards at most
// MAX_TAIL_BYTES — a log without a newline is never held whole.
import { open, stat, type FileHandle } from "node:fs/promises";
import { FINAL_STATES, type JobRecord } from "../core/types.js";
import type { LogLine } from "./api-types.js";
import { UserError } from "../core/errors.js";
import { idParam, queryObject, validate, type Route, type RouteContext } from "./routing.js";

const POLL_MS = 150;
const NEWLINE = 0x0a;

/** Bytes read per step: a huge log is streamed in pieces, never held whole. */
const CHUNK_BYTES = 256 * 1024;
/** A longer line is handed out in pieces of this size (`cut` on all but the last). */
export const MAX_LINE_BYTES = 1024 * 1024;
/** A tail reads at most this much of a stream's end; where its N lines hold more, it starts mid-line. */
export const MAX_TAIL_BYTES = 8 * 1024 * 1024;

/** A line, or a piece of one that continues in the next piece (`cut`). */
interface Piece {
  text: string;
  cut: boolean;
}

/** Where to cut `buf` at most `max` bytes in: never inside a UTF-8 character. */
function utf8Cut(buf: Buffer, max: number): number {
  let at = max;
  // A continuation byte (10xxxxxx) belongs to the character before it; a character is at most 4 bytes.
  while (at > max - 3 && (buf[at]! & 0xc0) === 0x80) at--;
  return at;
}

/** How many bytes into `head` the first character starts (skipping the tail of one cut before it). */
function characterStart(head: Buffer): number {
  let at = 0;
  while (at < 3 && at < head.length && (head[at]! & 0xc0) === 0x80) at++;
  return at;
}

/** Hands out `line` as pieces of at most MAX_LINE_BYTES; `ends` says whether its last piece ends the line. */
function pushPieces(pieces: Piece[], line: Buffer, ends: boolean): Buffer {
  let rest = line;
  // Never cuts at the very end: a cut piece is always followed by one more (the line's last).
  while (rest.length > MAX_LINE_BYTES) {
    const at = utf8Cut(rest, MAX_LINE_BYTES);
    pieces.push({ text: rest.subarray(0, at).toString("utf8"), cut: true });
    rest = rest.subarray(at);
  }
  if (ends) pieces.push({ text: rest.toString("utf8"), cut: false });
  return rest;
}

/** Reads one log file incrementally, handing out complete lines and keeping a partial one back. */
class LogCursor {
  private offset = 0;
  private partial: Buffer = Buffer.alloc(0);
  constructor(
    readonly file: string,
    readonly stream: LogLine["stream"],
  ) {}

  /**
   * Moves to the start of the last `n` lines, reading backwards from the end
   * only as far as needed and never more than MAX_TAIL_BYTES; returns the end
   * it measured. A trailing partial line counts as a line only when `flush`
   * (nothing more will be read).
   */
  async seekTail(n: number, flush: boolean): Promise<number> {
    const size = await fileSize(this.file);
    this.partial = Buffer.alloc(0);
    this.offset = size;
    if (size === 0) return size;
    const fh = await open(this.file, "r");
    try {
      const last = await readAt(fh, size - 1, 1);
      // The newline before the first of the N lines: one more than N when the last line has its own.
      let newlines = n + (flush && last[0] !== NEWLINE ? 0 : 1);
      if (newlines === 0) return size;
      const floor = Math.max(0, size - MAX_TAIL_BYTES);
      for (let end = size; end > floor; ) {
        const from = Math.max(floor, end - CHUNK_BYTES);
        const buf = await readAt(fh, from, end - from);
        for (let i = buf.length - 1; i >= 0; i--) {
          if (buf[i] === NEWLINE && --newlines === 0) {
            this.offset = from + i + 1;
            return size;
          }
        }
        end = from;
      }
      // Fewer lines than asked for, or more bytes than a tail may read: start at the floor, on a character.
      this.offset = floor === 0 ? 0 : floor + characterStart(await readAt(fh, floor, 4));
      return size;
    } finally {
      await fh.close();
    }
  }

  /**
   * The next lines (pieces of long ones), from about CHUNK_BYTES read; `more`
   * says there is already more to read, up to `end` if given. `flush` also
   * hands out a trailing partial line once the end is reached.
   */
  async readNew(flush = false, end = Infinity): Promise<{ pieces: Piece[]; more: boolean }> {
    const size = await fileSize(this.file);
    if (size < this.offset) {
      // Truncated (a new attempt rewrote it): start again from the top.
      this.offset = 0;
      this.partial = Buffer.alloc(0);
    }
    const stop = Math.min(size, end);
    let data = this.partial;
    if (stop > this.offset) {
      const fh = await open(this.file, "r");
      try {
        const buf = await readAt(fh, this.offset, Math.min(CHUNK_BYTES, stop - this.offset));
        this.offset += buf.length;
        data = data.length === 0 ? buf : Buffer.concat([data, buf]);
      } finally {
        await fh.close();
      }
    }
    const more = stop > this.offset;
    const pieces: Piece[] = [];
    let start = 0;
    for (let i = data.indexOf(NEWLINE); i !== -1; i = data.indexOf(NEWLINE, start)) {
      pushPieces(pieces, data.subarray(start, i), true);
      start = i + 1;
    }
    // What is kept back stays under MAX_LINE_BYTES: a line without an end is handed out as it grows.
    const rest = pushPieces(pieces, data.subarray(start), flush && !more && data.length > start);
    this.partial = flush && !more ? Buffer.alloc(0) : rest;
    return { pieces, more };
  }
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
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
  if (!job) throw new UserError("not-found", `no such job: #${id}`);
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

  /** Where each stream's text output is mid-line (after a cut piece): no `! ` there. */
  const midLine = new Set<LogLine["stream"]>();
  /** Writes pieces, waiting while the client is behind (a slow reader never makes the server buffer a whole log). */
  const emit = async (stream: LogLine["stream"], pieces: Piece[]) => {
    if (pieces.length === 0 || stopped) return;
    let text = "";
    // Following both streams, the other one may be mid-line: its line is ended here rather than run into this one.
    const other = stream === "out" ? "err" : "out";
    if (!ndjson && midLine.delete(other)) text += "\n";
    for (const p of pieces) {
      if (ndjson) text += JSON.stringify({ stream, line: p.text, ...(p.cut ? { cut: true } : {}) } satisfies LogLine) + "\n";
      else text += (stream === "err" && !midLine.has(stream) ? "! " : "") + p.text + (p.cut ? "" : "\n");
      if (p.cut) midLine.add(stream);
      else midLine.delete(stream);
    }
    if (!res.write(text)) await new Promise<void>((resolve) => {
      res.once("drain", resolve);
      res.once("close", resolve);
    });
  };
  /** Everything new in each stream, up to its current end (or `ends`, per cursor). */
  const drain = async (flush: boolean, ends?: Map<LogCursor, number>) => {
    for (const c of cursors) {
      for (let more = true; more && !stopped; ) {
        const chunk = await c.readNew(flush, ends?.get(c));
        await emit(c.stream, chunk.pieces);
        more = chunk.more;
      }
    }
  };

  try {
    if (q.tail !== undefined) {
      const settledNow = !follow || isSettled(ctx.engine.getJob(id));
      // Without follow, a tail is the last N lines as they were when asked: output written meanwhile is left out.
      const ends = new Map<LogCursor, number>();
      for (const c of cursors) ends.set(c, await c.seekTail(q.tail, settledNow));
      await drain(settledNow, follow ? undefined : ends);
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
