// The language's front door: source text → JobGraph + diagnostics.
// Syntax (syntax.ts) → AST (cst-to-ast.ts) → graph and checks (compile.ts).
// Semantic checks run only on a file without syntax errors, so every error
// reported is real and not an echo of a broken line.
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { JobGraph } from "../core/types.js";
import type { Line } from "./ast.js";
import { GraphCompiler, type CompileContext } from "./compile.js";
import { toAst } from "./cst-to-ast.js";
import { hasErrors, sortDiagnostics, type Diagnostic } from "./diagnostics.js";
import { JOBSET_NAME, JOBSET_NAME_RULE } from "./jobset-name.js";
import { rootScope } from "./scope.js";
import { decodeSource, escapeControls, firstNul, stripBom } from "./source-text.js";
import { parseSource } from "./syntax.js";

export { formatDiagnostics, type Diagnostic } from "./diagnostics.js";

function parseLines(source: string, file: string): { lines?: Line[]; diagnostics: Diagnostic[] } {
  const lines: Line[] = [];
  const problems: Diagnostic[] = [];
  const syntax = parseSource(source, file, (lineCst) => {
    const ast = toAst(lineCst);
    for (const l of ast.lines) lines.push(l);
    for (const p of ast.problems) problems.push({ file, ...p.span, severity: "error", message: p.message });
  });
  const diagnostics = [...syntax.diagnostics, ...problems];
  return diagnostics.length ? { diagnostics } : { lines, diagnostics };
}

/** `jobset NAME` (top level, once), else the file's base name without `.pll`. */
function jobsetName(lines: Line[], file: string, diagnostics: Diagnostic[]): string {
  let name: string | undefined;
  for (const l of lines) {
    if (l.type !== "jobset") continue;
    if (name !== undefined) diagnostics.push({ file, ...l.span, severity: "error", message: `\`jobset\` is given twice (the file is already \`${name}\`)` });
    else if (!JOBSET_NAME.test(l.name.text)) diagnostics.push({ file, ...l.name.span, severity: "error", message: `\`${l.name.text}\` is not a valid jobset name: use ${JOBSET_NAME_RULE}` });
    else name = l.name.text;
  }
  if (name !== undefined) return name;
  const base = path.basename(file).replace(/\.pll$/, "").replace(/^<(.*)>$/, "$1");
  return JOBSET_NAME.test(base) ? base : base.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^[-.]/, "_") || "jobset";
}

function finish<T extends { diagnostics: Diagnostic[] }>(r: T & { graph?: JobGraph }): T & { graph?: JobGraph } {
  // `for` instances repeat their item's checks: report each problem once.
  const seen = new Set<string>();
  r.diagnostics = sortDiagnostics(r.diagnostics).filter((d) => {
    const key = `${d.line}:${d.col}:${d.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  }).map((d) => ({ ...d, message: escapeControls(d.message) }));
  if (hasErrors(r.diagnostics)) delete r.graph;
  return r;
}

/** Compile a .pll source. `graph` is present iff there are no errors (warnings may be). */
export function compileSource(
  source: string,
  file: string,
  opts: { cwd?: string; env?: Record<string, string> } = {},
): { graph?: JobGraph; diagnostics: Diagnostic[] } {
  source = stripBom(source);
  // Text handed over already decoded (stdin, the API): its NUL has a position.
  const nul = firstNul(source);
  if (nul) return { diagnostics: [{ ...notTextError(file, "it holds a NUL byte"), ...nul }] };
  const parsed = parseLines(source, file);
  if (!parsed.lines) return finish({ diagnostics: parsed.diagnostics });
  const diagnostics = parsed.diagnostics;
  const jobset = jobsetName(parsed.lines, file, diagnostics);
  const cwd = opts.cwd ?? path.dirname(path.resolve(file));
  const graphFile = /^<.*>$/.test(file) ? file : path.resolve(file);
  const ctx: CompileContext = { file, graphFile, mode: "file", jobset, root: rootScope(cwd), homeEnv: opts.env ?? (process.env as Record<string, string>) };
  const compiler = new GraphCompiler(ctx);
  const graph = compiler.compileFile(parsed.lines);
  return finish({ graph, diagnostics: [...diagnostics, ...compiler.diagnostics] });
}

/** One error for the whole file: lexing its bytes would echo them in a screenful of errors. */
const notTextError = (file: string, why: string): Diagnostic => ({ file, line: 0, col: 0, severity: "error", message: `not a text file: ${why}` });

/**
 * Read and compile a file; a missing or unreadable file is a diagnostic, not a throw.
 * `source` is the text the positions refer to (without a BOM).
 */
export async function compileFile(file: string): Promise<{ graph?: JobGraph; source: string; diagnostics: Diagnostic[] }> {
  let source: string;
  try {
    const decoded = decodeSource(await readFile(file));
    if ("notText" in decoded) return { source: "", diagnostics: [notTextError(file, decoded.notText)] };
    source = decoded.text;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : code === "EACCES" ? "permission denied" : String((e as Error).message);
    return { source: "", diagnostics: [{ file, line: 0, col: 0, severity: "error", message: `can't read ${file}: ${why}` }] };
  }
  return { source, ...compileSource(source, file) };
}

/** A name for an unlabeled shell job: the command's first word, without its directory. */
function commandName(command: string): string {
  const first = command.trim().split(/\s+/)[0] ?? "";
  const name = path.basename(first).replace(/[^A-Za-z0-9_.-]/g, "").replace(/^[-.]+/, "");
  return !name || /^\d+$/.test(name) ? "job" : name;
}

/**
 * Compile one job line typed in the shell (`$ make test`, `priority high after 12 $ ./x.sh`).
 * Numeric `after` refs become `afterIds` on each job; other refs are returned for the server to resolve.
 */
export function compileJobLine(
  line: string,
  opts: { cwd: string; env: Record<string, string>; jobset?: string },
): { graph?: JobGraph; afterRefs: string[]; diagnostics: Diagnostic[] } {
  const file = "<shell>";
  const parsed = parseLines(line, file);
  if (!parsed.lines) return finish({ afterRefs: [], diagnostics: parsed.diagnostics });
  const items = parsed.lines.filter((l) => l.type === "item");
  const others = parsed.lines.filter((l) => l.type !== "item");
  const item = items[0];
  if (others.length || items.length !== 1 || !item || !("command" in item.body)) {
    const at = others[0]?.span ?? item?.span ?? { line: 1, col: 1 };
    return { afterRefs: [], diagnostics: [{ file, ...at, severity: "error", message: "a job line is modifiers, then `$` and a command (e.g. `priority high $ make test`)" }] };
  }
  const jobset = opts.jobset ?? "shell";
  const ctx: CompileContext = { file, graphFile: file, mode: "shell", jobset, root: rootScope(opts.cwd), homeEnv: opts.env };
  const compiler = new GraphCompiler(ctx);
  // An unlabeled shell job is named after its command, not `shell.1`.
  const forVars = item.mods.flatMap((m) => (m.kind === "for" ? [`.{${m.name.text}}`] : []));
  const named = item.label ? item : { ...item, label: { text: commandName(item.body.command.text) + forVars.join(""), span: item.span } };
  const graph = compiler.compileFile([named]);
  if (compiler.afterIds.length) for (const j of graph.jobs) j.afterIds = [...new Set(compiler.afterIds)];
  return finish({ graph, afterRefs: [...new Set(compiler.afterRefs)], diagnostics: compiler.diagnostics });
}
