// Looking: `status`/`ls` (the job table), `show N`, `runs`, `schedules`.
import { homedir } from "node:os";
import { describeSchedule, formatTime as formatZoned, zoneOf } from "../core/recurrence.js";
import { attemptEnded, type JobRecord, type ScheduleRecord, type Settings, type WorkersView } from "../core/types.js";
import type { JobListResponse, RunListResponse, RunSummary, ScheduleListResponse, SettingsResponse, StateCounts } from "../server/api-types.js";
import { countStates, jobStates } from "../server/api-types.js";
import { displayPath, formatDuration, formatTime, jobDuration, paintState, priorityName, renderTable, type Column } from "./format.js";
import { fetchJobs, requireJobset, resolveJob } from "./jobs-api.js";
import { defineCommand, type Style } from "./types.js";

const exitText = (j: JobRecord) => (j.state !== "running" && j.exitCode !== undefined && j.exitCode !== null ? String(j.exitCode) : (j.reason ?? "-"));

const jobColumns = (style: Style): Column<JobRecord>[] => [
  { title: "#", align: "right", cell: (j) => String(j.id) },
  { title: "NAME", cell: (j) => j.name, max: 40 },
  { title: "STATE", cell: (j) => j.state, paint: (j, t) => paintState(j.state, style, t) },
  { title: "PRI", cell: (j) => priorityName(j.priority) },
  { title: "TRIES", align: "right", cell: (j) => String(j.attempts.length) },
  { title: "STARTED", cell: (j) => formatTime(j.startedAt) },
  { title: "DURATION", align: "right", cell: (j) => formatDuration(jobDuration(j)) },
  { title: "EXIT", cell: (j) => exitText(j), max: 30 },
];

/** The machine of a job's last attempt: its worker, else here ("-" for a job not run yet). */
const workerOf = (j: JobRecord): string => j.attempts.at(-1)?.worker ?? (j.attempts.length ? "local" : "-");
const workerColumn: Column<JobRecord> = { title: "WORKER", cell: workerOf, max: 20 };

/**
 * What role jobs do here, when some are listed: without a queue they run on the server's machine;
 * with one, a role no live worker serves keeps its jobs waiting.
 */
function roleLines(jobs: JobRecord[], view: WorkersView | undefined): string[] {
  if (!view) return [];
  const open = jobs.filter((j) => j.role !== undefined && (j.state === "pending" || (j.state === "running" && j.attempts.at(-1)?.pid === undefined)));
  if (view.queue === null) return jobs.some((j) => j.role !== undefined) ? ["role jobs run on the server's machine: it has no queue (--queue URL or PLL_QUEUE)"] : [];
  const live = new Set(view.workers.flatMap((w) => (w.live ? w.roles : [])));
  const waiting = new Map<string, number>();
  for (const j of open) if (!live.has(j.role!) && !view.localRoles.includes(j.role!)) waiting.set(j.role!, (waiting.get(j.role!) ?? 0) + 1);
  return [...waiting].map(([role, n]) => `waiting for a worker of role ${role}: ${n} job${n === 1 ? "" : "s"} (none is live; \`pll workers\`)`);
}

/** How many jobs `status` prints unless told `--all`: the newest ones. */
export const STATUS_SHOWN = 200;

interface StatusResult {
  /** the newest STATUS_SHOWN matching jobs, or all with --all */
  jobs: JobRecord[];
  /** every matching job per state, shown or not */
  counts: StateCounts;
  /** matching jobs not printed (older than those shown) */
  omitted: number;
  settings: Settings;
  /** the server's workers (absent from a server without the route) */
  workers?: WorkersView;
}

function summaryLine(r: StatusResult, style: Style): string {
  const parts = jobStates.filter((s) => r.counts[s]).map((s) => paintState(s, style, `${r.counts[s]} ${s}`));
  const s = r.settings;
  const paused = s.paused.length === 0 ? "" : s.paused.includes("*") ? " · paused" : ` · paused: ${s.paused.join(", ")}`;
  const capacity = s.capacity === null ? "" : ` · capacity ${s.capacity}`;
  return `${parts.join(" · ") || "no jobs"} · pjc ${s.pjc}${capacity}${paused}`;
}

