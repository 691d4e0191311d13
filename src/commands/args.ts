// Checking the words of a command against its argument specs, before any
// server is asked: how many, and what kind (a count, a priority). Wrong words
// are UsageErrors that name what was expected.
import { PRIORITY_NAMES } from "../core/types.js";
import { UsageError, type Command, type Invocation } from "./types.js";

export function checkArgs(command: Command<unknown>, inv: Invocation, usage: string): void {
  const specs = command.args;
  const required = specs.filter((a) => !a.optional).length;
  const variadic = specs.some((a) => a.variadic);
  if (inv.args.length < required || inv.args.some((a) => a === "")) throw new UsageError(`missing argument: ${usage}`);
  if (!variadic && inv.args.length > specs.length) throw new UsageError(`too many arguments: ${usage}`);
  inv.args.forEach((value, i) => {
    const spec = specs[Math.min(i, specs.length - 1)]!;
    if (spec.words?.includes(value)) return;
    if (spec.kind === "number") {
      try {
        parseCount(value, command.name, spec.min ?? 0);
      } catch (err) {
        throw spec.words?.length ? new UsageError(`${(err as Error).message} (or ${spec.words.join(", ")})`) : err;
      }
    }
    if (spec.kind === "priority") parsePriority(value);
  });
  command.check?.(inv);
}

export function parseCount(text: string, what: string, min = 1): number {
  if (!/^\d{1,9}$/.test(text) || Number(text) < min) throw new UsageError(`${what} must be a whole number ≥ ${min}, got '${text}'`);
  return Number(text);
}

export function parsePriority(text: string): "high" | "normal" | "low" | number {
  if (text in PRIORITY_NAMES) return text as "high" | "normal" | "low";
  if (/^[+-]?\d{1,7}$/.test(text)) return Number(text);
  throw new UsageError(`priority must be high, normal, low or a whole number, got '${text}'`);
}
