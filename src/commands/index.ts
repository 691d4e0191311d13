// The one entry point every door uses: a line in, a result out. Parses the
// words (or recognises a job line), runs the command from the table, formats
// its result as text or JSON, and turns every user mistake into a result with
// an exit code — it does not throw for those.
import { parseArgs } from "node:util";
import { describeError } from "../cli/exit-codes.js";
import type { SubmitResponse } from "../server/api-types.js";
import { jobLine } from "./cmd-load.js";
import { makeStyle } from "./format.js";
import { rememberRun } from "./session.js";
import { checkArgs } from "./args.js";
import { commandNames, findCommand, helpText, usageOf } from "./table.js";
import { UsageError, type Command, type CommandContext, type ExecuteResult, type Invocation, type Output, type ServerNeed } from "./types.js";
import { isJobLine, splitWords } from "./words.js";
import { editDistance } from "../lang/suggest.js";

export { commandNames, findCommand, helpText, usageOf };
export { complete } from "./complete.js";
export type { CommandContext, ExecuteResult } from "./types.js";

export async function execute(line: string, ctx: CommandContext): Promise<ExecuteResult> {
  const trimmed = line.trim();
  if (trimmed === "" || trimmed.startsWith("#")) return { ok: true, output: "", code: 0 };
  let json = ctx.json ?? false;
  try {
    const parsed = parseLine(trimmed);
    json ||= parsed.json;
    if (parsed.help) return { ok: true, output: helpText(parsed.command.name), code: 0 };
    const { command, inv } = parsed;
    const out: Output = {
      streaming: ctx.write !== undefined,
      emit: (text, value) => ctx.write?.((json ? JSON.stringify(value) : text) + "\n"),
    };
    const result = await command.handler(inv, { ...ctx, json }, out);
    if (command.name === "load") for (const r of result as SubmitResponse[]) if (r.run) rememberRun(ctx.client, r.run.id);
    if (command.name === "$" || command.name === "rerun") {
      const r = result as SubmitResponse;
      if (r.run) rememberRun(ctx.client, r.run.id);
    }
    const ok = command.succeeded?.(result) ?? true;
    const output = json ? JSON.stringify(result) : command.format(result, makeStyle(ctx.color ?? false));
    return { ok, output, code: ok ? 0 : 1, data: result, ...(command.name === "quit" ? { quit: true } : {}) };
  } catch (err) {
    const { message, code } = describeError(err);
    return { ok: false, output: json ? JSON.stringify({ error: message }) : `error: ${message}`, code, error: message };
  }
}

/**
 * What running this line needs of the server (see Command.server): help, quit and malformed lines
 * need none; only lines that give it jobs to run may start one.
 */
export function serverNeed(line: string): ServerNeed {
  const trimmed = line.trim();
  if (trimmed === "" || trimmed.startsWith("#")) return "none";
  try {
    const parsed = parseLine(trimmed);
    return parsed.help ? "none" : (parsed.command.server ?? "running");
  } catch {
    return "none";
  }
}

interface ParsedLine {
  command: Command<unknown>;
  inv: Invocation;
  json: boolean;
  help: boolean;
}

/** A placeholder for negative numbers, which parseArgs would take for options (`priority 12 -5`). */
const NEGATIVE = "\u0000-";

function parseLine(line: string): ParsedLine {
  if (isJobLine(line)) return { command: jobLine, inv: { line, args: [], options: {} }, json: false, help: false };
  const [name, ...rest] = splitWords(line);
  const command = findCommand(name!);
  if (!command) throw new UsageError(`unknown command '${name}'${suggestion(name!)} — \`help\` lists them`);
  const options = Object.fromEntries(
    Object.entries(command.options ?? {}).map(([long, o]) => [long, { type: o.type, ...(o.short ? { short: o.short } : {}) }]),
  );
  const { values, positionals } = parseArgs({
    args: rest.map((w) => (/^-\d+$/.test(w) ? NEGATIVE + w.slice(1) : w)),
    options: { ...options, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
    strict: true,
  });
  const { json, help, ...own } = values as Record<string, string | boolean | undefined>;
  const args = positionals.map((w) => (w.startsWith(NEGATIVE) ? "-" + w.slice(NEGATIVE.length) : w));
  const inv: Invocation = { line, args, options: own };
  if (help !== true) checkArgs(command, inv, usageOf(command));
  return { command, inv, json: json === true, help: help === true };
}

function suggestion(name: string): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of commandNames) {
    const d = editDistance(name, candidate, bestDistance);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best ? ` (did you mean '${best}'?)` : "";
}