export const status = defineCommand<StatusResult>({
  name: "status",
  aliases: ["ls"],
  args: [{ name: "JOBSET|STATE", kind: "jobset", optional: true, words: [...jobStates, "failed"] }],
  options: { all: { type: "boolean", description: `every job, not only the newest ${STATUS_SHOWN}` } },
  summary: "the job table: number, name, state, priority, tries, started, duration, exit code",
  details: `Shows the newest ${STATUS_SHOWN} jobs (and says how many more there are); the counts per state on the last line are of all of them.`,
  async handler(inv, ctx) {
    // "failed" is what people say for errored.
    const arg = inv.args[0] === "failed" ? "errored" : inv.args[0];
    const filter: Record<string, string> = arg === undefined ? {} : (jobStates as readonly string[]).includes(arg) ? { state: arg } : { jobset: arg };
    const query = new URLSearchParams({ ...filter, last: String(STATUS_SHOWN), counts: "1" });
    const listed: Promise<Omit<StatusResult, "settings">> =
      inv.options.all === true
        ? fetchJobs(ctx.client, filter).then((jobs) => ({ jobs, counts: countStates(jobs), omitted: 0 }))
        : ctx.client.request<JobListResponse>("GET", `/jobs?${query}`).then((page) => ({
            jobs: page.jobs,
            counts: page.counts ?? countStates(page.jobs),
            omitted: (page.total ?? page.jobs.length) - page.jobs.length,
          }));
    const [shown, { settings }] = await Promise.all([listed, ctx.client.request<SettingsResponse>("GET", "/settings")]);
    // Asked only when nothing matched: a jobset with jobs is known.
    if (filter.jobset !== undefined && shown.jobs.length === 0) await requireJobset(ctx.client, filter.jobset, { what: " or state", words: jobStates });
    const roles = shown.jobs.some((j) => j.role !== undefined || j.attempts.at(-1)?.worker !== undefined);
    const workers = roles ? await ctx.client.request<WorkersView>("GET", "/workers") : undefined;
    return { ...shown, settings, ...(workers ? { workers } : {}) };
  },
  format: (r, style) =>
    (r.omitted > 0 ? style.chalk.dim(`… ${r.omitted} more (older); \`status --all\` lists every job`) + "\n" : "") +
    (r.jobs.length ? renderTable(r.jobs, r.workers ? [...jobColumns(style), workerColumn] : jobColumns(style), style) + "\n" : "") +
    roleLines(r.jobs, r.workers).map((l) => l + "\n").join("") +
    summaryLine(r, style),
});

export const show = defineCommand<JobRecord>({
  name: "show",
  args: [{ name: "N", kind: "job" }],
  summary: "one job in full: command, cwd, env, dependencies, attempts, log paths",
  handler: (inv, ctx) => resolveJob(ctx.client, inv.args[0]!),
  format(j, style) {
    const b = style.chalk.bold;
    const lines = [
      `${b(`#${j.id}`)} ${j.name}  ${paintState(j.state, style)}${j.reason ? ` (${j.reason})` : ""}`,
      `command   ${j.command}`,
      `jobset    ${j.jobset} (run ${j.runId})`,
      `cwd       ${j.cwd}`,
      `priority  ${priorityName(j.priority)}   units ${j.units}${j.role ? `   role ${j.role}` : ""}`,
      `after     ${j.deps.length ? j.deps.map((d) => `#${d}`).join(" ") : "-"}`,
      `retry     ${j.retry.count}${j.retry.backoffMs ? ` backoff ${formatDuration(j.retry.backoffMs)}` : ""}${j.timeoutMs ? `   timeout ${formatDuration(j.timeoutMs)}` : ""}`,
      `created   ${formatTime(j.createdAt)}   started ${formatTime(j.startedAt)}   ended ${formatTime(j.state === "running" ? undefined : j.endedAt)}   exit ${exitText(j)}`,
      `logs      ${j.logOut}`,
      `          ${j.logErr}`,
    ];
    const env = Object.entries(j.env);
    if (env.length) lines.push(`env       ${env.length > 12 ? `${env.length} variables (--json shows all)` : env.map(([k, v]) => `${k}=${v}`).join(" ")}`);
    for (const a of j.attempts) {
      const how = !attemptEnded(a) ? "running" : (a.reason ?? (a.signal ? `signal ${a.signal}` : `exit ${a.exitCode}`));
      lines.push(`attempt ${a.n}  ${formatTime(a.startedAt)}  ${formatDuration(attemptEnded(a) ? a.endedAt - a.startedAt : undefined)}  ${how}${a.worker ? `  on worker ${a.worker}` : ""}`);
    }
    return lines.join("\n");
  },
});

