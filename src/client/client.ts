// Talks to a pll server over its unix socket: JSON requests, the event stream,
// streamed log lines. `connect` finds the server of a home and starts one in
// the background when none answers (and says so).
import http from "node:http";
import type { EngineEvent } from "../core/types.js";
import { homePaths } from "../home.js";
import { checkHome } from "../home-check.js";
import { startBackgroundServer, socketAnswers } from "./autostart.js";
import { ApiError, ServerUnreachable } from "./errors.js";
import { parseSse } from "./sse.js";
import { tcpServerFromEnv, type TcpServer } from "./server-address.js";

export { ApiError, ServerUnreachable };

export interface ConnectOptions {
  home: string;
  /** start a background server when none answers (default false) */
  autostart?: boolean;
  /** do not announce an autostarted server on stderr */
  quiet?: boolean;
}

/**
 * The server of a home — or the TCP server PLL_SERVER names (./server-address.ts).
 * Refuses (HomeError) a home someone else could change: its socket may not be your server's.
 */
export async function connect(opts: ConnectOptions): Promise<Client> {
  const { socket } = homePaths(opts.home);
  const exists = checkHome(opts.home);
  // PLL_SERVER names a TCP server: never started from here; its first answer (or none) says the rest.
  const tcp = tcpServerFromEnv(opts.home);
  if (tcp) return new Client(tcp);
  if (!exists || !(await socketAnswers(socket))) {
    if (!opts.autostart) throw new ServerUnreachable(`no pll server is running for ${opts.home} (start one with \`pll start\`)`);
    const { pid } = await startBackgroundServer(opts.home);
    if (!opts.quiet && pid !== undefined) process.stderr.write(`pll: started a background server for ${opts.home} (pid ${pid}; \`pll stop\` stops it)\n`);
  }
  return new Client(socket);
}

/** Like `connect` without autostart, but null when no server is running (for `pll start`, `pll stop`). */
export async function connectIfRunning(home: string): Promise<Client | null> {
  const { socket } = homePaths(home);
  if (!checkHome(home)) return null;
  return (await socketAnswers(socket)) ? new Client(socket) : null;
}

/** What the server says once a stream is subscribed (its `ready` event). */
export interface StreamReady {
  /** the number of the last event before the subscription: every later one arrives (absent from servers before event numbers) */
  seq?: number;
  /** asked to resume (`lastEventId`): true when every event missed came before `ready`, false when the client must take a new snapshot */
  resumed?: boolean;
}

export interface EventStreamOptions {
  /** resume after this event (sent as `Last-Event-ID`): the server first sends what came after it, or says it cannot */
  lastEventId?: number;
  /** told of `ready` before any event after it (`ready` itself resolves a moment later) */
  onReady?: (info: StreamReady) => void;
}

export interface EventStream {
  close(): void;
  /** resolves once the server has subscribed this stream: later changes all arrive */
  ready: Promise<StreamReady>;
  /** resolves when the stream ends (server stopped, or `close()`); rejects on a connection error */
  done: Promise<void>;
}

/** How long a request may go without a byte from the server: 30 s, or `$PLL_TIMEOUT` seconds. */
export function requestTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.PLL_TIMEOUT);
  return env.PLL_TIMEOUT !== undefined && env.PLL_TIMEOUT !== "" && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 30_000;
}

/** Submits compile a whole file in the server before answering: they may take this many times longer. */
const SLOW_FACTOR = 10;

export interface RequestOptions {
  /** a request the server may take long over (a big `.pll` to compile) */
  slow?: boolean;
}

export class Client {
  private readonly agent = new http.Agent({ keepAlive: true });
  private readonly streams = new Set<http.ClientRequest>();
  /** what each request is sent to: the socket, or host and port */
  private readonly where: { socketPath: string } | { host: string; port: number };
  /** the bearer token's header over TCP */
  private readonly auth: Record<string, string>;
  /** a TCP server (PLL_SERVER), which may not share this host's files: send text, not paths */
  readonly tcp: TcpServer | undefined;
  /** what messages name the server by: the socket's path, or HOST:PORT */
  readonly address: string;

