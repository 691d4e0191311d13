// The control API server: plain HTTP/JSON on the unix socket (mode 0600, in a
// 0700 directory), optionally also on TCP behind a bearer token. Every request
// is routed, validated and answered here; a bad request is a JSON error with a
// 4xx status and never reaches — or hurts — the engine.
import { chmod, stat, unlink } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type net from "node:net";
import path from "node:path";
import { socketAnswers } from "../client/socket-probe.js";
import { StoreError } from "../store/store-error.js";
import { makeDirs } from "../home.js";
import type { EngineControl } from "../core/types.js";
import { bearerMatches } from "./auth.js";
import { eventRoutes } from "./events.js";
import { logRoutes } from "./job-log.js";
import { jobRoutes } from "./routes-jobs.js";
import { runRoutes } from "./routes-runs.js";
import { settingsRoutes } from "./routes-settings.js";
import { pruneRoutes } from "./routes-prune.js";
import { UserError, type ErrorKind } from "../core/errors.js";
import { matchPath, readJsonBody, type Route, type RouteContext } from "./routing.js";

const routes: Route[] = [...jobRoutes, ...logRoutes, ...runRoutes, ...settingsRoutes, ...pruneRoutes, ...eventRoutes];
// GET / — what a curl user finds first: every route, and where they are explained.
routes.push({ method: "GET", path: "/", handler: () => ({ body: { docs: "docs/api.md", routes: routes.map((r) => `${r.method} ${r.path}`) } }) });

export interface ApiServerOptions {
  socketPath: string;
  /** the home reported by /health; default the socket's directory */
  home?: string;
  /** also serve TCP here; requires `token` */
  listen?: { host: string; port: number };
  token?: string;
  /** what POST /shutdown does; without it the route answers 404 */
  shutdown?: () => void;
}

export interface ApiServer {
  /** the TCP port actually bound (useful with port 0) */
  tcpPort?: number;
  close(): Promise<void>;
}

export async function startApiServer(engine: EngineControl, opts: ApiServerOptions): Promise<ApiServer> {
  if (opts.listen && !opts.token) throw new Error("refusing to listen on TCP without a token");
  const cleanups = new Set<() => void>();
  const base = {
    engine,
    home: opts.home ?? path.dirname(opts.socketPath),
    ...(opts.shutdown ? { shutdown: opts.shutdown } : {}),
    onServerClose(cleanup: () => void) {
      cleanups.add(cleanup);
      return () => void cleanups.delete(cleanup);
    },
  };

  await prepareSocketPath(opts.socketPath);
  const unixServer = createServer((req, res) => void handle(base, req, res));
  await listen(unixServer, () => unixServer.listen(opts.socketPath));
  await chmod(opts.socketPath, 0o600);

  let tcpServer: Server | undefined;
  let tcpPort: number | undefined;
  if (opts.listen) {
    const token = opts.token!;
    const tcp = createServer((req, res) => void handle(base, req, res, token));
    const { host, port } = opts.listen;
    try {
      await listen(tcp, () => tcp.listen(port, host));
    } catch (err) {
      await closeServer(unixServer);
      await unlink(opts.socketPath).catch(() => {});
      throw err;
    }
    tcpServer = tcp;
    tcpPort = (tcp.address() as net.AddressInfo).port;
  }

  let closing: Promise<void> | undefined;
  return {
    ...(tcpPort !== undefined ? { tcpPort } : {}),
    close() {
      closing ??= (async () => {
        for (const cleanup of [...cleanups]) cleanup();
        await Promise.all([closeServer(unixServer), tcpServer ? closeServer(tcpServer) : undefined]);
        await unlink(opts.socketPath).catch(() => {});
      })();
      return closing;
    },
  };
}

type Base = Omit<RouteContext, "req" | "res" | "params" | "query" | "body">;

async function handle(base: Base, req: IncomingMessage, res: ServerResponse, token?: string): Promise<void> {
  // A client that went away mid-answer is not the server's problem: writes to it are dropped.
  res.on("error", () => {});
  try {
    if (token !== undefined && !bearerMatches(req.headers.authorization, token)) {
      res.setHeader("www-authenticate", "Bearer");
      throw new UserError("unauthorized", "missing or wrong bearer token (Authorization: Bearer <token from $PLL_HOME/token>)");
    }
    const url = new URL(req.url ?? "/", "http://pll");
    const segments = url.pathname.split("/").filter(Boolean);
    const allowed: string[] = [];
    for (const route of routes) {
      const params = matchPath(route.path, segments);
      if (!params) continue;
      if (route.method !== req.method) {
        allowed.push(route.method);
        continue;
      }
      const ctx: RouteContext = { ...base, req, res, params, query: url.searchParams, body: () => readJsonBody(req, route.maxBodyBytes) };
      const reply = await route.handler(ctx);
      if (reply) sendJson(res, reply.status ?? 200, reply.body);
      return;
    }
    if (allowed.length > 0) {
      res.setHeader("allow", [...new Set(allowed)].join(", "));
      throw new UserError("method-not-allowed", `${req.method} is not allowed on ${url.pathname} (allowed: ${[...new Set(allowed)].join(", ")})`);
    }
    throw new UserError("not-found", `no such route: ${req.method} ${url.pathname}`);
  } catch (err) {
    try {
      sendError(req, res, err);
    } catch {
      res.destroy(); // could not even answer: drop the connection, keep serving
    }
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The HTTP status of each kind of UserError — the one place it is decided. A wrong
 * state is 409 as docs/api.md says; a full disk is 507 Insufficient Storage.
 */
const STATUS_OF = {
  usage: 400,
  unauthorized: 401,
  "not-found": 404,
  "method-not-allowed": 405,
  conflict: 409,
  locked: 409,
  "too-large": 413,
  internal: 500,
  unavailable: 503,
  "store-damaged": 503,
  "store-unwritable": 503,
  "store-full": 507,
  // Client-side kinds, never thrown in the server.
  unreachable: 500,
  failed: 500,
} as const satisfies Record<ErrorKind, number>;

/** A UserError keeps its kind (as its status, and in the body); anything else is a logged 500. */
function sendError(req: IncomingMessage, res: ServerResponse, err: unknown): void {
  let kind: ErrorKind = "internal";
  let message: string;
  if (err instanceof UserError) {
    ({ kind, message } = err);
    // Not a bug, but the server's owner must act too (free space, repair the store): one line in its log.
    if (err instanceof StoreError) process.stderr.write(`pll server: ${req.method} ${req.url}: ${err.message}\n`);
  } else {
    process.stderr.write(`pll server: internal error on ${req.method} ${req.url}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    message = `internal error: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, STATUS_OF[kind], { error: message, kind });
}

function listen(server: Server, start: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.once("listening", () => {
      server.off("error", reject);
      resolve();
    });
    start();
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * Makes the socket's directory private (0700) and removes a stale socket left by
 * a server that died; a socket that still answers belongs to a live server.
 */
async function prepareSocketPath(socketPath: string): Promise<void> {
  const dir = path.dirname(socketPath);
  await makeDirs(dir);
  if (((await stat(dir)).mode & 0o077) !== 0) await chmod(dir, 0o700);
  if (await socketAnswers(socketPath)) throw new Error(`a pll server is already listening on ${socketPath}`);
  await unlink(socketPath).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "ENOENT") throw err;
  });
}
