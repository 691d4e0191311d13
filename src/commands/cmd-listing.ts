// Looking: `status`/`ls` (the job table), `show N`, `runs`, `schedules`.
import { homedir } from "node:os";
import { describeSchedule, formatTime as formatZoned, zoneOf } from "../core/recurrence.js";
import { attemptEnded, type JobRecord, type ScheduleRecord, type Settings, type WorkersView } from "../core/types.js";
import type { JobListResponse, RunListResponse, RunSummary, ScheduleListResponse, SettingsResponse, StateCounts } from "../server/api-types.js";
import { countStates, jobStates } from "../server/api-types.js";
import { displayPath, formatDuration, formatTime, jobDuration, paintState, priorityName, renderTable, type Column } from "./format.js";
import { runRef } from "../core/ref-syntax.js";
import { getJob } from "./jobs-api.js";
import { parseCount } from "./args.js";
import { fewestUnits, limitsLine, runLimits } from "../core/pjc-limits.js";
import { hookLines, withHookRuns, type JobWithHooks } from "./hook-runs.js";
import { SCOPE_OPTIONS, scopeQuery } from "./scope-options.js";
import { defineCommand, UsageError, type Style } from "./types.js";

const exitText = (j: JobRecord) => (j.state !== "running" && j.exitCode !== undefined && j.exitCode !== null ? String(j.exitCode) : (j.reason ?? "-"));

