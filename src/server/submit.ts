// Turning what clients send into job graphs: the server compiles (clients send
// source text or a raw job line), so every door gets the same diagnostics.
// The compiler is loaded on first use: a server that only answers queries
// (status, logs, stop) starts without it.
import { constants, type Stats } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import path from "node:path";
import type { z } from "zod";
import type { EngineControl, JobGraph } from "../core/types.js";
import type { formatDiagnostics } from "../lang/index.js";
import type { submitLineBody, submitRunBody } from "./api-schema.js";
import { UserError } from "../core/errors.js";
import { resolveRef } from "./references.js";
import { submittedEnv } from "../exec/job-env.js";
import { MAX_SOURCE_BODY_BYTES } from "./routing.js";

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
  throw new UserError("usage", formatDiagnostics(diagnostics, source).trimEnd());
}

/** A `.pll` source (given, or read from `path` by the server) → graph. Bad source is a 400 with the diagnostics. */
export async function compileRun(body: z.output<typeof submitRunBody>): Promise<Compiled> {
  const file = body.path !== undefined ? path.resolve(body.cwd ?? "/", body.path) : "<stdin>";
  const source = body.source ?? (await readJobsetFile(file));
  const cwd = body.cwd ?? (body.path !== undefined ? path.dirname(file) : process.cwd());
  const result = (await lang()).compileSource(source, file, { cwd, env: body.env ?? {} });
  if (!result.graph || hasErrors(result.diagnostics)) return refuse(result.diagnostics, source);
  return { graph: withEnv(result.graph, body.env), source, warnings: await warningsOf(result.diagnostics, source) };
}

/** The submitter's environment goes with its graph, to its run and its schedules' runs: jobs run in it (src/exec/job-env.ts). */
const withEnv = (graph: JobGraph, env: Record<string, string> | undefined): JobGraph => ({ ...graph, env: submittedEnv(env ?? {}) });

/**
 * A jobset file the server reads itself: a regular file of at most
 * MAX_SOURCE_BODY_BYTES, as a source in the body may be. Anything else — a
 * device, a pipe, a directory — the server could wait on or read without end;
 * its text is for the client to send.
 */
async function readJobsetFile(file: string): Promise<string> {
  const cannot = (why: string) => new UserError("usage", `cannot read ${file}: ${why}`);
  let fh: FileHandle;
  try {
    // Non-blocking: opening a FIFO for reading would otherwise wait for a writer.
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw cannot((err as NodeJS.ErrnoException).code ?? (err as Error).message);
  }
  try {
    const info = await fh.stat();
    if (!info.isFile()) throw cannot(`not a regular file (${kindOf(info)}); send its text as \`source\` instead`);
    const tooBig = () => cannot(`larger than ${MAX_SOURCE_BODY_BYTES / 1024 / 1024} MiB, the most a jobset may be`);
    if (info.size > MAX_SOURCE_BODY_BYTES) throw tooBig();
    // Read to the end, not to the size stat saw (the file may be growing) — but never past the cap.
    let buf = Buffer.alloc(Math.min(MAX_SOURCE_BODY_BYTES + 1, info.size + 64 * 1024));
    let length = 0;
    for (;;) {
      if (length === buf.length) {
        if (length > MAX_SOURCE_BODY_BYTES) throw tooBig();
        buf = Buffer.concat([buf, Buffer.alloc(Math.min(MAX_SOURCE_BODY_BYTES + 1, length * 2) - length)]);
      }
      const { bytesRead } = await fh.read(buf, length, buf.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return buf.subarray(0, length).toString("utf8");
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw cannot((err as NodeJS.ErrnoException).code ?? (err as Error).message);
  } finally {
    await fh.close();
  }
}

function kindOf(info: Stats): string {
  if (info.isDirectory()) return "a directory";
  if (info.isCharacterDevice()) return "a character device";
  if (info.isBlockDevice()) return "a block device";
  if (info.isFIFO()) return "a pipe";
  if (info.isSocket()) return "a socket";
  return "not a file";
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
  return { graph: withEnv(result.graph, body.env), source: body.line, warnings: await warningsOf(result.diagnostics, body.line) };
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
