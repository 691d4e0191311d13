// Small wrappers for language tests: compile a source text and get the graph
// (failing the test with the rendered errors) or the list of errors.
import assert from "node:assert/strict";
import type { JobGraph, JobSpec } from "../../src/core/types.js";
import { compileSource, formatDiagnostics } from "../../src/lang/index.js";

export const FILE = "/work/test.pll";

/** Compile and return the graph; fails with the rendered diagnostics if there are errors. */
export function graphOf(source: string, file = FILE): JobGraph {
  const r = compileSource(source, file);
  assert.ok(r.graph, `expected no errors, got:\n${formatDiagnostics(r.diagnostics, source)}`);
  return r.graph;
}

/** The errors of a source as `line:col message`, in order. */
export function errorsOf(source: string, file = FILE): string[] {
  const r = compileSource(source, file);
  assert.equal(r.graph, undefined, "expected errors, got a graph");
  return r.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.line}:${d.col} ${d.message}`);
}

/** The single error of a source (fails if there are several). */
export function errorOf(source: string): string {
  const errs = errorsOf(source);
  assert.equal(errs.length, 1, `expected one error, got:\n${errs.join("\n")}`);
  return errs[0]!;
}

export function job(g: JobGraph, name: string): JobSpec {
  const j = g.jobs.find((x) => x.name === name);
  assert.ok(j, `no job ${name} in ${g.jobs.map((x) => x.name).join(", ")}`);
  return j;
}

/** `deps` of a job, sorted (edge order is not part of the contract). */
export const depsOf = (g: JobGraph, name: string): string[] => [...job(g, name).deps].sort();

export const lines = (...ls: string[]): string => `${ls.join("\n")}\n`;
