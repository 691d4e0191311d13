// GET /events — every engine event as a server-sent event
// (`event: <type>` + `data: <json>`). Events are written while the client
// keeps up; past a high-water mark they wait in a backlog where a newer job,
// run or settings event replaces an older one of the same thing, and the
// backlog is written out as the client drains. A client that disconnects just
// unsubscribes; one that stops reading altogether is dropped once too many
// events that cannot be replaced (notices, overruns) pile up for it.
import type { EngineEvent } from "../core/types.js";
import { EventBacklog } from "./event-backlog.js";
import type { Route, RouteContext } from "./routing.js";

/** Unsent bytes past which new events wait in the backlog instead of the socket's buffer. */
const HIGH_WATER_BYTES = 1024 * 1024;
/** A client this many unreplaceable events behind has stopped reading: it is dropped. */
const MAX_UNREPLACEABLE = 10_000;
const HEARTBEAT_MS = 15_000;

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
  const write = (event: EngineEvent) => res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  const send = (event: EngineEvent) => {
    if (closed) return;
    if (backlog.size === 0 && roomLeft()) return void write(event);
    backlog.push(event);
    if (backlog.unreplaceable > MAX_UNREPLACEABLE) finish();
  };
  // 'drain' follows every write that went past the socket's own (small) mark, so it comes while a backlog is held.
  const flush = () => {
    for (const event of backlog.take(roomLeft)) write(event);
  };
  res.on("drain", flush);
  const unsubscribe = engine.subscribe(send);
  const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
  heartbeat.unref();
  const unregister = ctx.onServerClose(() => finish());
  function finish(): void {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(heartbeat);
    unregister();
    res.end();
  }
  req.on("close", finish);
  res.on("error", finish);
  // Tells the client it is subscribed: anything that happens after this line reaches it.
  res.write(`event: ready\ndata: {}\n\n`);
  return undefined;
}

export const eventRoutes: Route[] = [{ method: "GET", path: "/events", handler: streamEvents }];
