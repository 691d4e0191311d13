// `pll check FILE… [--json]`: compile each file; a one-line summary per valid
// file (exit 0), or every error of every file (exit 2, as for any file that
// does not load). `--json` prints the
// compiled graph (an array of graphs for several files).
import { compileFile, formatDiagnostics } from "../lang/index.js";
import type { JobGraph } from "../core/types.js";
import { UserError } from "../core/errors.js";

export const USAGE = [
  "usage: pll check FILE.pll… [--json]",
  "  checks each file (- reads stdin); prints a summary per valid file, or every error (exit 2)",
  "  --json  print the compiled job graph (an array for several files)",
  "",
].join("\n");

export async function main(args: string[]): Promise<number> {
  const parsed = parseFileArgs(args, { flags: ["--json"], options: [] }, USAGE);
  if (typeof parsed === "number") return parsed;
  const json = parsed.flags.has("--json");
  let failed = false;
  const graphs: JobGraph[] = [];
  for (const file of parsed.files) {
    let r: Awaited<ReturnType<typeof compileFile>>;
    try {
      r = await compileFile(file);
    } catch (err) {
      // A file that cannot be read is said as by graph, run and load; the others are still checked.
      if (!(err instanceof UserError)) throw err;
      process.stderr.write(`pll: ${err.message}\n`);
      failed = true;
      continue;
    }
    if (r.diagnostics.length) process.stderr.write(formatDiagnostics(r.diagnostics, r.source, { color: useColor(process.stderr) }));
    if (!r.graph) {
      failed = true;
      continue;
    }
    graphs.push(r.graph);
    if (!json) process.stdout.write(`${file}: ok — ${summary(r.graph)}\n${roleNote(r.graph)}`);
  }
  if (json && !failed) process.stdout.write(`${JSON.stringify(graphs.length === 1 ? graphs[0] : graphs, null, 2)}\n`);
  return failed ? 2 : 0;
}

const count = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** What the file's role jobs will do (issue 15): the check cannot see the server, so it says what decides. */
function roleNote(g: JobGraph): string {
  const roles = [...new Set(g.jobs.flatMap((j) => (j.role !== undefined ? [j.role] : [])))].sort();
  if (roles.length === 0) return "";
  return process.env.PLL_QUEUE
    ? `  role ${roles.join(", ")}: run on the \`pll worker\`s serving them, through the server's queue; they wait while none is live\n`
    : `  role ${roles.join(", ")}: run on the server's machine unless it has a queue (pll serve --queue URL, or PLL_QUEUE): then on its \`pll worker\`s\n`;
}

export function summary(g: JobGraph): string {
  const edges = g.jobs.reduce((n, j) => n + j.deps.length, 0);
  return `jobset ${g.jobset}: ${count(g.jobs.length, "job")}, ${count(g.blocks.length, "block")}, ${count(edges, "dependency", "dependencies")}, ${count(g.schedules.length, "schedule")}`;
}

// Argument parsing shared with `pll graph`: files, flags and `--opt value` / `--opt=value`;
// a usage mistake prints the usage and gives exit code 2.
export interface FileArgs {
  files: string[];
  flags: Set<string>;
  options: Map<string, string>;
}

export function parseFileArgs(args: string[], spec: { flags: string[]; options: string[] }, usage: string): FileArgs | number {
  const out: FileArgs = { files: [], flags: new Set(), options: new Map() };
  const bad = (why: string): number => {
    process.stderr.write(`pll: ${why}\n${usage}`);
    return 2;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-h" || a === "--help") {
      process.stdout.write(usage);
      return 0;
    }
    if (a === "--") {
      out.files.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      out.files.push(a);
      continue;
    }
    const [name, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    if (spec.flags.includes(name) && inline === undefined) out.flags.add(name);
    else if (spec.options.includes(name)) {
      const value = inline ?? args[++i];
      if (value === undefined) return bad(`${name} needs a value`);
      out.options.set(name, value);
    } else return bad(`unknown option ${a}`);
  }
  if (!out.files.length) return bad("missing FILE argument");
  return out;
}

/** Colour only on a terminal, and never with NO_COLOR set. */
export const useColor = (stream: NodeJS.WriteStream): boolean => Boolean(stream.isTTY) && !process.env.NO_COLOR;
