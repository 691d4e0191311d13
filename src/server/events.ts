// GET /events — every engine event as a server-sent event
// (`event: <type>` + `data: <json>`). Events are written while the client
// keeps up; past a high-water mark they wait in a backlog where a newer job,
// run or settings event replaces an older one of the same thing, and the
// backlog is written out as the client drains. A client that disconnects just
// unsubscribes. One that has stopped reading is dropped — when it has taken
// nothing of what waits for it for STALL_MS, or when too many events that
// cannot be replaced (notices, overruns) pile up for it — with a last comment
// saying why and a line in the server's log: what a client holds in the
// server is bounded by HIGH_WATER_BYTES plus one record per job, and not for long.
//
// Each event's `id:` is its number in the server's event log; a client that
// sends `Last-Event-ID` first gets the events it missed, then `ready` saying
// whether that was all of them (docs/api.md, "Events").
import type { IncomingMessage } from "node:http";
import { EventBacklog } from "./event-backlog.js";
import { eventLog, type NumberedEvent } from "./event-log.js";
import type { Route, RouteContext } from "./routing.js";

/** Unsent bytes past which new events wait in the backlog instead of the socket's buffer. */
const HIGH_WATER_BYTES = 1024 * 1024;
/** A client this many unreplaceable events behind has stopped reading: it is dropped. */
const MAX_UNREPLACEABLE = 10_000;
const HEARTBEAT_MS = 15_000;
/** A client that takes nothing of what waits for it for this long is dropped ($PLL_EVENT_STALL_MS; tests shorten it). */
const DEFAULT_STALL_MS = 60_000;
/** After the last comment, how long a dropped client has to read it before its connection is cut. */
const GOODBYE_MS = 2_000;

/** Each event is serialised once, however many clients it goes to: their buffers share the text. */
function frameOf(e: NumberedEvent): string {
  return (e.frame ??= `id: ${e.seq}\nevent: ${e.event.type}\ndata: ${JSON.stringify(e.event)}\n\n`);
}

/** The number of the last event a reconnecting client has (the SSE `Last-Event-ID` header), if it sent one. */
function lastEventId(req: IncomingMessage): number | undefined {
  const header = req.headers["last-event-id"];
  if (typeof header !== "string" || header.trim() === "") return undefined;
  // Not a number of ours: nothing can be replayed from it (since() says so), and the client re-snapshots.
  return /^\d+$/.test(header.trim()) ? Number(header.trim()) : -1;
}

function stallMs(): number {
  const ms = Number(process.env.PLL_EVENT_STALL_MS);
  return Number.isFinite(ms) && ms > 0 ? ms : DEFAULT_STALL_MS;
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function streamEvents(ctx: RouteContext): undefined {
  const { req, res, engine } = ctx;
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  let closed = false;
  const backlog = new EventBacklog();
  const roomLeft = () => !closed && res.writableLength < HIGH_WATER_BYTES;
  const write = (event: NumberedEvent) => res.write(frameOf(event));
  const send = (event: NumberedEvent) => {
    if (closed) return;
    if (backlog.size === 0 && roomLeft()) return void write(event);
    backlog.push(event);
    if (backlog.unreplaceable > MAX_UNREPLACEABLE) drop(`${MAX_UNREPLACEABLE} events that no newer one replaces are waiting for it`);
  };
  // 'drain' follows every write that went past the socket's own (small) mark, so it comes while a backlog is held.
  let drained = false;
  const flush = () => {
    drained = true;
    for (const event of backlog.take(roomLeft)) write(event);
  };
  res.on("drain", flush);
  const log = eventLog(engine);
  const unsubscribe = log.subscribe(send);
  const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
  heartbeat.unref();

  // Has it taken anything since the last look? Its buffer emptied ('drain'), is empty, or shrank.
  const stall = stallMs();
  let lastLength = 0;
  let stalledSince: number | undefined;
  const watchdog = setInterval(() => {
    const length = res.writableLength;
    if (drained || length === 0 || length < lastLength) stalledSince = undefined;
    else stalledSince ??= Date.now();
    drained = false;
    lastLength = length;
    if (stalledSince !== undefined && Date.now() - stalledSince >= stall) {
      drop(`it has taken nothing for ${Math.round(stall / 1000)} s while ${megabytes(length)} waited for it`);
    }
  }, Math.max(100, Math.floor(stall / 4)));
  watchdog.unref();

  const unregister = ctx.onServerClose(() => finish());
  function finish(goodbye?: string): void {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(heartbeat);
    clearInterval(watchdog);
    unregister();
    res.end(goodbye);
  }
  /** Ends a client that is not reading: the reason goes last in its stream and to the server's log; its buffer is let go. */
  function drop(reason: string): void {
    if (closed) return;
    process.stderr.write(`pll server: dropped an event-stream client: ${reason}\n`);
    finish(`: dropped: ${reason}\n\n`);
    // It may never read that far: its connection and what is buffered for it go after a moment either way.
    const cut = setTimeout(() => res.destroy(), GOODBYE_MS);
    cut.unref();
    res.once("finish", () => clearTimeout(cut));
    res.once("close", () => clearTimeout(cut));
  }
  req.on("close", () => finish());
  res.on("error", () => finish());
  // Subscribed and replayed in one go: nothing falls between what it missed and what comes next.
  // (A replay past the high-water mark waits in the backlog and goes on after `ready`, still in order.)
  const after = lastEventId(req);
  const missed = after === undefined ? undefined : log.since(after);
  for (const event of missed ?? []) send(event);
  // Tells the client it is subscribed (anything after `seq` reaches it) and, when it asked, whether it got all it missed.
  const ready = { seq: log.seq, ...(after === undefined ? {} : { resumed: missed !== undefined }) };
  res.write(`event: ready\ndata: ${JSON.stringify(ready)}\n\n`);
  return undefined;
}

export const eventRoutes: Route[] = [{ method: "GET", path: "/events", handler: streamEvents }];
