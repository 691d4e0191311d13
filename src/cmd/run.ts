// `pll run FILE [--pjc N] [--json] [--keep-going|--halt-on-failure]`: load a
// jobset, run it in this process (hosting the engine on $PLL_HOME), follow it
// to the end and exit 0 only if every job succeeded (1 otherwise, 2 for a
// bad file or bad options). Ctrl-C cancels the run and stops its processes.
import { parseArgs } from "node:util";
import { pllHome } from "../home.js";
import { compileFile, formatDiagnostics } from "../lang/index.js";
import { UserError, type EngineEvent, type RunRecord } from "../core/types.js";
import { openEngine, type Engine } from "../server/engine.js";
import { RunProgress } from "./run-progress.js";
import { renderSummary } from "./run-summary.js";

const USAGE = "usage: pll run FILE [--pjc N] [--json] [--keep-going|--halt-on-failure]";

interface RunOptions {
  file: string;
  pjc?: number;
  json: boolean;
  haltOnFailure: boolean;
}

function parseOptions(args: string[]): RunOptions | string {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        pjc: { type: "string" },
        json: { type: "boolean", default: false },
        "keep-going": { type: "boolean", default: false },
        "halt-on-failure": { type: "boolean", default: false },
      },
    });
  } catch (err) {
    return (err as Error).message;
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) return positionals.length ? `expected one file, got ${positionals.length}` : "expected a FILE";
  if (values["keep-going"] && values["halt-on-failure"]) return "--keep-going and --halt-on-failure exclude each other";
  const opts: RunOptions = { file: positionals[0]!, json: values.json, haltOnFailure: values["halt-on-failure"] };
  if (values.pjc !== undefined) {
    const n = Number(values.pjc);
    if (!Number.isInteger(n) || n < 1) return `--pjc: expected a whole number of at least 1, got ${values.pjc}`;
    opts.pjc = n;
  }
  return opts;
}

export async function main(args: string[]): Promise<number> {
  const opts = parseOptions(args);
  if (typeof opts === "string") {
    process.stderr.write(`pll run: ${opts}\n${USAGE}\n`);
    return 2;
  }
  const compiled = await compileFile(opts.file);
  const color = Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
  if (!compiled.graph || compiled.diagnostics.some((d: { severity: string }) => d.severity === "error")) {
    process.stderr.write(formatDiagnostics(compiled.diagnostics, compiled.source, { color }));
    return 2;
  }
  if (compiled.diagnostics.length) process.stderr.write(formatDiagnostics(compiled.diagnostics, compiled.source, { color }));

  let engine: Engine;
  try {
    engine = await openEngine({ home: pllHome(), ...(opts.pjc !== undefined ? { pjc: opts.pjc } : {}) });
  } catch (err) {
    if (err instanceof UserError) {
      process.stderr.write(`pll run: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  return follow(engine, compiled.graph, compiled.source, opts);
}

async function follow(engine: Engine, graph: Parameters<Engine["submit"]>[0], source: string, opts: RunOptions): Promise<number> {
  const tty = Boolean(process.stdout.isTTY) && !opts.json;
  const color = tty && !process.env.NO_COLOR;
  const startedAt = Date.now();
  const early: EngineEvent[] = [];
  let progress: RunProgress | undefined;
  let runId = -1;
  let halted = false;
  let finish!: (run: RunRecord) => void;
  const ended = new Promise<RunRecord>((resolve) => (finish = resolve));

  const unsubscribe = engine.subscribe((e) => {
    if (!progress) return void early.push(e);
    progress.onEvent(e);
    if (e.type === "run" && e.run.id === runId && e.run.state !== "running") finish(e.run);
    if (opts.haltOnFailure && !halted && e.type === "job" && e.job.runId === runId && e.job.state === "errored") {
      halted = true;
      const open = engine.listJobs({ runId }).filter((j) => j.state === "pending" || j.state === "blocked");
      void engine.cancel(open.map((j) => j.id)).catch(() => {});
    }
  });

  let interrupted = false;
  const stop = (): void => {
    if (interrupted) return;
    interrupted = true;
    progress?.stop();
    process.stderr.write("pll run: interrupted: stopping the run's jobs…\n");
    if (runId >= 0) void engine.cancelRun(runId).catch(() => {});
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  try {
    for (const id of engine.recovery.adopted) process.stderr.write(`pll run: adopted job #${id}, still running from an earlier run\n`);
    const { run, jobs, notices } = await engine.submit(graph, source);
    runId = run.id;
    if (interrupted) void engine.cancelRun(runId).catch(() => {});
    for (const n of notices) process.stderr.write(`pll run: ${n}\n`);
    progress = new RunProgress({
      runId,
      mode: opts.json ? "json" : tty ? "tty" : "lines",
      write: (text) => process.stdout.write(text),
      color,
    });
    progress.init(jobs);
    for (const e of early) progress.onEvent(e);
    const now = engine.getRun(runId);
    if (now && now.state !== "running") finish(now);
    const final = await ended;
    progress.stop();
    const mine = engine.listJobs({ runId });
    if (!opts.json) process.stdout.write(renderSummary(final, mine, { color, elapsedMs: Date.now() - startedAt }));
    if (interrupted) return 130;
    return final.state === "success" && mine.every((j) => j.state === "success" || j.state === "skipped") ? 0 : 1;
  } catch (err) {
    if (err instanceof UserError) {
      process.stderr.write(`pll run: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    unsubscribe();
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    await engine.close({ killJobs: interrupted });
  }
}
