// What a client call can fail with. Both are UserErrors: their kind, not their
// class, decides the exit code (src/cli/exit-codes.ts).
import { kindFrom, UserError } from "../core/errors.js";

/** The server refused a request (4xx/5xx): its one-line message, and the kind the server gave it. */
export class ApiError extends UserError {
  constructor(
    readonly status: number,
    message: string,
    /** the body's `kind`; a body without one (not pll's server) is "internal" */
    kind: unknown,
  ) {
    super(kindFrom(kind), message);
    this.name = "ApiError";
  }

  /** The error a server's JSON error body (`{ error, kind }`) stands for. */
  static fromBody(status: number, body: unknown): ApiError {
    const { error, kind } = (body ?? {}) as { error?: unknown; kind?: unknown };
    return new ApiError(status, typeof error === "string" ? error : `HTTP ${status}`, kind);
  }
}

/** No server answers, or it stopped answering. */
export class ServerUnreachable extends UserError {
  constructor(message: string) {
    super("unreachable", message);
    this.name = "ServerUnreachable";
  }
}
