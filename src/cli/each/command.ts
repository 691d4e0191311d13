// `pll each [OPTIONS] COMMAND… ::: ARG… [::: ARG…] | :::: FILE…`: GNU parallel's
// one-liner as a run of the engine. The jobs are generated as a `.pll` source
// (jobs.ts) and run as `pll run` runs a file (logs, status, retry, the shell).
// Exit status: 0, or the number of jobs that did not succeed, at most 101.
import { readStdin } from "../../lang/jobset-input.js";
import { readFile } from "node:fs/promises";
import type { RunOptions } from "../run/command.js";
import { OUTPUT_USAGE, outputMode, runJobset } from "../run/command.js";
import { eachSource, type EachSettings } from "./jobs.js";

export const USAGE = `usage: pll each [OPTIONS] COMMAND… [::: ARG…]… [:::: FILE…]
  runs COMMAND once per argument, like \`parallel COMMAND ::: ARG…\`, as a run of jobset \`each\`;
  \`:::: FILE\` reads arguments from FILE, one a line; with neither, from stdin, one a line.
  Several groups make every combination (first group outermost).
  placeholders: {} the argument, {.} without extension, {/} basename, {//} dirname,
  {/.} basename without extension, {#} the job's number, {N} the Nth group's argument;
  with none, the arguments are appended. Every argument is quoted for the shell.
  exit 0 if every job succeeded, else the number that did not (at most 101);
  2 for a bad option, 130 on Ctrl-C
  --pjc N, -j N      at most N jobs at once
  --retry N          up to N more attempts of a failed job
  --timeout D        kill a job after D (30s, 5m, 1h30m)
  --keep-going       run the rest after a failure (the default)
  --halt-on-failure  after the first failure, start nothing more
  --json             one JSON object per event instead of the progress line (on stderr)
${OUTPUT_USAGE}
  The jobs' stdout and stderr are pll each's; its progress and summary go to stderr.`;

const DURATION = /^(\d+(ms|s|m|h|d|w))+$/;

interface EachOptions {
  run: RunOptions;
  settings: EachSettings;
  template: string;
  /** `:::` groups and `::::` files, in order; none: stdin */
  sources: ({ args: string[] } | { file: string })[];
}

function parseEach(argv: string[]): EachOptions | "help" | { error: string } {
  const run: RunOptions = { file: "<stdin>", json: false, haltOnFailure: false, countFailures: true, reportTo: "stderr" };
  const settings: EachSettings = {};
  let keepGoing = false;
  let i = 0;
  const value = (name: string, inline: string | undefined): string | { error: string } => {
    if (inline !== undefined) return inline;
    const v = argv[++i];
    return v === undefined ? { error: `${name} needs a value` } : v;
  };
  const whole = (name: string, v: string, min: number): number | { error: string } => {
    const n = Number(v);
    return /^\d+$/.test(v) && n >= min ? n : { error: `${name}: expected a whole number of at least ${min}, got ${v}` };
  };
  // Options come before the command; the first other word starts it.
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      i++;
      break;
    }
    if (!a.startsWith("-") || a === "-" || a === ":::" || a === "::::") break;
    const eq = a.indexOf("=");
    // `--pjc=4`, and parallel's `-j4`
    const short = /^-j(\d+)$/.exec(a);
    const name = short ? "-j" : a.startsWith("--") && eq > 0 ? a.slice(0, eq) : a;
    const inline = short ? short[1] : a.startsWith("--") && eq > 0 ? a.slice(eq + 1) : undefined;
    if (name === "--help" || name === "-h") return "help";
    else if (name === "--json") run.json = true;
    else if (name === "--keep-going") keepGoing = true;
    else if (name === "--halt-on-failure") run.haltOnFailure = true;
    else if (name === "--keep-order" || name === "-k") run.keepOrder = true;
    else if (name === "--joblog") {
      const v = value(name, inline);
      if (typeof v !== "string") return v;
      run.joblog = v;
    } else if (name === "--output") {
      const v = value(name, inline);
      if (typeof v !== "string") return v;
      const mode = outputMode(v);
      if (typeof mode !== "string") return mode;
      run.output = mode;
    }
    else if (name === "--pjc" || name === "-j" || name === "--retry") {
      const v = value(name, inline);
      if (typeof v !== "string") return v;
      const n = whole(name, v, name === "--retry" ? 0 : 1);
      if (typeof n !== "number") return n;
      if (name === "--retry") settings.retry = n;
      else run.pjc = n;
    } else if (name === "--timeout") {
      const v = value(name, inline);
      if (typeof v !== "string") return v;
      if (!DURATION.test(v) || !/[1-9]/.test(v)) return { error: `--timeout: expected a duration above zero (30s, 5m, 1h30m), got ${v}` };
      settings.timeout = v;
    } else return { error: `unknown option ${a}` };
  }
  if (keepGoing && run.haltOnFailure) return { error: "--keep-going and --halt-on-failure exclude each other" };
  const words: string[] = [];
  for (; i < argv.length && argv[i] !== ":::" && argv[i] !== "::::"; i++) words.push(argv[i]!);
  if (!words.length) return { error: "expected a COMMAND" };
  const sources: EachOptions["sources"] = [];
  while (i < argv.length) {
    const sep = argv[i++];
    const group: string[] = [];
    for (; i < argv.length && argv[i] !== ":::" && argv[i] !== "::::"; i++) group.push(argv[i]!);
    if (sep === ":::") sources.push({ args: group });
    else if (!group.length) return { error: ":::: needs a FILE" };
    else for (const file of group) sources.push({ file });
  }
  return { run, settings, template: words.join(" "), sources };
}

/** Lines of a file or of stdin, without their line ends; an empty last line is no argument. */
async function linesOf(file: string | undefined): Promise<string[]> {
  const text = file === undefined || file === "-" ? Buffer.from(await readStdin()).toString("utf8") : await readFile(file, "utf8");
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

export async function main(argv: string[]): Promise<number> {
  const opts = parseEach(argv);
  if (opts === "help") {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  if ("error" in opts) {
    process.stderr.write(`pll each: ${opts.error}\n${USAGE}\n`);
    return 2;
  }
  const groups: string[][] = [];
  try {
    if (!opts.sources.length) groups.push(await linesOf(undefined));
    for (const s of opts.sources) groups.push("args" in s ? s.args : await linesOf(s.file));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    process.stderr.write(`pll each: can't read ${e.path ?? "stdin"}: ${e.code === "ENOENT" ? "no such file" : (e.code ?? e.message)}\n`);
    return 2;
  }
  // As with parallel: no arguments, no jobs, nothing failed.
  if (groups.some((g) => g.length === 0)) {
    process.stderr.write("pll each: no arguments: nothing to run\n");
    return 0;
  }
  const source = eachSource(opts.template, groups, opts.settings);
  if (typeof source !== "string") {
    process.stderr.write(`pll each: ${source.error}\n`);
    return 2;
  }
  // A generated source, compiled as a file in the caller's directory would be; without a path the server names it by its `jobset` line.
  const text = Buffer.from(source);
  return runJobset({ label: opts.run.file, regular: false, cwd: process.cwd(), read: async () => text }, opts.run, "pll each");
}
