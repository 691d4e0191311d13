// The pieces every route uses: the route type, body reading with a size cap,
// and zod validation with messages that say what was wrong. A refusal is a
// UserError (src/core/errors.ts); its kind decides the status (./http.ts).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import { UserError } from "../core/errors.js";
import type { EngineControl } from "../core/types.js";

type Schemas = typeof import("./api-schema.js");
type SchemaName = { [K in keyof Schemas]: Schemas[K] extends z.ZodType ? K : never }[keyof Schemas];
/** the request schemas, loaded with zod on the first request that needs one */
let schemas: Promise<Schemas> | undefined;

export interface RouteContext {
  engine: EngineControl;
  /** the $PLL_HOME this server serves (reported by /health) */
  home: string;
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  /** the request body parsed as JSON (an empty body is `{}`) */
  body(): Promise<unknown>;
  /** stops the whole server (POST /shutdown); absent when the host does not allow it */
  shutdown?: () => void;
  /** called with a cleanup function that runs when the server closes (open streams) */
  onServerClose(cleanup: () => void): () => void;
}

/** What a handler answers: JSON with a status, or nothing when it streamed the response itself. */
export type Reply = { status?: number; body: unknown } | undefined;

export interface Route {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** "/jobs/:id/log" — `:name` segments are captured, URL-decoded */
  path: string;
  handler(ctx: RouteContext): Promise<Reply> | Reply;
  /** the body cap of this route (default MAX_BODY_BYTES) */
  maxBodyBytes?: number;
}

/** The cap on a request body: JSON commands are small. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** The cap on a submitted `.pll` source (a 100,000-job file is ~1.5 MB; this leaves room). */
export const MAX_SOURCE_BODY_BYTES = 64 * 1024 * 1024;

/** Past this much of a refused body, stop reading it and drop the connection. */
const MAX_DISCARD_BYTES = 2 * MAX_SOURCE_BODY_BYTES;

/**
 * Reads the whole body, refusing (413) past the cap without buffering the rest.
 * The rest is read and thrown away (up to a bound) before the 413 is sent, so
 * the client can finish sending and read the answer instead of seeing its
 * connection cut mid-write (EPIPE).
 */
export function readJsonBody(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  const tooLarge = () => new UserError("too-large", `request body too large (limit ${maxBytes} bytes)`);
  if (Number(req.headers["content-length"] ?? 0) > maxBytes) {
    return discardBody(req).then(() => Promise.reject(tooLarge()));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      req.off("data", onData);
      req.off("end", onEnd);
      chunks.length = 0;
      void discardBody(req).then(() => reject(tooLarge()));
    };
    const onEnd = () => {
      const text = Buffer.concat(chunks).toString("utf8");
      if (text.trim() === "") return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(new UserError("usage", `malformed JSON body: ${(err as Error).message}`));
      }
    };
    // A client that goes away mid-body is nobody's error: nothing is done, nothing is logged (a 400 to no one).
    const gone = () => {
      if (!req.complete) reject(new UserError("usage", "the client closed the connection before its request body ended"));
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", gone);
    req.on("close", gone);
  });
}

/** Reads and drops the rest of a body; resolves when it has ended (or was cut off past the bound). */
function discardBody(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded) return resolve();
    let discarded = 0;
    req.on("data", (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > MAX_DISCARD_BYTES) req.destroy();
    });
    req.once("end", () => resolve());
    req.once("close", () => resolve());
    req.once("error", () => resolve());
    req.resume();
  });
}

/** Validates `value` against the named schema of api-schema.ts; a mismatch is a 400 naming each wrong field. */
export async function validate<K extends SchemaName>(name: K, value: unknown, what = "body"): Promise<z.output<Schemas[K]>> {
  // TypeScript cannot narrow the union of schemas by K; the name picks exactly that schema.
  // A failed load is not kept: the next request tries again.
  schemas ??= import("./api-schema.js").catch((err: unknown) => {
    schemas = undefined;
    throw err;
  });
  const schema = (await schemas)[name] as z.ZodType as z.ZodType<z.output<Schemas[K]>>;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${[what, ...i.path.map(String)].join(".")}: ${i.message}`);
  throw new UserError("usage", `invalid request ${problems.join("; ")}`);
}

/** The query string as a plain object for schema validation (last value wins). */
export function queryObject(query: URLSearchParams): Record<string, string> {
  return Object.fromEntries(query.entries());
}

/** A numeric path parameter (`/jobs/12`, also `#12`); anything else is a 404. */
export function idParam(ctx: RouteContext, name = "id", prefix = /^#/): number {
  const raw = (ctx.params[name] ?? "").replace(prefix, "");
  if (!/^\d{1,15}$/.test(raw)) throw new UserError("not-found", `no such ${name === "id" ? "job" : name}: ${ctx.params[name]}`);
  return Number(raw);
}

/** Matches a route pattern against a path's segments; returns the captured params or null. */
export function matchPath(pattern: string, segments: string[]): Record<string, string> | null {
  const parts = pattern.split("/").filter(Boolean);
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const seg = segments[i]!;
    if (part.startsWith(":")) {
      try {
        params[part.slice(1)] = decodeURIComponent(seg);
      } catch {
        return null;
      }
    } else if (part !== seg) return null;
  }
  return params;
}
