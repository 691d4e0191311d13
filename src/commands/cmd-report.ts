// `report [RUN] [-o FILE.html]`: one self-contained HTML page of a run (a
// Gantt of every attempt, concurrency against pjc, the critical path, the job
// table, failed jobs' stderr, hook runs), built from the run's records, its
// jobs' stderr tails and their hook runs (all from the server: the same over TCP). With --json, the same data instead
// (and the page too only when -o names a file).
import { writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { ApiError } from "../client/errors.js";
import { localZone } from "../core/recurrence.js";
import type { JobRecord } from "../core/types.js";
import { runRef } from "../core/ref-syntax.js";
// The report's modules (the page's script among them) are loaded by `report` alone, not by every command.
import type { HookRun, ReportData } from "../report/model.js";
import type { LogLine, RunResponse, SettingsResponse } from "../server/api-types.js";
import { runArg, runIdOf } from "./run-arg.js";
import { CommandFailed, defineCommand, type CommandContext } from "./types.js";

/** stderr lines kept per failed job, and how many failed jobs get theirs */
const STDERR_LINES = 20;
const STDERR_JOBS = 500;

type ReportResult = ReportData & { path?: string };

export const report = defineCommand<ReportResult>({
  name: "report",
  args: [{ name: "RUN", kind: "text", optional: true }],
  options: { output: { type: "string", short: "o", description: "write the page to OUTPUT (default: pll-report-JOBSET-rN.html here)" } },
  summary: "an HTML page of a run (default: the newest): Gantt of every attempt, concurrency, critical path, job table",
  details:
    "RUN is a run number (r12 or 12). The page is one self-contained file (no network) drawn on canvases, usable for 100,000 jobs. " +
    "With --json it prints the same data instead, and writes the page only when -o is given.",
  check(inv) {
    if (inv.args[0] !== undefined) runArg("report", inv.args[0]);
  },
  async handler(inv, ctx) {
    const runId = await runIdOf(ctx.client, "report", inv.args[0]);
    let got: RunResponse;
    try {
      got = await ctx.client.request<RunResponse>("GET", `/runs/${runId}`);
    } catch (err) {
      if (err instanceof ApiError && err.kind === "not-found") throw new CommandFailed(`no such run: ${runRef(runId)}`);
      throw err;
    }
    const [{ settings }, { buildReport }, { reportHtml }] = await Promise.all([
      ctx.client.request<SettingsResponse>("GET", "/settings"),
      import("../report/model.js"),
      import("../report/html.js"),
    ]);
    const data: ReportResult = buildReport(got.run, got.jobs, settings, {
      host: hostname(),
      timeZone: localZone(),
      now: Date.now(),
      stderr: await stderrTails(ctx, got.jobs.filter((j) => j.state === "errored").slice(0, STDERR_JOBS)),
      hooks: hookRuns(got.hooks),
    });
    const out = typeof inv.options.output === "string" ? inv.options.output : ctx.json ? undefined : `pll-report-${data.run.jobset.replace(/[^\w.-]/g, "_")}-${runRef(runId)}.html`;
    if (out !== undefined) {
      const file = path.resolve(ctx.cwd, out);
      try {
        await writeFile(file, reportHtml(data));
      } catch (err) {
        throw new CommandFailed(`report: can't write ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
      data.path = file;
    }
    return data;
  },
  format: (r) => `${r.path}  (${runRef(r.run.id)} ${r.run.jobset}: ${r.jobs.length} jobs, ${r.jobs.reduce((n, j) => n + j.attempts.length, 0)} attempts)`,
});

/** The last lines of each job's stderr, a few jobs at a time. */
async function stderrTails(ctx: CommandContext, jobs: readonly JobRecord[]): Promise<Map<number, string[]>> {
  const tails = new Map<number, string[]>();
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      const lines: string[] = [];
      try {
        await ctx.client.lines<LogLine>(`/jobs/${job.id}/log?format=ndjson&stream=err&tail=${STDERR_LINES}`, (l) => void lines.push(l.line), ctx.signal);
        tails.set(job.id, lines);
      } catch (err) {
        // a log removed or unreadable: the page says "(no stderr)"; a server gone fails the report
        if (!(err instanceof ApiError)) throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, jobs.length) }, worker));
  return tails;
}

/** The run's hook runs as the server gives them (GET /runs/ID: read from the hook logs on its host), by job. */
function hookRuns(hooks: RunResponse["hooks"]): Map<number, HookRun[]> {
  const runs = new Map<number, HookRun[]>();
  for (const h of hooks ?? []) {
    const exit = h.exitCode !== undefined && h.exitCode !== null ? String(h.exitCode) : (h.signal ?? h.error ?? undefined);
    const run: HookRun = { event: h.on, command: h.command, output: (h.output ?? "").split("\n").filter((l) => l !== ""), ...(exit !== undefined ? { exit } : {}) };
    const list = runs.get(h.jobId);
    if (list) list.push(run);
    else runs.set(h.jobId, [run]);
  }
  return runs;
}
