// GET /events — every engine event as a server-sent event
// (`event: <type>` + `data: <json>`). A client that stops reading is dropped
// rather than buffered without bound; one that disconnects just unsubscribes.
import type { EngineEvent } from "../core/types.js";
import type { Route, RouteContext } from "./routing.js";

/** Past this much unsent data a stream is considered stalled and closed. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
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
  const send = (event: EngineEvent) => {
    if (closed) return;
    if (res.writableLength > MAX_BUFFERED_BYTES) return finish();
    res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  };
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
