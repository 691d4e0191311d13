// A file is parsed once, whole: the parser runs once for a clean file of any
// size or shape, and a syntax error costs re-parses of its own top-level item
// only — yet every bad line is still reported, as when each item was parsed
// on its own.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CstNode } from "chevrotain";
import { parser } from "../../grammar/parser.js";
import { compileSource } from "../../src/lang/index.js";
import { parseSource } from "../../src/lang/syntax.js";

/** Compile while counting the parser's invocations (its top rule). */
function countingParses(source: string): { invocations: number; result: ReturnType<typeof compileSource> } {
  let invocations = 0;
  const file = parser.file.bind(parser);
  (parser as { file: () => unknown }).file = () => {
    invocations++;
    return file();
  };
  try {
    return { result: compileSource(source, "<f>", { cwd: "/", env: {} }), invocations };
  } finally {
    (parser as { file: () => unknown }).file = file;
  }
}

const stage = (s: number): string => `stage${s}: seq <\n  par pjc 4 <\n${"    $ true\n".repeat(20)}  >\n  s${s}_sum: $ echo ${s}\n>\n`;

describe("parsing once", () => {
  it("runs the parser once for a clean file: plain lines, blocks, settings and hooks", () => {
    const source = `jobset once\npjc 8\non failure $ echo failed\n${"$ true\n".repeat(2000)}${Array.from({ length: 50 }, (_, s) => stage(s)).join("")}`;
    const { invocations, result } = countingParses(source);
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.graph?.jobs.length, 2000 + 50 * 21);
    assert.equal(invocations, 1);
  });

  it("hands over each top-level line as it is parsed, and keeps none of its tree: the file's CST is never whole", () => {
    const seen: CstNode[] = [];
    const r = parseSource(`jobset once\n${stage(0)}${"$ true\n".repeat(100)}`, "<f>", (line) => {
      assert.equal(Object.keys(line.children).length, 1, "a line arrives whole");
      seen.push(line);
    });
    assert.deepEqual(r.diagnostics, []);
    assert.equal(seen.length, 1 + 1 + 100); // the jobset line, the stage, the commands
    for (const l of seen) assert.deepEqual(Object.keys(l.children), []);
  });

  it("re-parses only around a broken line: its own item until it parses, then the rest once", () => {
    const lines = "$ true\n".repeat(1000);
    const { invocations, result } = countingParses(`${lines}${stage(0).replace("pjc 4", "pjc")}${lines}`);
    assert.deepEqual(result.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`), ["1002:11 expected a whole number after `pjc`, found `<`"]);
    // whole file (fails, having handed over the 1,000 lines before), the broken block twice (before and after blanking), the 1,000 lines after
    assert.equal(invocations, 4);
  });

  it("still reports every bad line of every item, and the AST's own errors above the first syntax error", () => {
    const source = ["a: $", "$ ok", "b: timeout $ x", "$ ok", "s: seq <", "  priority $ y", "  $ ok", "  retry x $ z", ">", "$ ok", "c: after $ w", "d: <"].join("\n");
    const { result } = countingParses(source);
    assert.deepEqual(
      result.diagnostics.map((d) => `${d.line}:${d.col}`),
      ["1:4", "3:12", "6:12", "8:9", "11:10", "12:5"],
      result.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`).join("\n"),
    );
    assert.match(result.diagnostics[0]!.message, /empty command/);
    assert.match(result.diagnostics[5]!.message, /expected `>` to close the `d: <` opened at 12:4/);
  });

  it("reads a clean file as the grammar does, not as the splitting after an error guesses (`for x in time <` opens a block)", () => {
    const r = compileSource('for x in time output <\n  t_{x}: expect time < 5m $ echo "$x"\n>\n', "<f>", { cwd: "/", env: {} });
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.graph?.jobs.map((j) => j.name), ["t_time", "t_output"]);
  });

  it("still reports a block left open where the splitting guesses no block at all", () => {
    const r = compileSource("for x in time <\n$ a\n", "<f>", { cwd: "/", env: {} });
    assert.deepEqual(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`), ["2:4 expected `>`, found the end of the file"]);
  });
});
