// Text for the screen: table rows, the header and the status line, as
// blessed-tagged strings. Pure functions of the model and the clock.
import { attemptEnded, type JobRecord, type JobState } from "../core/types.js";
import type { HeaderInfo, Notice } from "./model.js";

export const STATE_COLOR: Record<JobState, string> = {
  running: "cyan-fg",
  pending: "white-fg",
  blocked: "magenta-fg",
  success: "green-fg",
  errored: "red-fg}{bold",
  skipped: "gray-fg",
  cancelled: "gray-fg",
};

/** Blessed reads `{…}` as tags: job names and commands must not be able to inject them. */
export const escapeTags = (text: string): string => text.replace(/[{}]/g, (c) => (c === "{" ? "{open}" : "{close}"));

const tag = (style: string, text: string): string => `{${style}}${text}{/}`;

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "—";
  const s = Math.max(0, Math.round(ms / 1000));
  if (ms < 10_000) return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
  if (s < 60) return `${s}s`;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${pad(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d${pad(Math.floor(s / 3600) % 24)}h`;
}

export function formatClock(at: number | undefined): string {
  if (at === undefined) return "—";
  const d = new Date(at);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

const fit = (text: string, width: number): string =>
  text.length > width ? text.slice(0, Math.max(0, width - 1)) + "…" : text.padEnd(width);
const right = (text: string, width: number): string => fit(text.length > width ? text : text.padStart(width), width);

interface Column {
  title: string;
  width: number;
  align: "left" | "right";
  cell(job: JobRecord, now: number): string;
}

/** A job waiting to (re)run shows no start, time or exit: those of an earlier attempt would mislead. */
const waiting = (job: JobRecord): boolean => job.state === "pending" || job.state === "blocked";

const exitText = (job: JobRecord): string => {
  if (waiting(job)) return "";
  if (job.state !== "running" && job.exitCode !== undefined && job.exitCode !== null) return String(job.exitCode);
  if (job.reason === "killed" || job.reason === "lost") return job.reason;
  if (job.reason?.startsWith("timeout")) return "t/o";
  const last = job.attempts.at(-1);
  return (last && attemptEnded(last) && last.signal) || "";
};

const jobDuration = (job: JobRecord, now: number): number | undefined =>
  job.startedAt === undefined || waiting(job) ? undefined : (job.state === "running" ? now : (job.endedAt ?? now)) - job.startedAt;

const COLUMNS: Column[] = [
  { title: "#", width: 6, align: "right", cell: (j) => String(j.id) },
  { title: "name", width: 0, align: "left", cell: (j) => j.name },
  { title: "state", width: 9, align: "left", cell: (j) => j.state },
  { title: "pri", width: 4, align: "right", cell: (j) => String(j.priority) },
  { title: "try", width: 3, align: "right", cell: (j) => String(j.attempts.length) },
  { title: "started", width: 8, align: "left", cell: (j) => formatClock(waiting(j) ? undefined : j.startedAt) },
  { title: "time", width: 7, align: "right", cell: (j, now) => formatDuration(jobDuration(j, now)) },
  { title: "exit", width: 6, align: "right", cell: exitText },
  // The `pll worker` of the last attempt (issue 15): only where the name keeps 30 columns.
  { title: "worker", width: 8, align: "left", cell: (j) => j.attempts.at(-1)?.worker ?? "" },
];

/** A longer name ends in `…`: the numbers to its right stay near it on a wide terminal. */
export const NAME_WIDTH_MAX = 32;

/** The columns that fit `width`: the name takes what is left, up to NAME_WIDTH_MAX; `worker`, then `started`, go first when narrow. */
export function tableLayout(width: number): { columns: Column[]; nameWidth: number } {
  let columns = COLUMNS;
  const fixed = (cols: Column[]) => cols.reduce((n, c) => n + c.width + 1, 0);
  if (width - fixed(columns) < 30) columns = columns.filter((c) => c.title !== "worker");
  if (width - fixed(columns) < 12) columns = columns.filter((c) => c.title !== "started");
  // fixed() counts a separator after every column; a row has one fewer.
  return { columns, nameWidth: Math.max(6, Math.min(NAME_WIDTH_MAX, width - fixed(columns) + 1)) };
}

function cells(columns: Column[], nameWidth: number, text: (c: Column) => string): string[] {
  return columns.map((c) => {
    const w = c.width || nameWidth;
    return c.align === "right" ? right(text(c), w) : fit(text(c), w);
  });
}

export function tableHeading(width: number): string {
  const { columns, nameWidth } = tableLayout(width);
  return tag("bold", escapeTags(cells(columns, nameWidth, (c) => c.title).join(" ").padEnd(width)));
}

export function tableRow(job: JobRecord, width: number, now: number, selected: boolean): string {
  const { columns, nameWidth } = tableLayout(width);
  const parts = cells(columns, nameWidth, (c) => c.cell(job, now)).map(escapeTags);
  const stateAt = columns.findIndex((c) => c.title === "state");
  // The selected row is drawn inverse as a whole; colouring its state would break the bar.
  if (!selected) parts[stateAt] = tag(STATE_COLOR[job.state], parts[stateAt]!);
  // Padded to the table's width: the selected row's bar spans it.
  const used = columns.reduce((n, c) => n + (c.width || nameWidth), columns.length - 1);
  const line = parts.join(" ") + " ".repeat(Math.max(0, width - used));
  return selected ? tag("inverse", line) : line;
}

const COUNT_ORDER: JobState[] = ["running", "pending", "blocked", "success", "errored", "skipped", "cancelled"];
/** States shown even at zero: the ones a glance looks for. */
const ALWAYS_SHOWN = new Set<JobState>(["running", "pending", "success", "errored"]);

/** Header parts as [plain text, tagged text]: the plain length decides what fits. */
type Part = [string, string];
const part = (text: string, style?: string): Part => [text, style ? tag(style, escapeTags(text)) : escapeTags(text)];

export function headerLines(info: HeaderInfo, server: string, width = Infinity): [string, string] {
  const jobsets = info.jobsets.length === 0 ? "none" : info.jobsets.slice(0, 3).join(", ") + (info.jobsets.length > 3 ? ` +${info.jobsets.length - 3}` : "");
  const pjc = info.pjc === undefined ? "?" : (info.pjc ?? "none");
  const eta = info.etaMs === 0 ? "done" : formatDuration(info.etaMs);
  const join = (groups: Part[][]) => groups.map((g) => g.map((p) => p[0]).join("")).join("  ");
  const groups = (runPjc: string | undefined): Part[][] => [
    [part("jobset "), part(jobsets, "bold")],
    [part(`PJC ${pjc}`, "bold"), part(` (${info.busy} busy)`), ...(runPjc ? [part(` · ${runPjc}`)] : [])],
    [part(`elapsed ${formatDuration(info.elapsedMs)}`)],
    [part(`ETA ${eta}`)],
    ...(info.paused.length ? [[part(info.paused.includes("*") ? "PAUSED" : `paused: ${info.paused.join(",")}`, "yellow-fg")]] : []),
  ];
  // The newest run's limits, in full where they fit, else its effective pjc only (`run 4: 2`), else not at all.
  const runPjcs = info.runPjc ? [info.runPjc, info.runPjc.replace(/ \(.*\)$/, "")] : [];
  const rest = runPjcs.map(groups).find((g) => join(g).length + "pll  ".length <= width) ?? groups(undefined);
  // The server's path gives way first when the terminal is narrow: the numbers matter more.
  const room = width - join(rest).length - "pll ".length - 2;
  const where = room >= server.length ? server : room >= 8 ? "…" + server.slice(server.length - room + 1) : "";
  const first = [[part("pll", "bold"), part(where ? ` ${where}` : "")], ...rest].map((g) => g.map((p) => p[1]).join("")).join("  ");
  const counts = COUNT_ORDER.filter((s) => ALWAYS_SHOWN.has(s) || info.counts[s] > 0)
    .map((s) => (info.counts[s] > 0 ? tag(STATE_COLOR[s], `${s} ${info.counts[s]}`) : `${s} 0`))
    .join("  ");
  return [first, `${counts}   ${tag("bold", `${info.done}/${info.total} done`)}`];
}

const NOTICE_STYLE: Record<Notice["level"], string> = { info: "white-fg", warn: "yellow-fg", error: "white-fg}{red-bg}{bold" };

/** The status line: the latest notice, and red/yellow counts that stay while jobs are errored or have overrun. */
export function statusLine(latest: Notice | undefined, errored: number, width: number, overruns = 0): string {
  const failed = errored > 0 ? ` ✗ ${errored} failed ` : "";
  const overran = overruns > 0 ? ` ⚠ ${overruns} overrun${overruns > 1 ? "s" : ""} ` : "";
  const badges = overran.length + failed.length;
  const room = Math.max(0, width - badges - 1);
  const text = latest ? fit(latest.message.replace(/\s+/g, " "), room).trimEnd() : "";
  const left = latest ? tag(NOTICE_STYLE[latest.level], escapeTags(text)) : "";
  if (!badges) return left;
  const gap = " ".repeat(Math.max(1, width - text.length - badges));
  return `${left}${gap}${overran ? tag("black-fg}{yellow-bg}{bold", overran) : ""}${failed ? tag("white-fg}{red-bg}{bold", failed) : ""}`;
}
