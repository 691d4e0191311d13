// Fixed texts of the shell: the welcome pane, the help overlay, and reading
// what was typed at the filter prompt.
import type { JobState } from "../core/types.js";
import { escapeTags } from "./format.js";
import type { ViewFilter } from "./model.js";
import type { Pane } from "./render.js";

// Lines fit the log pane of an 80-column terminal (44 characters).
export const KEY_HELP = [
  "Command bar (where you type):",
  "  Enter runs · ↑/↓ history · Tab completes",
  "  Esc: to the table",
  "  Ctrl-C stops tail -f/wait, never quits",
  "Table (after Esc):",
  "  j/k ↑↓ PgUp/PgDn g/G move · Enter log",
  "  r retry · x kill · c cancel (ask y/N)",
  "  R report of the run (writes, prints path)",
  "  w workers (w again: the log)",
  "  +/- PJC · / filter · ? help",
  "  Tab log pane (j/k scroll, End follows)",
  "  : command bar · q quit (jobs keep on)",
];

/** Lines a pane keeps: a chatty `tail -f` must not grow it without bound. */
export const PANE_LINES_KEPT = 500;

/** One line of command output; the commands mark stderr lines with a leading "! ". */
export const paneLine = (line: string): Pane["lines"][number] => (line.startsWith("! ") ? { text: line.slice(2), err: true } : { text: line });

export function appendToPane(pane: Pane, lines: Pane["lines"]): void {
  // Scrolled back in a log: new lines arrive below without moving what is being read.
  if (pane.scroll && pane.anchor !== "top") pane.scroll += lines.length;
  for (const line of lines) pane.lines.push(line); // not push(...lines): a huge chunk would overflow the stack
  // Trim in steps, not on every line: a splice of the whole array per line would be quadratic.
  if (pane.lines.length > PANE_LINES_KEPT * 2) pane.lines.splice(0, pane.lines.length - PANE_LINES_KEPT);
}

export function textPane(title: string, text: string, anchor: Pane["anchor"] = "top"): Pane {
  return { title, anchor, lines: text === "" ? [] : text.split("\n").map(paneLine) };
}

export function welcomePane(): Pane {
  const intro = ["Type a command (`help` lists them),", "e.g. `load FILE.pll` or `$ CMD`."];
  return textPane("welcome", [...intro, ...KEY_HELP].join("\n"));
}

export function helpScreen(commandHelp: string): string {
  return escapeTags([...KEY_HELP, "", commandHelp].join("\n"));
}

/** `errored` / `failed` → a state filter; any other word → a jobset; nothing → everything. */
export function filterFromText(text: string, states: readonly JobState[]): ViewFilter {
  const filter: ViewFilter = {};
  for (const word of text.trim().split(/\s+/).filter(Boolean)) {
    const state = word === "failed" ? "errored" : word;
    if ((states as readonly string[]).includes(state)) filter.state = state as JobState;
    else filter.jobset = word;
  }
  return filter;
}

/** Where a command's answer goes, and what the status line says about it. */
export type OutputPlace = { where: "status" | "viewer" } | { where: "pane"; anchor: "top" | "bottom" };

/**
 * One line → the status line, and so is a failure with one error (errorLine
 * says it in one line). More → the log pane when it fits (a job's output
 * always, newest lines kept in view), else the scrollable overlay.
 */
export function placeOutput(line: string, output: string, fits: (lines: string[]) => boolean, ok = true): OutputPlace {
  const lines = output.split("\n");
  if (lines.length <= 1 || (!ok && diagnosticCount(output) <= 1)) return { where: "status" };
  if (/^tail\b/.test(line)) return { where: "pane", anchor: "bottom" };
  return fits(lines) ? { where: "pane", anchor: "top" } : { where: "viewer" };
}

/** The status line's words for an answer that went elsewhere, or was one line. */
export function outputNotice(line: string, ok: boolean, output: string, place: OutputPlace): string {
  const lines = output.split("\n");
  if (!ok) return output ? errorLine(output) : `${line}: failed`;
  if (place.where === "status") return output || `${line}: ok`;
  return place.where === "viewer" ? `${line}: ${lines.length} lines` : `${line}: see the output pane`;
}

/** `FILE:LINE:COL: error: …` (or `FILE: error: …`), the language's diagnostics (lang/diagnostics.ts), after execute()'s `error: `. */
const DIAGNOSTIC = /^(?:error: )?(.+?)(?::(\d+):(\d+))?: (?:error|warning): (.*)$/;

function diagnosticCount(output: string): number {
  return output.split("\n").filter((l) => DIAGNOSTIC.test(l)).length;
}

/**
 * A failed command's answer in one line. A diagnostic's `error: <shell>:1:4:
 * error: …` reads `error at column 4: …` (the line is the one just typed), a
 * file's keeps its place (`error at x.pll:3:1: …`); more errors are counted.
 */
export function errorLine(output: string): string {
  const first = output.split("\n")[0]!;
  const m = DIAGNOSTIC.exec(first);
  if (!m) return first;
  const [, file, line, col, message] = m;
  const where = file === "<shell>" ? (col ? ` at column ${col}` : "") : ` at ${file}${line ? `:${line}:${col}` : ""}`;
  const more = diagnosticCount(output) - 1;
  return `error${where}: ${message}${more > 0 ? ` (and ${more} more)` : ""}`;
}

/** The lines a pane of `rows` shows, from its anchored end and scroll position. */
export function paneWindow(pane: Pane, rows: number): Pane["lines"] {
  const max = Math.max(0, pane.lines.length - rows);
  const scroll = Math.min(pane.scroll ?? 0, max);
  if (pane.anchor === "top") return pane.lines.slice(scroll, scroll + rows);
  const end = pane.lines.length - scroll;
  return pane.lines.slice(Math.max(0, end - rows), end);
}

/** Scrolls by `delta` lines (positive: down, towards the end of the text); "end"/"start" jump. */
export function scrollPane(pane: Pane, delta: number | "start" | "end", rows: number): void {
  const max = Math.max(0, pane.lines.length - rows);
  const fromTop = pane.anchor === "top" ? (pane.scroll ?? 0) : max - Math.min(pane.scroll ?? 0, max);
  const target = delta === "start" ? 0 : delta === "end" ? max : Math.max(0, Math.min(max, fromTop + delta));
  pane.scroll = pane.anchor === "top" ? target : max - target;
}
