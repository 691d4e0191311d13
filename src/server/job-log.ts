// GET /jobs/:id/log — a job's output, read from its log files (never through
// the engine's memory). `tail=N` keeps the last N lines of each stream;
// `follow=1` keeps the response open and streams new lines until the job ends.
import { open, stat } from "node:fs/promises";
import { FINAL_STATES, type JobRecord } from "../core/types.js";
import { logQuery, type LogLine } from "./api-schema.js";
import { HttpError, idParam, queryObject, validate, type Route, type RouteContext } from "./routing.js";

const POLL_MS = 150;
const NEWLINE = 0x0a;

/** Reads one log file incrementally, handing out complete lines and keeping a partial one back. */
class LogCursor {
  private offset = 0;
  private partial: Buffer = Buffer.alloc(0);
  constructor(
    readonly file: string,
    readonly stream: LogLine["stream"],
  ) {}

  /** Skips to the last `n` lines: returns them and continues after the current end. */
  async lastLines(n: number): Promise<string[]> {
    const all = await this.readNew();
    return n === 0 ? [] : all.slice(-n);
  }

  /** New complete lines since the last call (`flush` also hands out a trailing partial line). */
  async readNew(flush = false): Promise<string[]> {
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
        const buf = Buffer.alloc(size - this.offset);
        const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
        this.offset += bytesRead;
        data = Buffer.concat([this.partial, buf.subarray(0, bytesRead)]);
      } finally {
        await fh.close();
      }
    }
    const lines: string[] = [];
    let start = 0;
    for (let i = data.indexOf(NEWLINE); i !== -1; i = data.indexOf(NEWLINE, start)) {
      lines.push(data.subarray(start, i).toString("utf8"));
      start = i + 1;
    }
    this.partial = data.subarray(start);
    if (flush && this.partial.length > 0) {
      lines.push(this.partial.toString("utf8"));
      this.partial = Buffer.alloc(0);
    }
    return lines;
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
  const q = validate(logQuery, queryObject(ctx.query), "query");
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
  const emit = (stream: LogLine["stream"], lines: string[]) => {
    if (lines.length === 0) return;
    const text = ndjson
      ? lines.map((line) => JSON.stringify({ stream, line } satisfies LogLine)).join("\n")
      : lines.map((line) => (stream === "err" ? "! " + line : line)).join("\n");
    res.write(text + "\n");
  };

  for (const c of cursors) emit(c.stream, q.tail !== undefined ? await c.lastLines(q.tail) : await c.readNew(!follow));
  if (!follow || isSettled(ctx.engine.getJob(id))) {
    if (follow) for (const c of cursors) emit(c.stream, await c.readNew(true));
    res.end();
    return undefined;
  }

  let stopped = false;
  const stop = () => {
    stopped = true;
  };
  req.on("close", stop);
  const unregister = ctx.onServerClose(stop);
  try {
    while (!stopped) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      // Read the state before the files: output written before the job ended is then always seen.
      const settled = isSettled(ctx.engine.getJob(id));
      for (const c of cursors) emit(c.stream, await c.readNew(settled));
      if (settled) break;
    }
  } finally {
    unregister();
    res.end();
  }
  return undefined;
}

export const logRoutes: Route[] = [{ method: "GET", path: "/jobs/:id/log", handler: serveLog }];
