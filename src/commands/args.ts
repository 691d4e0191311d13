// Checking the words of a command: present, a count, a priority. Wrong words
// are UsageErrors that name what was expected.
import { PRIORITY_NAMES } from "../core/types.js";
import { UsageError } from "./types.js";

export function requireArg(args: string[], usage: string, index = 0): string {
  const v = args[index];
  if (v === undefined || v === "") throw new UsageError(`missing argument: ${usage}`);
  return v;
}

export function noMoreArgs(args: string[], max: number, usage: string): void {
  if (args.length > max) throw new UsageError(`too many arguments: ${usage}`);
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