const jobColumns = (style: Style): Column<JobRecord>[] => [
  { title: "RUN", align: "right", cell: (j) => runRef(j.runId) },
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

/** How many jobs `status` prints unless told `--limit`: the newest ones. */
export const STATUS_SHOWN = 200;

interface StatusResult {
  /** the newest matching jobs, newest run first (in job order within a run) */
  jobs: JobRecord[];
  /** every matching job per state, shown or not */
  counts: StateCounts;
  /** matching jobs not printed (older than those shown) */
  omitted: number;
  settings: Settings;
  /** the active runs, for the limits that bind them */
  active: RunSummary[];
  /** the server's workers (absent from a server without the route) */
  workers?: WorkersView;
}

function summaryLine(r: StatusResult, style: Style): string {
  const parts = jobStates.filter((s) => r.counts[s]).map((s) => paintState(s, style, `${r.counts[s]} ${s}`));
  const s = r.settings;
  const paused = s.paused.length === 0 ? "" : s.paused.includes("*") ? " · paused" : ` · paused: ${s.paused.join(", ")}`;
  const capacity = s.capacity === null ? "" : ` · capacity ${s.capacity}`;
  return `${parts.join(" · ") || "no jobs"} · pjc ${s.pjc ?? "none"}${capacity}${paused}`;
}

/** Newest run first; within a run, in job order. */
const newestRunFirst = (jobs: JobRecord[]) => [...jobs].sort((a, b) => b.runId - a.runId || a.id - b.id);

export const status = defineCommand<StatusResult>({
  name: "status",
  aliases: ["ls"],
  args: [{ name: "rN|JOBSET|STATE", kind: "jobset", optional: true, words: [...jobStates, "failed"] }],
  options: { ...SCOPE_OPTIONS, limit: { type: "string", description: `print at most LIMIT jobs, the newest (default ${STATUS_SHOWN})` } },
  summary: "the job table of the current run(s), newest first: run, number, name, state, priority, tries, started, duration, exit code",
  details:
    `The current runs are the runs still active, else the most recent run. \`status r5\` (or --run r5) shows run r5, \`status JOBSET\` its latest run, a state only the jobs in it, --all all history (\`runs\` lists the runs).\n` +
    `Shows the newest ${STATUS_SHOWN} jobs (--limit N; and says how many more there are); the counts per state on the last line are of all of them.`,
  check(inv) {
    if (typeof inv.options.limit === "string") parseCount(inv.options.limit, "--limit");
  },
  async handler(inv, ctx) {
    const limit = typeof inv.options.limit === "string" ? Number(inv.options.limit) : STATUS_SHOWN;
    // The argument (a run, a jobset, a state in the scope) is a reference the server resolves.
    const query = scopeQuery(inv, { ref: inv.args[0] ?? "all", counts: "1", last: String(limit) });
    const [page, { settings }, { runs: active }] = await Promise.all([
      ctx.client.request<JobListResponse>("GET", `/jobs${query}`),
      ctx.client.request<SettingsResponse>("GET", "/settings"),
      ctx.client.request<RunListResponse>("GET", "/runs?state=running"),
    ]);
    const jobs = newestRunFirst(page.jobs);
    const roles = jobs.some((j) => j.role !== undefined || j.attempts.at(-1)?.worker !== undefined);
    const workers = roles ? await ctx.client.request<WorkersView>("GET", "/workers") : undefined;
    return { jobs, counts: page.counts ?? countStates(page.jobs), omitted: (page.total ?? page.jobs.length) - page.jobs.length, settings, active, ...(workers ? { workers } : {}) };
  },
  format: (r, style) =>
    (r.omitted > 0 ? style.chalk.dim(`… ${r.omitted} more (older); \`status --limit N\` lists more`) + "\n" : "") +
    (r.jobs.length ? renderTable(r.jobs, r.workers ? [...jobColumns(style), workerColumn] : jobColumns(style), style) + "\n" : "") +
    roleLines(r.jobs, r.workers).map((l) => l + "\n").join("") +
    // A run held below its own pjc by a wider limit: which, and by how much (`pll pjc` shows every active run's).
    r.active
      .map((run) => runLimits(run, r.settings, fewestUnits(r.jobs.filter((j) => j.runId === run.id))))
      .filter((l) => l.binds !== "run")
      .map((l) => style.chalk.dim(limitsLine(l)) + "\n")
      .join("") +
    summaryLine(r, style),
});

export const show = defineCommand<JobWithHooks>({
  name: "show",
  args: [{ name: "N", kind: "job" }],
  summary: "one job in full: command, cwd, env, dependencies, attempts, log paths",
  handler: async (inv, ctx) => withHookRuns(ctx.client, await getJob(ctx.client, inv.args[0]!)),
  format(j, style) {
    const b = style.chalk.bold;
    const lines = [
      `${b(`#${j.id}`)} ${j.name}  ${paintState(j.state, style)}${j.reason ? ` (${j.reason})` : ""}`,
      `command   ${j.command}`,
      `jobset    ${j.jobset} (run ${runRef(j.runId)})`,
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
    lines.push(...hookLines(j, style));
    return lines.join("\n");
  },
});

/** How many runs `runs` lists unless told `--limit`. */
export const RUNS_SHOWN = 50;

export const runs = defineCommand<RunListResponse>({
  name: "runs",
  aliases: ["jobsets"],
  args: [],
  options: {
    limit: { type: "string", description: `at most LIMIT runs (default ${RUNS_SHOWN})` },
    before: { type: "string", description: "the page of runs older than run rN (what the last line says)" },
    jobset: { type: "string", description: "only the runs of jobset NAME" },
  },
  summary: "the history of runs, newest first, with their state and counts",
  check(inv) {
    if (typeof inv.options.limit === "string") parseCount(inv.options.limit, "--limit");
    if (typeof inv.options.before === "string" && !/^r\d{1,15}$/i.test(inv.options.before)) throw new UsageError(`--before takes a run (r5), got '${inv.options.before}'`);
  },
  handler: async (inv, ctx) => {
    const q = new URLSearchParams({ limit: typeof inv.options.limit === "string" ? inv.options.limit : String(RUNS_SHOWN) });
    if (typeof inv.options.before === "string") q.set("before", inv.options.before.slice(1));
    if (typeof inv.options.jobset === "string") q.set("jobset", inv.options.jobset);
    return ctx.client.request<RunListResponse>("GET", `/runs?${q}`);
  },
  format: ({ runs: rs, next }, style) =>
    (rs.length === 0
      ? "no runs"
      : renderTable(
          rs,
          [
            { title: "RUN", align: "right", cell: (r) => runRef(r.id) },
            { title: "JOBSET", cell: (r) => r.jobset, max: 30 },
            { title: "STATE", cell: (r) => r.state, paint: (r, t) => paintState(r.state === "failed" ? "errored" : r.state, style, t) },
            { title: "JOBS", align: "right", cell: (r) => String(r.jobIds.length) },
            { title: "COUNTS", cell: (r) => jobStates.filter((s) => r.counts[s]).map((s) => `${r.counts[s]} ${s}`).join(", ") },
            { title: "CREATED", cell: (r) => formatTime(r.createdAt) },
            { title: "FILE", cell: (r) => (r.schedule ? `${r.file} (schedule ${r.schedule})` : r.file), max: 60 },
          ],
          style,
        )) + (next !== null ? "\n" + style.chalk.dim(`… older runs: \`runs --before ${runRef(next)}\``) : ""),
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