  constructor(
    /** the home's socket, or a TCP server (src/client/server-address.ts) */
    server: string | TcpServer,
    /** a request silent this long fails with ServerUnreachable (exit 3); streams only until they start */
    readonly timeoutMs = requestTimeoutMs(),
  ) {
    this.tcp = typeof server === "string" ? undefined : server;
    this.where = typeof server === "string" ? { socketPath: server } : { host: server.host, port: server.port };
    this.auth = typeof server === "string" ? {} : { authorization: `Bearer ${server.token}` };
    this.address = typeof server === "string" ? server : `${server.host.includes(":") ? `[${server.host}]` : server.host}:${server.port}`;
  }

  /** An answer's error: over TCP a 401 says whose token was refused, in one line. */
  private refused(status: number, body: unknown): ApiError {
    if (status === 401 && this.tcp)
      return new ApiError(401, `the pll server at ${this.address} refused the token from ${this.tcp.tokenFrom} (PLL_SERVER): use the token it was started with`, "unauthorized");
    return ApiError.fromBody(status, body);
  }

  /** One JSON request; throws ApiError on a 4xx/5xx answer and ServerUnreachable when the socket is gone or the server does not answer. */
  request<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    return this.send<T>(method, path, body === undefined ? undefined : JSON.stringify(body), true, opts.slow ? this.timeoutMs * SLOW_FACTOR : this.timeoutMs);
  }

  /** A hung server (stopped, wedged) must not hang the CLI: a request silent for `ms` is given up. */
  private guard(req: http.ClientRequest, ms: number, what: string): void {
    req.setTimeout(ms, () => req.destroy(new ServerUnreachable(`the pll server did not answer ${what} within ${formatSeconds(ms)} (${this.address})`)));
  }

  private send<T>(method: string, path: string, payload: string | undefined, mayRetry: boolean, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const req = http.request(
        {
          ...this.where,
          agent: this.agent,
          method,
          path,
          headers: { ...this.auth, ...(payload === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", (err) => reject(this.unreachable(err)));
          // Cut off mid-answer (its timeout, or the server gone): no 'end' comes.
          res.on("close", () => res.complete || reject(new ServerUnreachable(`the pll server stopped answering ${method} ${path.split("?")[0]}`)));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: unknown;
            try {
              parsed = text === "" ? {} : JSON.parse(text);
            } catch {
              return reject(new ApiError(res.statusCode ?? 500, `the server sent something that is not JSON: ${text.slice(0, 200)}`, "internal"));
            }
            const status = res.statusCode ?? 500;
            if (status >= 400) return reject(this.refused(status, parsed));
            resolve(parsed as T);
          });
        },
      );
      req.on("error", (err) => {
        // The server may close an idle kept-alive connection just as we reuse it;
        // then it never saw this request, and sending it again is safe.
        if (mayRetry && req.reusedSocket && (err as NodeJS.ErrnoException).code === "ECONNRESET") {
          return resolve(this.send<T>(method, path, payload, false, timeoutMs));
        }
        reject(this.unreachable(err));
      });
      this.guard(req, timeoutMs, `${method} ${path.split("?")[0]}`);
      req.end(payload);
    });
  }

  /** The server's event stream: every state change, in order, each with its number (`seq`), until `close()`. */
  events(onEvent: (e: EngineEvent, seq: number | undefined) => void, opts: EventStreamOptions = {}): EventStream {
    let markReady!: (info: StreamReady) => void;
    const ready = new Promise<StreamReady>((r) => (markReady = r));
    let req!: http.ClientRequest;
    const headers = { ...this.auth, ...(opts.lastEventId === undefined ? {} : { "last-event-id": String(opts.lastEventId) }) };
    const done = new Promise<void>((resolve, reject) => {
      req = http.get({ ...this.where, path: "/events", agent: false, headers }, (res) => {
        if ((res.statusCode ?? 500) >= 400) {
          res.resume();
          return reject(res.statusCode === 401 ? this.refused(401, undefined) : new ApiError(res.statusCode ?? 500, "the server refused the event stream", undefined));
        }
        const feed = parseSse((type, data, id) => {
          if (type === "ready") {
            req.setTimeout(0); // subscribed: from now on silence only means nothing happens
            const info = readyInfo(data);
            opts.onReady?.(info);
            return markReady(info);
          }
          try {
            onEvent(JSON.parse(data) as EngineEvent, id === undefined || !/^\d+$/.test(id) ? undefined : Number(id));
          } catch (err) {
            // A listener's own bug must not end the stream for everyone else.
            process.stderr.write(`pll: event listener failed: ${(err as Error).message}\n`);
          }
        });
        res.setEncoding("utf8");
        res.on("data", feed);
        res.on("end", resolve);
        res.on("close", resolve);
        res.on("error", (err) => reject(this.unreachable(err)));
      });
      req.on("error", (err) => reject(this.unreachable(err)));
      this.guard(req, this.timeoutMs, "the event stream");
    });
    this.streams.add(req);
    // Nobody may await `done`; a rejection there is reported through `ready` instead.
    done.catch(() => {}).finally(() => this.streams.delete(req));
    return {
      ready: Promise.race([ready, done.then(() => Promise.reject(new ServerUnreachable("the event stream ended before it was ready")))]),
      done,
      close: () => {
        req.destroy();
      },
    };
  }

  /**
   * A streaming GET whose body is one JSON value per line (logs with
   * format=ndjson). Resolves when the server ends the response.
   */
  lines<T>(path: string, onLine: (value: T) => void, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const req = http.get({ ...this.where, path, agent: false, headers: this.auth, ...(signal ? { signal } : {}) }, (res) => {
        req.setTimeout(0); // answered: a followed log may then be quiet for as long as its job is
        const status = res.statusCode ?? 500;
        let buffered = "";
        res.setEncoding("utf8");
        if (status >= 400) {
          res.on("data", (c: string) => (buffered += c));
          res.on("end", () => reject(this.refused(status, safeJson(buffered))));
          return;
        }
        // Only the new chunk is searched for line ends: a long record costs its length once, not once per chunk.
        let pending: string[] = [];
        res.on("data", (chunk: string) => {
          let start = 0;
          for (let nl = chunk.indexOf("\n"); nl !== -1; nl = chunk.indexOf("\n", start)) {
            const part = pending.length > 0 ? pending.join("") + chunk.slice(start, nl) : chunk.slice(start, nl);
            pending = [];
            if (part !== "") onLine(JSON.parse(part) as T);
            start = nl + 1;
          }
          if (start < chunk.length) pending.push(chunk.slice(start));
        });
        res.on("end", () => resolve());
        res.on("error", (err) => reject(this.unreachable(err)));
      });
      this.streams.add(req);
      req.on("close", () => this.streams.delete(req));
      req.on("error", (err) => (signal?.aborted ? resolve() : reject(this.unreachable(err))));
      this.guard(req, this.timeoutMs, path.split("?")[0]!);
    });
  }

  /** A lost connection, said with where the server was looked for over TCP. */
  private unreachable(err: Error): Error {
    const code = (err as NodeJS.ErrnoException).code;
    if (this.tcp && (code === "ECONNREFUSED" || code === "EHOSTUNREACH" || code === "ENOTFOUND" || code === "ETIMEDOUT"))
      return new ServerUnreachable(`no pll server answers at ${this.address} (PLL_SERVER): ${code}`);
    return unreachable(err);
  }

  /** Ends open streams and idle connections. */
  close(): void {
    for (const req of this.streams) req.destroy();
    this.streams.clear();
    this.agent.destroy();
  }
}

function readyInfo(data: string): StreamReady {
  const info = safeJson(data) as StreamReady | undefined;
  return {
    ...(typeof info?.seq === "number" ? { seq: info.seq } : {}),
    ...(typeof info?.resumed === "boolean" ? { resumed: info.resumed } : {}),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const safeError = (text: string): string | undefined => (safeJson(text) as { error?: string } | undefined)?.error;

const formatSeconds = (ms: number) => `${Number((ms / 1000).toFixed(1))}s`;

function unreachable(err: Error): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ECONNREFUSED" || code === "ENOENT" || code === "ECONNRESET" || code === "EPIPE") {
    return new ServerUnreachable(`lost the pll server (${code})`);
  }
  return err;
}
