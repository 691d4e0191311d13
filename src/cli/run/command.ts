// `pll run FILE [--pjc N] [--json] [--keep-going|--halt-on-failure]`: load a
// jobset, run it and follow it to the end; exit 0 only if every job
// succeeded, 1 otherwise, 2 for a bad file or bad options, 130 on Ctrl-C.
// With a server running on $PLL_HOME the run goes there (via-server.ts);
// otherwise this process hosts the engine for the length of the run
// (in-process.ts). Both render through the same RunProgress subscriber.
import path from "node:path";
import { parseArgs } from "node:util";
import { homePaths, pllHome } from "../../home.js";
import { checkHome } from "../../home-check.js";
import { compileFile, formatDiagnostics } from "../../lang/index.js";
import { runLocally } from "./in-process.js";
import { socketAnswers } from "../../client/socket-probe.js";
import { UserError } from "../../core/errors.js";
import { exitCodeOf } from "../exit-codes.js";
import { StoreError } from "../../store/store-error.js";

export const USAGE = `usage: pll run FILE [--pjc N] [--json] [--keep-going|--halt-on-failure]
  runs the jobset in FILE and follows it to the end: on the server if one runs for $PLL_HOME,
  else in this process (serving the socket meanwhile, so \`pll shell\` can attach)
  exit 0 if every job succeeded, 1 if one did not, 2 for a bad file or option, 130 on Ctrl-C
  --pjc N            this run's pjc, over the file's (this run only; a global or jobset pjc still caps it)
  --json             one JSON object per event instead of the progress line
  --keep-going       run what does not depend on a failed job (the default)
  --halt-on-failure  after the first failure, start nothing more`;

export interface RunOptions {
  file: string;
  pjc?: number;
  json: boolean;
  haltOnFailure: boolean;
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
  const opts: RunOptions = { file: positionals[0]!, json: values.json, haltOnFailure: values["halt-on-failure"] };
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
  // A closed pipe (`pll run x | head`) must not crash the run: stop writing, keep running.
  process.stdout.on("error", () => {});
  const home = pllHome();
  try {
    // Before its socket is trusted or its store opened: a home someone else could change is refused.
    checkHome(home, { create: true, engine: true });
    // The client's modules (HTTP, SSE) are loaded only when a server answers: a local run starts sooner without them.
    const { socket } = homePaths(home);
    if (await socketAnswers(socket)) {
      const [{ Client }, { runRemotely }] = await Promise.all([import("../../client/client.js"), import("./via-server.js")]);
      return await runRemotely(new Client(socket), path.resolve(opts.file), opts);
    }
    const compiled = await compileFile(opts.file);
    const color = Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
    if (compiled.diagnostics.length) process.stderr.write(formatDiagnostics(compiled.diagnostics, compiled.source, { color }));
    if (!compiled.graph) return 2;
    // Handed over, not kept: a 100k-job graph need not outlive its submission.
    return await runLocally(home, compiled as Required<typeof compiled>, opts);
  } catch (err) {
    // A store the user must act on is said as by every verb (`pll: …`, src/cli/verbs.ts).
    if (err instanceof UserError && !(err instanceof StoreError)) {
      process.stderr.write(`pll run: ${err.message}\n`);
      return exitCodeOf(err.kind);
    }
    throw err;
  }
}
