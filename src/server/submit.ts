// Turning what clients send into job graphs: the server compiles (clients send
// source text or a raw job line), so every door gets the same diagnostics.
// The compiler is loaded on first use: a server that only answers queries
// (status, logs, stop) starts without it.
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { z } from "zod";
import type { EngineControl, JobGraph, JobRecord } from "../core/types.js";
import type { formatDiagnostics } from "../lang/index.js";
import type { submitLineBody, submitRunBody } from "./api-schema.js";
import { HttpError } from "./routing.js";

type Diagnostics = Parameters<typeof formatDiagnostics>[0];

export interface Compiled {
  graph: JobGraph;
  source: string;
  /** formatted compiler warnings, for the response's notices */
  warnings: string[];
}

const lang = () => import("../lang/index.js");

async function refuse(diagnostics: Diagnostics, source: string): Promise<never> {
  const { formatDiagnostics } = await lang();
  throw new HttpError(400, formatDiagnostics(diagnostics, source).trimEnd());
}

/** A `.pll` source (given, or read from `path` by the server) → graph. Bad source is a 400 with the diagnostics. */
export async function compileRun(body: z.output<typeof submitRunBody>): Promise<Compiled> {
  const file = body.path !== undefined ? path.resolve(body.cwd ?? "/", body.path) : "<stdin>";
  let source = body.source;
  if (source === undefined) {
    try {
      source = await readFile(file, "utf8");
    } catch (err) {
      throw new HttpError(400, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const cwd = body.cwd ?? (body.path !== undefined ? path.dirname(file) : process.cwd());
  const result = (await lang()).compileSource(source, file, { cwd, env: body.env ?? {} });
  if (!result.graph || hasErrors(result.diagnostics)) return refuse(result.diagnostics, source);
  return { graph: result.graph, source, warnings: await warningsOf(result.diagnostics, source) };
}

/** One job line → graph, with `after NAME` references resolved to existing job numbers. */
export async function compileLine(engine: EngineControl, body: z.output<typeof submitLineBody>): Promise<Compiled> {
  const result = (await lang()).compileJobLine(body.line, {
    cwd: body.cwd ?? process.cwd(),
    env: body.env ?? {},
    ...(body.jobset !== undefined ? { jobset: body.jobset } : {}),
  });
  if (!result.graph || hasErrors(result.diagnostics)) return refuse(result.diagnostics, body.line);
  const resolved: number[] = [];
  for (const ref of result.afterRefs) {
    const jobs = resolveRef(engine, ref);
    resolved.push(...jobs.map((j) => j.id));
  }
  if (resolved.length > 0) {
    for (const job of result.graph.jobs) job.afterIds = [...new Set([...(job.afterIds ?? []), ...resolved])];
  }
  return { graph: result.graph, source: body.line, warnings: await warningsOf(result.diagnostics, body.line) };
}

/** Warnings do not stop a submit; they travel back as notices. */
async function warningsOf(diagnostics: Diagnostics, source: string): Promise<string[]> {
  if (diagnostics.length === 0) return [];
  const { formatDiagnostics } = await lang();
  return [formatDiagnostics(diagnostics, source).trimEnd()];
}

function hasErrors(diagnostics: Diagnostics): boolean {
  return (diagnostics as readonly { severity?: string }[]).some((d) => d.severity === undefined || d.severity === "error");
}

/** A user's job reference ("12", "#12", a name, "failed") → jobs; matching nothing is a 404. */
export function resolveRef(engine: EngineControl, ref: string): JobRecord[] {
  const jobs = engine.resolveJobs(ref);
  if (jobs.length > 0) return jobs;
  if (ref === "failed") throw new HttpError(404, "no failed jobs");
  throw new HttpError(404, /^#?\d+$/.test(ref) ? `no such job: #${ref.replace(/^#/, "")}` : `no job matches '${ref}'`);
}