export const runs = defineCommand<RunSummary[]>({
  name: "runs",
  aliases: ["jobsets"],
  args: [],
  summary: "runs with their state and counts",
  handler: async (_inv, ctx) => (await ctx.client.request<RunListResponse>("GET", "/runs")).runs,
  format: (rs, style) =>
    rs.length === 0
      ? "no runs"
      : renderTable(
          rs,
          [
            { title: "RUN", align: "right", cell: (r) => String(r.id) },
            { title: "JOBSET", cell: (r) => r.jobset, max: 30 },
            { title: "STATE", cell: (r) => r.state, paint: (r, t) => paintState(r.state === "failed" ? "errored" : r.state, style, t) },
            { title: "JOBS", align: "right", cell: (r) => String(r.jobIds.length) },
            { title: "COUNTS", cell: (r) => jobStates.filter((s) => r.counts[s]).map((s) => `${r.counts[s]} ${s}`).join(", ") },
            { title: "CREATED", cell: (r) => formatTime(r.createdAt) },
            { title: "FILE", cell: (r) => (r.schedule ? `${r.file} (schedule ${r.schedule})` : r.file), max: 60 },
          ],
          style,
        ),
});

/** One schedule as a row: its times are read in the schedule's own zone, as its expression is. */
const scheduleColumns = (style: Style, cwd: string, home: string): Column<ScheduleRecord>[] => {
  const at = (s: ScheduleRecord, ms: number | null | undefined) => (ms === undefined || ms === null ? "-" : formatZoned(ms, zoneOf(s.spec)));
  return [
    { title: "NAME", cell: (s) => s.name, max: 40 },
    { title: "WHEN", cell: (s) => describeSchedule(s.spec), max: 40 },
    { title: "ZONE", cell: (s) => zoneOf(s.spec) },
    { title: "NEXT", cell: (s) => at(s, s.nextFireAt) },
    { title: "LAST", cell: (s) => at(s, s.lastFireAt) },
    { title: "RUN", align: "right", cell: (s) => (s.lastRunId === undefined ? "-" : String(s.lastRunId)) },
    { title: "RESULT", cell: (s) => s.lastResult ?? "-", paint: (s, t) => paintState(s.lastResult === "failed" ? "errored" : (s.lastResult ?? ""), style, t) },
    { title: "SKIPPED", align: "right", cell: (s) => String(s.skipped.length) },
    { title: "SOURCE", cell: (s) => displayPath(s.graph.file, cwd, home), max: 60 },
  ];
};

export const schedules = defineCommand<ScheduleRecord[]>({
  name: "schedules",
  args: [],
  summary: "recurring jobsets: expression, zone, next and last firing, last run and result, skipped firings, source",
  details: "Times are shown in each schedule's zone. --json has the full records, with the reason of every skipped firing.",
  handler: async (_inv, ctx) => (await ctx.client.request<ScheduleListResponse>("GET", "/schedules")).schedules,
  format: (ss, style) => (ss.length === 0 ? "no schedules" : renderTable(ss, scheduleColumns(style, process.cwd(), homedir()), style)),
});
