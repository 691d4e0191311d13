// What modifier values mean: durations, sizes, counts, priorities and the
// small enumerations. Each parser returns the value or an error sentence.
import { PRIORITY_NAMES } from "../core/types.js";
import { didYouMean, listWords } from "./suggest.js";

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `500ms`, `30s`, `5m`, `1h30m`, `2d`, `1w`: one or more number+unit parts, added up. */
const durationCache = new Map<string, number>();

export function parseDuration(text: string, what: string): Parsed<number> {
  // Generated files repeat the same few durations on thousands of lines.
  const cached = durationCache.get(text);
  if (cached !== undefined) return ok(cached);
  const example = "e.g. 30s, 5m, 1h30m, 2d";
  if (/^\d+$/.test(text)) return fail(`\`${text}\` needs a unit: ${text}s, ${text}m or ${text}h (${what} takes a duration)`);
  const parts = [...text.matchAll(/(\d+)(ms|s|m|h|d|w)/gy)];
  const consumed = parts.reduce((n, p) => n + p[0].length, 0);
  if (!parts.length || consumed !== text.length) return fail(`invalid duration \`${text}\` for ${what}: use whole numbers with units ms, s, m, h, d or w, ${example}`);
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * DURATION_UNITS[p[2]!]!, 0);
  if (durationCache.size < 1000) durationCache.set(text, ms);
  return ok(ms);
}

/**
 * A duration that bounds a job's run: zero would kill it (`timeout`) or flag
 * it (`expect time`) the moment it starts, which no file means.
 */
export function positiveDuration(text: string, what: "timeout" | "expect time"): Parsed<number> {
  const d = parseDuration(text, `\`${what}\``);
  if (!d.ok || d.value > 0) return d;
  const effect = what === "timeout" ? "kill every job the moment it starts" : "flag every job as overrunning the moment it starts";
  const written = what === "timeout" ? `timeout ${text}` : `expect time < ${text}`;
  return fail(`\`${written}\` would ${effect}: give a duration above zero, or leave \`${what}\` out for no limit`);
}

const SIZE_UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `512B`, `10KB`, `5MB`, `1GB`, `2TB` (binary multiples; `KiB`, `K` and lower case accepted too). */
export function parseSize(text: string): Parsed<number> {
  const m = /^(\d+)(?:([kmgt])(?:i?b)?|b)?$/i.exec(text);
  if (!m || /^\d+$/.test(text)) return fail(`invalid size \`${text}\`: use a whole number with a unit, e.g. 512B, 10KB, 5MB, 1GB`);
  return ok(Number(m[1]) * SIZE_UNITS[(m[2] ?? "b").toLowerCase()]!);
}

export function parseCount(text: string, what: string, min: number): Parsed<number> {
  if (!/^-?\d+$/.test(text)) return fail(`\`${what}\` takes a whole number, found \`${text}\``);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) return fail(`\`${text}\` is too large for \`${what}\``);
  if (n < min) return fail(`\`${what}\` must be at least ${min}, found ${n}`);
  return ok(n);
}

export function parsePriority(text: string): Parsed<number> {
  if (text in PRIORITY_NAMES) return ok(PRIORITY_NAMES[text]!);
  if (/^-?\d+$/.test(text) && Number.isSafeInteger(Number(text))) return ok(Number(text));
  return fail(`unknown priority \`${text}\`: use ${listWords(Object.keys(PRIORITY_NAMES))} or a whole number${didYouMean(text, Object.keys(PRIORITY_NAMES))}`);
}

export function parseChoice<T extends string>(text: string, what: string, choices: readonly T[]): Parsed<T> {
  if ((choices as readonly string[]).includes(text)) return ok(text as T);
  return fail(`unknown ${what} \`${text}\`: use ${listWords(choices)}${didYouMean(text, choices)}`);
}

/** `at` times: `2026-12-01 02:00[:SS]` or ISO 8601 (`2026-12-01T02:00:00Z`, `…+01:00`); normalised to `YYYY-MM-DDTHH:MM:SS[zone]`. */
export function parseAt(text: string): Parsed<string> {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?$/.exec(text.trim());
  if (!m) return fail(`invalid time \`${text}\` for \`at\`: write "YYYY-MM-DD HH:MM", e.g. "2026-12-01 02:00"`);
  const [, y, mo, d, h, mi, s = "00", zone = ""] = m;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  if (date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    return fail(`\`${text}\` is not a real date and time`);
  }
  return ok(`${y}-${mo}-${d}T${h}:${mi}:${s}${zone}`);
}
