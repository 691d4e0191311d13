// What hostile or huge input costs: deep nesting, big `after` globs, tiny
// periods. Each is a clear one-line error or a quick answer — never a stack
// overflow, never minutes of work. Sizes are chosen so that a quadratic or
// recursive implementation fails (times out, overflows) while ours is quick.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { compileSource } from "../../src/lang/index.js";
import { toDot, toText } from "../../src/lang/render-graph.js";
import { withTempHome } from "../helpers/home.js";
import { raw, runPll, withServer } from "../server/server-process.js";
import { errorsOf, graphOf } from "./compile-fixture.js";

/** `n` blocks, each inside the one before, around one job. */
function nested(n: number, kind = "seq"): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`${" ".repeat(i)}b${i}: ${kind} <`);
  out.push(`${" ".repeat(n)}$ true`);
  for (let i = n - 1; i >= 0; i--) out.push(`${" ".repeat(i)}>`);
  return `${out.join("\n")}\n`;
}

describe("block nesting", () => {
  it("allows 100 levels, and the graph renders", () => {
    const g = graphOf(nested(100));
    assert.equal(g.blocks.length, 100);
    assert.match(toDot(g), /cluster_99/);
    assert.match(toText(g), /b99 {2}seq/);
  });

  it("stops at the 101st level with one error at its `<`", () => {
    // The 101st header is line 101, indented by 100: `b100: seq <`, its `<` at column 111.
    assert.deepEqual(errorsOf(nested(101)), ["101:111 blocks nest deeper than 100"]);
    assert.deepEqual(errorsOf(nested(2000, "par")), ["101:111 blocks nest deeper than 100"]);
  });

  it("counts blocks left open, and goes on checking the next top-level items", () => {
    const open = Array.from({ length: 3000 }, (_, i) => `${" ".repeat(i % 50)}<`).join("\n");
    assert.deepEqual(errorsOf(`${open}\n`), ["101:1 blocks nest deeper than 100"]);
    assert.deepEqual(errorsOf(`${nested(150)}a: timeout $ x\n`), ["101:111 blocks nest deeper than 100", "302:12 expected a duration (e.g. 30s, 5m, 1h30m) after `timeout`, found `$`"]);
  });

  it("pll check: exit 2 and the one-line error, no stack trace", () =>
    withTempHome(async (dir) => {
      const file = path.join(dir, "deep.pll");
      await writeFile(file, nested(400));
      const r = await runPll(dir, ["check", file]);
      assert.equal(r.code, 2, r.stderr);
      const lines = r.stderr.split("\n");
      assert.equal(lines[0], `${file}:101:111: error: blocks nest deeper than 100`);
      assert.equal(lines.filter((l) => l.includes("error")).length, 1);
      assert.ok(!r.stderr.includes("    at "), "no stack trace");
    }));

  it("the API answers 2,000 levels with a 400 naming the place", () =>
    withServer(async (server) => {
      const res = await raw(server, "POST", "/runs", JSON.stringify({ source: nested(2000), path: "/tmp/deep.pll" }));
      assert.equal(res.status, 400, res.text);
      assert.match(res.json.error, /^\/tmp\/deep\.pll:101:111: error: blocks nest deeper than 100\n/);
    }));
});

describe("`after` globs and cycles", () => {
  const each = (n: number, line: (i: number) => string): string => `${Array.from({ length: n }, (_, i) => line(i + 1)).join("\n")}\n`;

  // 1,000 jobs that each wait for all the others: a million edges, every one on a cycle.
  // Walking the cycles one back edge at a time was cubic (10 s of CPU here, 1,000 errors);
  // one error per strongly connected group of jobs is linear in the edges (≈ 0.3 s).
  it("1,000 × `gN: after g*`: one error, the shortest cycle and how many more `after`s close cycles", { timeout: 10_000 }, () => {
    assert.deepEqual(errorsOf(each(1000, (i) => `g${i}: after g* $ true`)), [
      "1:11 dependency cycle: `g1` waits for `g10`, which waits for `g1` (998 more `after`s, the first at 2:11, close cycles among the same 1,000 jobs)",
    ]);
  });

  it("reports each separate cycle once, at its first `after`", () => {
    assert.deepEqual(errorsOf(each(3, (i) => `a${i}: after a${(i % 3) + 1} $ x`) + each(2, (i) => `b${i}: after b${(i % 2) + 1} $ x`)), [
      "1:11 dependency cycle: `a1` waits for `a2`, which waits for `a3`, which waits for `a1`",
      "4:11 dependency cycle: `b1` waits for `b2`, which waits for `b1`",
    ]);
  });

  it("500 jobs waiting for 500 (and for one of them twice): every edge is there, once", () => {
    const g = graphOf(each(500, (i) => `a${i}: $ true`) + each(500, (i) => `b${i}: after a*, a1?, a7 $ true`));
    const b = g.jobs.filter((j) => j.name.startsWith("b"));
    assert.equal(b.length, 500);
    const a = g.jobs.filter((j) => j.name.startsWith("a")).map((j) => j.key).sort();
    for (const j of b) assert.deepEqual([...j.deps].sort(), a);
    assert.equal(g.jobs.reduce((n, j) => n + j.deps.length, 0), 250_000);
  });
});
