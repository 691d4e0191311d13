// `pll graph FILE [--format dot|text]`: the compiled dependency graph as
// Graphviz DOT (default) or an indented text tree.
import { compileFile, formatDiagnostics } from "../lang/index.js";
import { toDot, toText } from "../lang/render-graph.js";
import { parseFileArgs, useColor } from "./check.js";

export const USAGE = [
  "usage: pll graph FILE.pll [--format dot|text]",
  "  dot (default): Graphviz, e.g. `pll graph x.pll | dot -Tsvg > x.svg`; text: an indented tree",
  "  FILE - reads stdin",
  "",
].join("\n");

export async function main(args: string[]): Promise<number> {
  const parsed = parseFileArgs(args, { flags: [], options: ["--format"] }, USAGE);
  if (typeof parsed === "number") return parsed;
  const format = parsed.options.get("--format") ?? "dot";
  if (format !== "dot" && format !== "text") {
    process.stderr.write(`pll: unknown format \`${format}\` (use dot or text)\n${USAGE}`);
    return 2;
  }
  if (parsed.files.length !== 1) {
    process.stderr.write(`pll: graph takes one file\n${USAGE}`);
    return 2;
  }
  const r = await compileFile(parsed.files[0]!);
  if (r.diagnostics.length) process.stderr.write(formatDiagnostics(r.diagnostics, r.source, { color: useColor(process.stderr) }));
  if (!r.graph) return 2;
  process.stdout.write(format === "dot" ? toDot(r.graph) : toText(r.graph));
  return 0;
}
