// The CLI's exit code for each kind of error — the one place it is decided
// (README, docs/api.md, `pll help`): 0 success, 1 a job or command failed,
// 2 a usage or parse error, 3 the server is unreachable; 70 a bug (src/cli/verbs.ts).
import { UserError, type ErrorKind } from "../core/errors.js";

export type ExitCode = 1 | 2 | 3;

const EXIT_CODE_OF = {
  usage: 2,
  unreachable: 3,
  "not-found": 1,
  conflict: 1,
  locked: 1,
  unavailable: 1,
  "store-full": 1,
  "store-damaged": 1,
  "store-unwritable": 1,
  unauthorized: 1,
  "method-not-allowed": 1,
  "too-large": 1,
  failed: 1,
  // The server's own bug, answered as a 500: the command failed.
  internal: 1,
} as const satisfies Record<ErrorKind, ExitCode>;

export const exitCodeOf = (kind: ErrorKind): ExitCode => EXIT_CODE_OF[kind];

/** User mistakes → message and exit code; anything else is a bug, reported as such (exit 1, no stack). */
export function describeError(err: unknown): { message: string; code: ExitCode } {
  if (err instanceof UserError) return { message: err.message, code: exitCodeOf(err.kind) };
  // node:util parseArgs refusing an option: wrong words.
  const code = (err as { code?: string }).code;
  if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) return { message: (err as Error).message, code: 2 };
  return { message: `internal error: ${err instanceof Error ? err.message : String(err)}`, code: 1 };
}
