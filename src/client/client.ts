// Talks to a pll server over its unix socket: JSON requests, the event stream,
// streamed log lines. `connect` finds the server of a home and starts one in
// the background when none answers (and says so).
import http from "node:http";
import type { EngineEvent } from "../core/types.js";
import { homePaths } from "../home.js";
import { startBackgroundServer, socketAnswers } from "./autostart.js";
import { ApiError, ServerUnreachable } from "./errors.js";
import { parseSse } from "./sse.js";

export { ApiError, ServerUnreachable };

export interface ConnectOptions {
  home: string;
  /** start a background server when none answers (default false) */
  autostart?: boolean;
  /** do not announce an autostarted server on stderr */
  quiet?: boolean;
}

export async function connect(opts: ConnectOptions): Promise<Client> {
  const { socket } = homePaths(opts.home);
  if (!(await socketAnswers(socket))) {
    if (!opts.autostart) throw new ServerUnreachable(`no pll server is running for ${opts.home} (start one with \`pll start\`)`);
    const { pid } = await startBackgroundServer(opts.home);
    if (!opts.quiet && pid !== undefined) process.stderr.write(`pll: started a background server for ${opts.home} (pid ${pid}; \`pll stop\` stops it)\n`);
  }
  return new Client(socket);
}

/** Like `connect` without autostart, but null when no server is running (for `pll run`). */
export async function connectIfRunning(home: string): Promise<Client | null> {
  const { socket } = homePaths(home);
  return (await socketAnswers(socket)) ? new Client(socket) : null;
}

export interface EventStream {
  close(): void;
  /** resolves once the server has subscribed this stream: later changes all arrive */
  ready: Promise<void>;
  /** resolves when the stream ends (server stopped, or `close()`); rejects on a connection error */
  done: Promise<void>;
}

export class Client {
  private readonly agent = new http.Agent({ keepAlive: true });
  private readonly streams = new Set<http.ClientRequest>();

  constructor(readonly socketPath: string) {}

  /** One JSON request; throws ApiError on a 4xx/5xx answer and ServerUnreachable when the socket is gone. */
  request<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.send<T>(method, path, body === undefined ? undefined : JSON.stringify(body), true);
  }

  private send<T>(method: string, path: string, payload: string | undefined, mayRetry: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const req = http.request(
        {
          socketPath: this.socketPath,
          agent: this.agent,
          method,
          path,
          headers: payload === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", (err) => reject(unreachable(err)));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: unknown;
            try {
              parsed = text === "" ? {} : JSON.parse(text);
            } catch {
              return reject(new ApiError(res.statusCode ?? 500, `the server sent something that is not JSON: ${text.slice(0, 200)}`));
            }
            const status = res.statusCode ?? 500;
            if (status >= 400) return reject(new ApiError(status, (parsed as { error?: string }).error ?? `HTTP ${status}`));
            resolve(parsed as T);
          });
        },
      );
      req.on("error", (err) => {
        // The server may close an idle kept-alive connection just as we reuse it;
        // then it never saw this request, and sending it again is safe.
        if (mayRetry && req.reusedSocket && (err as NodeJS.ErrnoException).code === "ECONNRESET") {
          return resolve(this.send<T>(method, path, payload, false));
        }
        reject(unreachable(err));
      });
      req.end(payload);
    });
  }

  /** The server's event stream: every state change, in order, until `close()`. */
  events(onEvent: (e: EngineEvent) => void): EventStream {
    let markReady!: () => void;
    const ready = new Promise<void>((r) => (markReady = r));
    let req!: http.ClientRequest;
    const done = new Promise<void>((resolve, reject) => {
      req = http.get({ socketPath: this.socketPath, path: "/events", agent: false }, (res) => {
        if ((res.statusCode ?? 500) >= 400) {
          res.resume();
          return reject(new ApiError(res.statusCode ?? 500, "the server refused the event stream"));
        }
        const feed = parseSse((type, data) => {
          if (type === "ready") return markReady();
          try {
            onEvent(JSON.parse(data) as EngineEvent);
          } catch (err) {
            // A listener's own bug must not end the stream for everyone else.
            process.stderr.write(`pll: event listener failed: ${(err as Error).message}\n`);
          }
        });
        res.setEncoding("utf8");
        res.on("data", feed);
        res.on("end", resolve);
        res.on("close", resolve);
        res.on("error", (err) => reject(unreachable(err)));
      });
      req.on("error", (err) => reject(unreachable(err)));
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
      const req = http.get({ socketPath: this.socketPath, path, agent: false, ...(signal ? { signal } : {}) }, (res) => {
        const status = res.statusCode ?? 500;
        let buffered = "";
        res.setEncoding("utf8");
        if (status >= 400) {
          res.on("data", (c: string) => (buffered += c));
          res.on("end", () => reject(new ApiError(status, safeError(buffered) ?? `HTTP ${status}`)));
          return;
        }
        res.on("data", (chunk: string) => {
          buffered += chunk;
          const parts = buffered.split("\n");
          buffered = parts.pop()!;
          for (const part of parts) if (part !== "") onLine(JSON.parse(part) as T);
        });
        res.on("end", () => resolve());
        res.on("error", (err) => reject(unreachable(err)));
      });
      this.streams.add(req);
      req.on("close", () => this.streams.delete(req));
      req.on("error", (err) => (signal?.aborted ? resolve() : reject(unreachable(err))));
    });
  }

  /** Ends open streams and idle connections. */
  close(): void {
    for (const req of this.streams) req.destroy();
    this.streams.clear();
    this.agent.destroy();
  }
}

function safeError(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { error?: string }).error;
  } catch {
    return undefined;
  }
}

function unreachable(err: Error): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ECONNREFUSED" || code === "ENOENT" || code === "ECONNRESET" || code === "EPIPE") {
    return new ServerUnreachable(`lost the pll server (${code})`);
  }
  return err;
}
