// The shape of a command in the one command table, what it runs with, and the
// two kinds of user error (exit 2 for usage, exit 1 for a failed command).
import type { ChalkInstance } from "chalk";
import { UserError } from "../core/errors.js";
import type { Client } from "../client/client.js";

export interface CommandContext {
  client: Client;
  /** the client's working directory: relative paths and job lines use it */
  cwd: string;
  /** the client's environment: job lines run with it */
  env: Record<string, string>;
  /** whether `load -` may read this process's stdin (the CLI's `pll load -`; not a script read from stdin) */
  stdin?: boolean;
  /** answer with JSON instead of text */
  json?: boolean;
  /** colour the text (default: off) */
  color?: boolean;
  /** when given, streaming commands (`tail -f`) write here as output arrives instead of collecting it */
  write?: (text: string) => void;
  /** aborts a blocking command (`tail -f`, `wait`) — e.g. on Ctrl-C in the shell */
  signal?: AbortSignal;
}

export interface ExecuteResult {
  ok: boolean;
  /** text (or one JSON document with `json`), without a trailing newline; "" when nothing to say */
  output: string;
  /** the exit code this result maps to: 0 ok, 1 failed, 2 usage/parse error, 3 server unreachable */
  code: 0 | 1 | 2 | 3;
  /** the command's result as data (what `--json` prints) */
  data?: unknown;
  /** set when the line could not be done (the message, also in `output`) */
  error?: string;
  /** `quit` / `detach`: the interactive session should end */
  quit?: boolean;
}

/** What an argument is, for completion and usage lines. */
export type ArgKind = "job" | "job-or-jobset" | "jobset" | "state" | "file" | "priority" | "number" | "schedule" | "command" | "text";

export interface ArgSpec {
  name: string;
  kind: ArgKind;
  optional?: boolean;
  variadic?: boolean;
  /** literal words this argument also accepts (`failed`, `all`) */
  words?: string[];
  /** for `number` arguments: the smallest allowed */
  min?: number;
}

export interface OptionSpec {
  type: "boolean" | "string";
  short?: string;
  description: string;
}

/** The parsed words of one invocation. */
export interface Invocation {
  /** the raw line as typed (job lines need it verbatim) */
  line: string;
  args: string[];
  options: Record<string, string | boolean | undefined>;
}

export interface Style {
  color: boolean;
  chalk: ChalkInstance;
}

export type ServerNeed = "none" | "running" | "start";

export interface Command<R = unknown> {
  name: string;
  aliases?: string[];
  args: ArgSpec[];
  options?: Record<string, OptionSpec>;
  /** one line for the command list */
  summary: string;
  /** more, for `help COMMAND` */
  details?: string;
  /**
   * What it needs of the server: "none" (help), "running" (the default: without one it fails, exit 3 —
   * reading or changing state never starts a server), or "start" (it gives the server jobs to run, so
   * the CLI starts one in the background when none runs: load, job lines).
   */
  server?: ServerNeed;
  /** checks options beyond what `args` says (run before any server is needed); throws UsageError */
  check?(inv: Invocation): void;
  /** does the work against the server, with `args` already checked; throws CommandFailed for user mistakes */
  handler(inv: Invocation, ctx: CommandContext, out: Output): Promise<R>;
  /** the result as text */
  format(result: R, style: Style): string;
  /** whether the result counts as success (default: yes) — `wait` on a failed job is not */
  succeeded?(result: R): boolean;
}

/** Where a streaming command sends output as it happens (to ctx.write, or collected). */
export interface Output {
  /** text lines (already styled); with `json`, values become one JSON line each */
  emit(text: string, value: unknown): void;
  readonly streaming: boolean;
}

/** Wrong words: unknown command, missing or bad argument (exit 2). */
export class UsageError extends UserError {
  constructor(message: string) {
    super("usage", message);
    this.name = "UsageError";
  }
}

/** A well-formed command that could not be done: unknown job, wrong state, a job failed (exit 1). */
export class CommandFailed extends UserError {
  constructor(message: string) {
    super("failed", message);
    this.name = "CommandFailed";
  }
}

/** Keeps each command's result type checked against its own formatter. */
export const defineCommand = <R>(c: Command<R>): Command<unknown> => c as unknown as Command<unknown>;
