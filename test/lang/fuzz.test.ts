// Property-based fuzzing: random text, random token soup and mutated samples.
// The compiler never throws, always finishes, and every diagnostic points
// inside the input; a graph comes back exactly when there is no error.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { compileJobLine, compileSource, formatDiagnostics, type Diagnostic } from "../../src/lang/index.js";
import { repoRoot } from "../helpers/home.js";

const samples = readdirSync(path.join(repoRoot, "samples"))
  .filter((f) => f.endsWith(".pll"))
  .map((f) => readFileSync(path.join(repoRoot, "samples", f), "utf8"));

const FRAGMENTS = [
  "\n", "\n", " ", "  ", "\t", "<", ">", ":", ",", "=", "$", "$ echo hi", "#", "# c", "\\", "\\\n", '"', "'", '"a b"', "'x'",
  "seq", "par", "jobset", "on", "failure", "priority", "high", "after", "every", "cron", '"0 2 * * *"', "at", '"2026-12-01 02:00"',
  "tz", '"Europe/Berlin"', "overlap", "skip", "catchup", "once", "pjc", "batch", "timeout", "retry", "backoff", "expect", "time",
  "output", "fresh", "units", "role", "env", "A=1", "cwd", "for", "in", "a", "b", "x_{v}", "{v}", "v", "dump_*", "12", "#12",
  "-3", "5m", "1h30m", "10KB", "0", "\r\n", "\u00e9", "\u0000",
];

const tokenSoup = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 200 }).map((parts) => parts.join(" ").replace(/ \n /g, "\n"));

type Mutation = { kind: "delete" | "insert" | "dupLine" | "dropLine"; at: number; len: number; text: string };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom("delete", "insert", "dupLine", "dropLine"),
  at: fc.nat(),
  len: fc.integer({ min: 1, max: 12 }),
  text: fc.constantFrom(...FRAGMENTS),
});

function mutate(source: string, muts: Mutation[]): string {
  let s = source;
  for (const m of muts) {
    const at = s.length ? m.at % s.length : 0;
    if (m.kind === "delete") s = s.slice(0, at) + s.slice(at + m.len);
    else if (m.kind === "insert") s = s.slice(0, at) + m.text + s.slice(at);
    else {
      const ls = s.split("\n");
      const i = ls.length ? m.at % ls.length : 0;
      if (m.kind === "dupLine") ls.splice(i, 0, ls[i] ?? "");
      else ls.splice(i, 1);
      s = ls.join("\n");
    }
  }
  return s;
}

const mutatedSample = fc.tuple(fc.constantFrom(...samples), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([src, muts]) => mutate(src, muts));

function checkDiagnostics(source: string, diags: Diagnostic[]): void {
  const lines = source.split(/\r?\n/);
  for (const d of diags) {
    assert.ok(d.severity === "error" || d.severity === "warning");
    assert.ok(typeof d.message === "string" && d.message.length > 0 && !/undefined|NaN|\[object/.test(d.message), d.message);
    assert.ok(Number.isInteger(d.line) && d.line >= 1 && d.line <= lines.length, `line ${d.line} of ${lines.length}: ${d.message}`);
    assert.ok(Number.isInteger(d.col) && d.col >= 1 && d.col <= lines[d.line - 1]!.length + 1, `col ${d.col} on line ${d.line} (${lines[d.line - 1]!.length} chars): ${d.message}`);
    if (d.endCol !== undefined) assert.ok(d.endCol > d.col && d.endCol <= lines[d.line - 1]!.length + 1, `endCol ${d.endCol} after col ${d.col}, within the line`);
  }
}

function checkSource(source: string): void {
  const r = compileSource(source, "/fuzz/f.pll");
  checkDiagnostics(source, r.diagnostics);
  const errors = r.diagnostics.some((d) => d.severity === "error");
  assert.equal(Boolean(r.graph), !errors, "a graph iff no errors");
  if (r.graph) {
    const keys = new Set(r.graph.jobs.map((j) => j.key));
    assert.equal(keys.size, r.graph.jobs.length, "unique job keys");
    const lineCount = source.split(/\r?\n/).length;
    for (const j of r.graph.jobs) {
      for (const d of j.deps) assert.ok(keys.has(d), `dep ${d} of ${j.key} exists`);
      assert.ok(j.loc.line >= 1 && j.loc.line <= lineCount && j.loc.col >= 1, `job ${j.key} at ${j.loc.line}:${j.loc.col}`);
    }
    assert.deepEqual(JSON.parse(JSON.stringify(r.graph)), r.graph);
  }
  formatDiagnostics(r.diagnostics, source, { color: true });
}

describe("fuzzing the compiler", { timeout: 60_000 }, () => {
  it("survives random text", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 300 }), checkSource), { numRuns: 3000 });
  });

  it("survives random token soup", () => {
    fc.assert(fc.property(tokenSoup, checkSource), { numRuns: 5000 });
  });

  it("survives mutated samples", () => {
    fc.assert(fc.property(mutatedSample, checkSource), { numRuns: 3000 });
  });

  it("survives random shell job lines", () => {
    fc.assert(
      fc.property(fc.oneof(tokenSoup, fc.string({ maxLength: 80 })), (line) => {
        const r = compileJobLine(line, { cwd: "/tmp", env: {} });
        checkDiagnostics(line, r.diagnostics);
        assert.equal(Boolean(r.graph), !r.diagnostics.some((d) => d.severity === "error"));
      }),
      { numRuns: 3000 },
    );
  });
});
