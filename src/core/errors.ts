// Errors a user must act on, told apart from bugs by their kind — never by
// their name or their message. The kind says what went wrong; the server maps
// it to an HTTP status (src/server/http.ts) and sends it beside the message,
// the CLI maps it to an exit code (src/cli/exit-codes.ts). Anything that is not a
// UserError is a bug.

/** What went wrong, in words every side shares. */
export const ERROR_KINDS = [
  /** the request itself is wrong: bad arguments, an invalid body, a file that does not compile or cannot be read */
  "usage",
  /** no such job, run, schedule or route */
  "not-found",
  /** the job or jobset is in the wrong state for this */
  "conflict",
  /** another process holds the store */
  "locked",
  /** the engine is shutting down */
  "unavailable",
  /** the disk holding the store is full */
  "store-full",
  /** the store cannot be read, or lost records */
  "store-damaged",
  /** a change could not be written to the store (not for a full disk) */
  "store-unwritable",
  /** the API: no or a wrong bearer token */
  "unauthorized",
  /** the API: a route asked with the wrong method */
  "method-not-allowed",
  /** the API: a request body past its cap */
  "too-large",
  /** no server answers, or it stopped answering (client side) */
  "unreachable",
  /** a well-formed command that could not be done, or a job that failed (client side) */
  "failed",
  /** a bug in pll, reported as such (what the server answers for anything not a UserError) */
  "internal",
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

const KNOWN = new Set<string>(ERROR_KINDS);
/** A kind read from the wire (an error body), checked: an unknown or missing one is "internal". */
export const kindFrom = (value: unknown): ErrorKind => (typeof value === "string" && KNOWN.has(value) ? (value as ErrorKind) : "internal");

/** A mistake or a condition the user must act on: one line, never a stack. */
export class UserError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "UserError";
  }
}
