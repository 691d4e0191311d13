// Load errors are values with positions, rendered in one place:
// `file:line:col: error: sentence`, the offending line, a caret under the column.
import { Chalk } from "chalk";
import { escapeControls, showLine, stripBom } from "./source-text.js";

/** Whether a message is formatted diagnostics (`FILE[:LINE:COL]: error|warning: …`): it names its place itself, unprefixed. */
export const isDiagnostic = (text: string): boolean => /^\S+?(:\d+:\d+)?: (error|warning): /.test(text);

export interface Diagnostic {
  file: string;
  /** 1-based; 0 when the problem has no position (an unreadable file) */
  line: number;
  /** 1-based column of the first offending character */
  col: number;
  /** 1-based column just past the offending text on the same line, when known */
  endCol?: number;
  severity: "error" | "warning";
  message: string;
}

/** Where a piece of source text sits (1-based); the file is added when a diagnostic is made. */
export interface Span {
  line: number;
  col: number;
  endCol?: number;
}

export const hasErrors = (diags: readonly Diagnostic[]): boolean => diags.some((d) => d.severity === "error");

/** Sort by position, errors and warnings interleaved as they occur in the file. */
export function sortDiagnostics(diags: Diagnostic[]): Diagnostic[] {
  return [...diags].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
}

/** Render diagnostics: one block per diagnostic, separated by nothing (compiler style). */
export function formatDiagnostics(diags: Diagnostic[], source: string, opts: { color?: boolean } = {}): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  // Positions count from after a BOM (compileSource drops it); callers may pass the raw text.
  const lines = stripBom(source).split(/\r?\n/);
  const out: string[] = [];
  for (const d of diags) {
    const file = escapeControls(d.file);
    const where = d.line > 0 ? `${file}:${d.line}:${d.col}` : file;
    const severity = d.severity === "error" ? c.red.bold("error") : c.yellow.bold("warning");
    out.push(`${c.bold(where)}: ${severity}: ${escapeControls(d.message)}`);
    const text = d.line > 0 ? lines[d.line - 1] : undefined;
    if (text === undefined) continue;
    const gutter = `${String(d.line).padStart(4)} | `;
    out.push(`${c.dim(gutter)}${showLine(text)}`);
    // Keep tabs in the padding so the caret lines up under tab-indented text.
    const col = Math.max(1, Math.min(d.col, text.length + 1));
    const pad = text.slice(0, col - 1).replace(/[^\t]/g, " ");
    const width = d.endCol !== undefined && d.endCol > col ? Math.min(d.endCol, text.length + 1) - col : 1;
    out.push(`${" ".repeat(gutter.length - 2)}${c.dim("|")} ${pad}${c.red.bold("^".repeat(Math.max(1, width)))}`);
  }
  return out.length ? `${out.join("\n")}\n` : "";
}
