// Fills the widgets from the view-model: only the visible rows are formatted,
// and the canvases are redrawn only when their data changed.
import type { CommandLine } from "./command-line.js";
import { escapeTags, formatClock, headerLines, statusLine, tableHeading, tableRow } from "./format.js";
import type { ShellLayout } from "./layout.js";
import type { ShellModel } from "./model.js";
import { paneWindow } from "./panes.js";

/** What the log pane shows: a job's output (followed live) or a command's output. */
export interface Pane {
  title: string;
  lines: { text: string; err?: boolean }[];
  /** the job whose log this is, while following it */
  jobId?: number;
  /** which end shows when the text is taller than the pane: logs keep their newest lines, listings their heading */
  anchor?: "top" | "bottom";
  /** lines scrolled away from the anchored end (0: at it, following new lines) */
  scroll?: number;
}

export type InputMode = "command" | "table" | "log" | "filter";

export interface UiState {
  server: string;
  /** NO_COLOR: keep bold and inverse, drop colours */
  noColor?: boolean;
  pane: Pane;
  mode: InputMode;
  line: CommandLine;
  /** commands still running (e.g. `wait`), shown in the command bar */
  pending: number;
  /** a destructive key's question, shown in the status line; the next key answers it (y: `yes`, else `no` is said) */
  confirm?: { question: string; yes: () => void; no: string };
}

const PROMPT: Record<InputMode, string> = { command: "pll> ", filter: "filter (state or jobset, empty clears)> ", table: "", log: "" };
const HINT: Partial<Record<InputMode, string>> = {
  // 80 columns: the rest (+/- PJC, Tab to the log pane) is in `?`.
  table: "j/k move  Enter log  r retry  x kill  c cancel  / filter  : type  ? help  q quit",
  log: "log pane: j/k PgUp/PgDn scroll  End follow  Tab/Esc table  : type",
};

function truncate(text: string, width: number): string {
  // Tabs and control characters would move blessed's cursor: show them as spaces.
  const clean = text.replace(/\t/g, "  ").replace(/[\x00-\x1f\x7f]/g, " ");
  return clean.length > width ? clean.slice(0, width - 1) + "…" : clean;
}

const COLOUR_TAG = /\{\/?[a-z]+-(?:fg|bg)\}/g;

export function renderScreen(layout: ShellLayout, model: ShellModel, ui: UiState, now: number): void {
  const { areas } = layout;
  const paint = ui.noColor ? (text: string) => text.replace(COLOUR_TAG, "") : (text: string) => text;
  layout.header.setContent(paint(headerLines(model.header(), ui.server, areas.header.width).join("\n")));
  layout.table.setContent(paint(tableText(layout, model, now)));
  renderPane(layout, ui.pane, paint);
  if (!ui.noColor) layout.highlight(ui.mode === "table" || ui.mode === "log" ? ui.mode : undefined);
  const latest = ui.confirm ? { level: "warn" as const, message: `${ui.confirm.question} y/N`, at: now } : model.notices.at(-1);
  layout.status.setContent(paint(statusLine(latest, model.countOf("errored"), areas.status.width, model.overruns)));
  layout.input.setContent(paint(inputText(ui, areas.input.width)));
  renderGauge(layout, model);
}

function tableText(layout: ShellLayout, model: ShellModel, now: number): string {
  const width = layout.innerWidth(layout.areas.table);
  const win = model.window(layout.tableRows());
  const rows = win.rows.map((job, i) => tableRow(job, width, now, i === win.selected));
  const { jobset, state } = model.filter;
  const filter = jobset !== undefined || state !== undefined ? ` [${[jobset, state].filter(Boolean).join(" ")}]` : "";
  const range = win.total === 0 ? "none" : `${win.first + 1}-${win.first + win.rows.length} of ${win.total}`;
  layout.table.setLabel(` jobs${escapeTags(filter)} ${range} `);
  return [tableHeading(width), ...rows].join("\n");
}

function renderPane(layout: ShellLayout, pane: Pane, paint: (text: string) => string): void {
  const width = layout.innerWidth(layout.areas.log);
  const rows = Math.max(1, layout.areas.log.height - 2);
  const shown = paneWindow(pane, rows).map((l) => {
    // stderr lines are marked (and coloured) so they stand out from stdout.
    const text = escapeTags(truncate(l.err ? `! ${l.text}` : l.text, width));
    return l.err ? `{red-fg}${text}{/}` : text;
  });
  const title = pane.scroll ? `${pane.title} (scrolled${pane.anchor === "top" ? "" : ": End follows"})` : pane.title;
  layout.log.setLabel(` ${escapeTags(truncate(title, Math.max(4, width - 4)))} `);
  layout.log.setContent(paint(shown.join("\n")));
}

function inputText(ui: UiState, width: number): string {
  const busy = ui.pending > 0 ? ` {yellow-fg}(${ui.pending} running){/}` : "";
  const hint = HINT[ui.mode];
  if (hint) return `{black-fg}{cyan-bg}${escapeTags(truncate(hint, width))}{/}`;
  const prompt = PROMPT[ui.mode];
  const { text, cursor } = ui.line;
  // Keep the cursor in view on long lines: show the part of the text around it.
  const room = Math.max(4, width - prompt.length - 12);
  const start = Math.max(0, cursor - room);
  const visible = text.slice(start, start + room);
  const at = cursor - start;
  const before = escapeTags(visible.slice(0, at));
  const under = escapeTags(visible[at] ?? " ");
  const after = escapeTags(visible.slice(at + 1));
  return `{bold}${escapeTags(prompt)}{/bold}${before}{inverse}${under}{/inverse}${after}${busy}`;
}

/** Redrawn by the once-a-second sampler (not per event: canvases are the costly part). */
export function renderChart(layout: ShellLayout, model: ShellModel): void {
  if (!layout.chart) return;
  const samples = model.samples().slice(-Math.max(2, layout.areas.chart!.width - 8));
  const padded = samples.length >= 2 ? samples : [{ at: Date.now(), running: 0, finished: 0 }, ...samples, { at: Date.now(), running: 0, finished: 0 }].slice(0, 2);
  // Each point is labelled with its clock time (HH:MM:SS), the same as the table's `started`.
  const x = padded.map((s) => formatClock(s.at));
  layout.chart.setData([
    { title: "running", x, y: padded.map((s) => s.running), style: { line: "cyan" } },
    { title: "done/s", x, y: padded.map((s) => s.finished), style: { line: "green" } },
  ]);
}

function renderGauge(layout: ShellLayout, model: ShellModel): void {
  if (!layout.gauge) return;
  const { done, total } = model.header();
  const percent = total === 0 ? 0 : Math.round((done / total) * 100);
  layout.gauge.setLabel(` done ${done}/${total} `);
  layout.gauge.setPercent(percent);
}
