// The settings a job inherits from the setting lines and block headers around
// it, and how one line's modifiers change them. Innermost wins; `env` merges.
import os from "node:os";
import path from "node:path";
import type { HookEvent, HookSpec, RetrySpec } from "../core/types.js";
import type { Line, Modifier, Word } from "./ast.js";
import type { Span } from "./diagnostics.js";
import { parseChoice, parseCount, parseDuration, parsePriority, parseSize, positiveDuration, type Parsed } from "./values.js";

export interface Scope {
  priority: number;
  retry: RetrySpec;
  timeoutMs?: number;
  expect?: { timeMs?: number; outputBytes?: number };
  freshMs?: number;
  units: number;
  role?: string;
  env: Record<string, string>;
  cwd: string;
  /** innermost first */
  hooks: HookSpec[];
  /** `for` variables in scope */
  vars: Record<string, string>;
}

export type Report = (span: Span, message: string) => void;

export const rootScope = (cwd: string): Scope => ({
  priority: 0,
  retry: { count: 0, backoffMs: 0 },
  units: 1,
  env: {},
  cwd,
  hooks: [],
  vars: {},
});

/** Modifiers that set what jobs inherit (the rest are limits, schedules, `after` and `for`). */
export const JOB_SETTINGS = new Set<Modifier["kind"]>(["priority", "retry", "timeout", "expect", "fresh", "units", "role", "env", "cwd"]);

/** Modifiers that may appear only once per line. */
const ONCE = new Set<Modifier["kind"]>(["priority", "every", "cron", "at", "tz", "overlap", "catchup", "pjc", "batch", "timeout", "retry", "fresh", "units", "role", "cwd", "keep"]);

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Report a modifier given twice on one line (`priority high priority low`). */
export function checkRepeats(mods: Modifier[], report: Report): void {
  if (mods.length < 2) return;
  const seen = new Map<string, Span>();
  for (const m of mods) {
    const key = m.kind === "env" ? `env ${m.name.text}` : m.kind === "expect" ? `expect ${m.what.text}` : m.kind;
    if (m.kind !== "env" && m.kind !== "expect" && !ONCE.has(m.kind)) continue;
    const first = seen.get(key);
    if (first) report(m.span, `\`${key}\` is given twice on this line (first at ${first.line}:${first.col})`);
    else seen.set(key, m.span);
  }
}

function take<T>(p: Parsed<T>, w: Word, report: Report): T | undefined {
  if (p.ok) return p.value;
  report(w.span, p.error);
  return undefined;
}

function expandHome(p: string, env: Record<string, string>): string {
  if (p === "~" || p.startsWith("~/")) return path.join(env.HOME ?? os.homedir(), p.slice(1));
  return p;
}

/** The scope below a line carrying `mods` (job settings only; the caller handles the rest). */
export function applyJobSettings(outer: Scope, mods: Modifier[], report: Report, homeEnv: Record<string, string>): Scope {
  if (!mods.some((m) => JOB_SETTINGS.has(m.kind))) return outer;
  const s: Scope = { ...outer };
  for (const m of mods) {
    if (!JOB_SETTINGS.has(m.kind)) continue;
    switch (m.kind) {
      case "priority": s.priority = take(parsePriority(m.value.text), m.value, report) ?? s.priority; break;
      case "timeout": s.timeoutMs = take(positiveDuration(m.value.text, "timeout"), m.value, report) ?? s.timeoutMs; break;
      case "fresh": s.freshMs = take(parseDuration(m.value.text, "`fresh`"), m.value, report) ?? s.freshMs; break;
      case "units": s.units = take(parseCount(m.value.text, "units", 0), m.value, report) ?? s.units; break;
      case "role": s.role = m.value.text; break;
      case "retry": {
        const count = take(parseCount(m.value.text, "retry", 0), m.value, report);
        const backoffMs = m.backoff ? take(parseDuration(m.backoff.text, "`backoff`"), m.backoff, report) : undefined;
        s.retry = { count: count ?? s.retry.count, backoffMs: backoffMs ?? (m.backoff ? s.retry.backoffMs : 0) };
        break;
      }
      case "expect": {
        const exp = { ...s.expect };
        if (m.what.text === "time") exp.timeMs = take(positiveDuration(m.value.text, "expect time"), m.value, report) ?? exp.timeMs;
        else if (m.what.text === "output") exp.outputBytes = take(parseSize(m.value.text), m.value, report) ?? exp.outputBytes;
        else report(m.what.span, `\`expect\` takes \`time < DURATION\` or \`output < SIZE\`, found \`${m.what.text}\``);
        s.expect = exp;
        break;
      }
      case "env":
        if (!ENV_NAME.test(m.name.text)) report(m.name.span, `\`${m.name.text}\` is not a valid environment variable name (letters, digits and _, not starting with a digit)`);
        s.env = { ...s.env, [m.name.text]: m.value.text };
        break;
      case "cwd":
        s.cwd = path.resolve(s.cwd, expandHome(m.value.text, homeEnv));
        break;
    }
  }
  return s;
}

const HOOK_EVENTS: readonly HookEvent[] = ["failure", "success", "done", "overrun"];

/** The hooks (`on EVENT $ cmd`) among a block's lines. */
export function hooksOf(lines: Line[], file: string, report: Report): HookSpec[] {
  const hooks: HookSpec[] = [];
  for (const l of lines) {
    if (l.type !== "hook") continue;
    const on = take(parseChoice(l.event.text, "hook event", HOOK_EVENTS), l.event, report);
    if (on) hooks.push({ on, command: l.command.text, loc: { file, line: l.span.line, col: l.span.col } });
  }
  return hooks;
}
