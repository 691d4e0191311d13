// Plain-text rendering shared by the commands: aligned tables (colour applied
// after padding so escapes never break alignment), state colours, durations,
// times. NO_COLOR is honoured by the caller choosing `color: false`.
import path from "node:path";
import { Chalk, type ChalkInstance } from "chalk";
import type { JobRecord, JobState } from "../core/types.js";
import type { Style } from "./types.js";

export function makeStyle(color: boolean): Style {
  return { color, chalk: new Chalk({ level: color ? 1 : 0 }) };
}

const STATE_STYLE: Record<JobState, (c: ChalkInstance) => ChalkInstance> = {
  pending: (c) => c.white,
  running: (c) => c.cyan,
  success: (c) => c.green,
  errored: (c) => c.red.bold,
  blocked: (c) => c.magenta,
  skipped: (c) => c.gray,
  cancelled: (c) => c.gray,
};

export const paintState = (state: string, style: Style, text = state): string =>
  state in STATE_STYLE ? STATE_STYLE[state as JobState](style.chalk)(text) : text;

export interface Column<T> {
  title: string;
  align?: "left" | "right";
  cell(row: T): string;
  /** colours the padded cell (the text's width is measured before) */
  paint?(row: T, padded: string): string;
  /** the last column is never padded; a long one is cut to this */
  max?: number;
}

export function renderTable<T>(rows: T[], columns: Column<T>[], style: Style): string {
  const cells = rows.map((r) => columns.map((c) => clip(c.cell(r), c.max)));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((row) => row[i]!.length)));
  const pad = (text: string, i: number) => {
    if (i === columns.length - 1) return text;
    return columns[i]!.align === "right" ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
  };
  const head = columns.map((c, i) => pad(c.title, i)).join("  ");
  const body = cells.map((row, r) =>
    row
      .map((text, i) => {
        const padded = pad(text, i);
        const paint = columns[i]!.paint;
        return paint ? paint(rows[r]!, padded) : padded;
      })
      .join("  ")
      .trimEnd(),
  );
  return [style.chalk.bold(head.trimEnd()), ...body].join("\n");
}

function clip(text: string, max: number | undefined): string {
  const flat = text.replace(/\s+/g, " ");
  return max !== undefined && flat.length > max ? flat.slice(0, max - 1) + "…" : flat;
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "-";
  if (ms < 10_000) return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${two(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d${two(Math.floor(s / 3600) % 24)}h`;
}

/** Today's times as HH:MM:SS, older ones with their date. */
export function formatTime(at: number | null | undefined, now = Date.now()): string {
  if (at === undefined || at === null) return "-";
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, "0");
  const clock = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  const sameDay = new Date(now).toDateString() === d.toDateString();
  return sameDay ? clock : `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${clock}`;
}

export function jobDuration(job: JobRecord, now = Date.now()): number | undefined {
  if (job.startedAt === undefined) return undefined;
  return (job.state === "running" ? now : (job.endedAt ?? job.startedAt)) - job.startedAt;
}

export function priorityName(p: number): string {
  return p === 10 ? "high" : p === 0 ? "normal" : p === -10 ? "low" : String(p);
}

export const jobLabel = (job: JobRecord): string => `#${job.id} ${job.name}`;

/** "#3, #5 and #9" — short lists of job numbers for one-line answers. */
export function listIds(jobs: readonly { id: number }[], max = 12): string {
  const ids = jobs.map((j) => `#${j.id}`);
  if (ids.length > max) return `${ids.slice(0, max).join(", ")} and ${ids.length - max} more`;
  return ids.length <= 1 ? (ids[0] ?? "") : `${ids.slice(0, -1).join(", ")} and ${ids[ids.length - 1]}`;
}

/** A file as a user would type it from here: relative below `cwd`, `~/…` below `home`, else absolute. */
export function displayPath(file: string, cwd: string, home: string): string {
  if (!path.isAbsolute(file)) return file; // "<stdin>", "<shell>"
  const below = (dir: string) => {
    const rel = path.relative(dir, file);
    return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : undefined;
  };
  const fromCwd = below(cwd);
  if (fromCwd !== undefined) return fromCwd;
  const fromHome = home !== "" && home !== "/" ? below(home) : undefined;
  return fromHome !== undefined ? `~/${fromHome}` : file;
}
