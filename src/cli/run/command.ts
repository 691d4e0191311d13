// `pll run FILE [--pjc N] [--json] [--keep-going|--halt-on-failure]`: load a
// jobset, run it and follow it to the end; exit 0 only if every job
// succeeded, 1 otherwise, 2 for a bad file or bad options, 130 on Ctrl-C.
// With a server running on $PLL_HOME the run goes there (via-server.ts);
// otherwise this process hosts the engine for the length of the run
// (in-process.ts). Both render through the same RunProgress subscriber.
import { parseArgs } from "node:util";
import { homePaths, pllHome } from "../../home.js";
import { checkHome } from "../../home-check.js";
import { compileSource, formatDiagnostics, jobsetInput, readJobset, type JobsetInput } from "../../lang/index.js";
import { isDiagnostic } from "../../lang/diagnostics.js";
import { runLocally } from "./in-process.js";
import { socketAnswers } from "../../client/socket-probe.js";
import { tcpServerFromEnv } from "../../client/server-address.js";
import { UserError } from "../../core/errors.js";
import { exitCodeOf } from "../exit-codes.js";
import { StoreError } from "../../store/store-error.js";
import type { OutputMode } from "./job-output.js";

/** The lines of both verbs' usage that say how job output is shown. */
export const OUTPUT_USAGE = `  --output MODE      job output: group (each job's together when it ends; the default when stdout is
                     not a terminal), tag (each line as it comes, after the job's name and a tab; the
                     default on a terminal, above the progress line), none (progress only)
  --keep-order       job output in job order, as each job and those before it end (the run never waits)
  --joblog FILE      write GNU parallel's --joblog lines to FILE as jobs end (also \`pll joblog RUN\`)`;

export function outputMode(value: string): OutputMode | { error: string } {
  return value === "group" || value === "tag" || value === "none" ? value : { error: `--output: expected group, tag or none, got ${value}` };
}

export const USAGE = `usage: pll run FILE [--pjc N] [--json] [--output group|tag|none] [--keep-order] [--joblog FILE] [--keep-going|--halt-on-failure]
  runs the jobset in FILE (- reads stdin) and follows it to the end: on the server if one runs for $PLL_HOME,
  else in this process (serving the socket meanwhile, so \`pll shell\` can attach)
  exit 0 if every job succeeded, 1 if one did not, 2 for a bad file or option, 130 on Ctrl-C
  --pjc N            this run's pjc, over the file's (this run only; a global or jobset pjc still caps it)
  --json             one JSON object per event instead of the progress line
${OUTPUT_USAGE}
  --keep-going       run what does not depend on a failed job (the default)
  --halt-on-failure  after the first failure, start nothing more`;

export interface RunOptions {
  file: string;
  pjc?: number;
  json: boolean;
  haltOnFailure: boolean;
  /** `pll each`: exit with the number of jobs that did not succeed, at most 101 (GNU parallel's status) */
  countFailures?: boolean;
  /** job output on the terminal (job-output.ts); default: none with --json, tag on a terminal, else group */
  output?: OutputMode;
  /** --joblog FILE: GNU parallel's joblog, written as jobs end */
  joblog?: string;
  /** write job output in job order (`parallel -k`) */
  keepOrder?: boolean;
  /** where pll's own progress and summary go: `pll each` keeps stdout for the jobs' output */
  reportTo?: "stdout" | "stderr";
}

/** The options, or "help" for --help, or what is wrong with them. */
export function parseRunOptions(args: string[]): RunOptions | "help" | { error: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        pjc: { type: "string" },
        json: { type: "boolean", default: false },
        output: { type: "string" },
        "keep-order": { type: "boolean", default: false },
        joblog: { type: "string" },
        "keep-going": { type: "boolean", default: false },
        "halt-on-failure": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    return { error: (err as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  if (positionals.length !== 1) return { error: positionals.length ? `expected one file, got ${positionals.length}` : "expected a FILE" };
  if (values["keep-going"] && values["halt-on-failure"]) return { error: "--keep-going and --halt-on-failure exclude each other" };
  const opts: RunOptions = { file: positionals[0]!, json: values.json, haltOnFailure: values["halt-on-failure"], keepOrder: values["keep-order"], ...(values.joblog !== undefined ? { joblog: values.joblog } : {}) };
  if (values.output !== undefined) {
    const mode = outputMode(values.output);
    if (typeof mode !== "string") return mode;
    opts.output = mode;
  }
  if (values.pjc !== undefined) {
    const n = Number(values.pjc);
    if (!Number.isInteger(n) || n < 1) return { error: `--pjc: expected a whole number of at least 1, got ${values.pjc}` };
    opts.pjc = n;
  }
  return opts;
}

export async function main(args: string[]): Promise<number> {
  const opts = parseRunOptions(args);
  if (opts === "help") {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  if ("error" in opts) {
    process.stderr.write(`pll run: ${opts.error}\n${USAGE}\n`);
    return 2;
  }
  return runJobset(await jobsetInput(opts.file, process.cwd()), opts, "pll run");
}

/** Runs and follows `input` (a file, stdin, or a source generated for it: `pll each`) on the home's server if one answers, else in this process; returns the exit status. */
export async function runJobset(input: JobsetInput, opts: RunOptions, verb: string): Promise<number> {
  // A closed pipe (`pll run x | head`) must not crash the run: stop writing, keep running.
  process.stdout.on("error", () => {});
  const home = pllHome();
  // Read first, whoever runs it: a file that cannot be read was said as by check, graph and load (exit 2).
  const read = await readJobset(input);
  const color = Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
  if (read.diagnostics.length) {
    process.stderr.write(formatDiagnostics(read.diagnostics, read.source, { color }));
    return 2;
  }
  try {
    // Before its socket is trusted or its store opened: a home someone else could change is refused.
    // PLL_SERVER names a TCP server to run on (src/client/server-address.ts): nothing is made here.
    const tcp = tcpServerFromEnv(home);
    if (!tcp) checkHome(home, { create: true, engine: true });
    // The client's modules (HTTP, SSE) are loaded only when a server answers: a local run starts sooner without them.
    const { socket } = homePaths(home);
    if (tcp || (await socketAnswers(socket))) {
      const [{ Client }, { runRemotely }] = await Promise.all([import("../../client/client.js"), import("./via-server.js")]);
      return await runRemotely(new Client(tcp ?? socket), input, read.source, opts);
    }
    const compiled = { source: read.source, ...compileSource(read.source, input.label, { cwd: input.cwd }) };
    if (compiled.diagnostics.length) process.stderr.write(formatDiagnostics(compiled.diagnostics, compiled.source, { color }));
    if (!compiled.graph) return 2;
    // Handed over, not kept: a 100k-job graph need not outlive its submission.
    return await runLocally(home, compiled as Required<typeof compiled>, opts);
  } catch (err) {
    // A store the user must act on is said as by every verb (`pll: …`, src/cli/verbs.ts).
    if (err instanceof UserError && !(err instanceof StoreError)) {
      // A load error in the compiler's form (`x.pll:2:1: error: …`) as the server's is printed: unprefixed.
      process.stderr.write(`${isDiagnostic(err.message) ? "" : `${verb}: `}${err.message}\n`);
      return exitCodeOf(err.kind);
    }
    throw err;
  }
}
