// `pll check` and `pll graph` as a user runs them: output, exit codes, usage errors.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { compileSource } from "../../src/lang/index.js";
import { pllBin, repoRoot, withTempHome } from "../helpers/home.js";

const execFileP = promisify(execFile);

async function pll(args: string[], cwd = repoRoot): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileP(pllBin, args, { cwd, env: { ...process.env, NO_COLOR: "1" } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const GOOD = "jobset demo\nbuild: seq <\n  a: $ echo a\n  b: $ echo b\n>\nreport: after build $ echo r\n";
const BAD = "a: timeout 5x $ x\nb: after nope $ y\n";

async function withFiles<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  return withTempHome(async (dir) => {
    await writeFile(path.join(dir, "good.pll"), GOOD);
    await writeFile(path.join(dir, "bad.pll"), BAD);
    return fn(dir);
  });
}

describe("pll check", () => {
  it("exits 0 with a one-line summary for a valid file", () =>
    withFiles(async (dir) => {
      const r = await pll(["check", "good.pll"], dir);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, "good.pll: ok — jobset demo: 3 jobs, 1 block, 2 dependencies, 0 schedules\n");
      assert.equal(r.stderr, "");
    }));

  it("exits 2 (a file that does not load) with every error of every file, and still summarises the good ones", () =>
    withFiles(async (dir) => {
      const r = await pll(["check", "bad.pll", "good.pll"], dir);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^bad\.pll:1:12: error: invalid duration `5x`/);
      assert.match(r.stderr, /\nbad\.pll:2:10: error: unknown job or block `nope`\n   2 \| b: after nope \$ y\n     \|          \^\^\^\^\n/);
      assert.ok(!r.stderr.includes("    at "), "no stack trace");
      assert.equal(r.stdout, "good.pll: ok — jobset demo: 3 jobs, 1 block, 2 dependencies, 0 schedules\n");
    }));

  it("prints the compiled graph with --json", () =>
    withFiles(async (dir) => {
      const r = await pll(["check", "--json", "good.pll"], dir);
      assert.equal(r.code, 0);
      const expected = compileSource(GOOD, "good.pll", { cwd: dir }).graph!;
      assert.deepEqual(JSON.parse(r.stdout), { ...expected, file: path.join(dir, "good.pll") });
      const two = await pll(["check", "good.pll", "--json", "good.pll"], dir);
      assert.equal(JSON.parse(two.stdout).length, 2);
    }));

  it("reports a missing file as an error, exit 2", async () => {
    const r = await pll(["check", "/nonexistent/x.pll"]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "pll: can't read /nonexistent/x.pll: no such file\n");
  });

  it("exits 2 on usage errors", async () => {
    assert.equal((await pll(["check"])).code, 2);
    const unknown = await pll(["check", "--bogus", "x.pll"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown option --bogus\nusage: pll check/);
    assert.equal((await pll(["check", "--help"])).code, 0);
  });
});

describe("pll graph", () => {
  it("prints DOT with a cluster per block and an edge per dependency", () =>
    withFiles(async (dir) => {
      const r = await pll(["graph", "good.pll"], dir);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^digraph "demo" \{/);
      assert.match(r.stdout, /subgraph "cluster_0" \{\n\s+label="build \(seq\)";\n\s+"a" \[label="a\\n\$ echo a"\];/);
      assert.match(r.stdout, /"a" -> "b";/);
      assert.match(r.stdout, /"b" -> "report";/);
      assert.ok(r.stdout.trimEnd().endsWith("}"));
    }));

  it("prints an indented text tree with --format text", () =>
    withFiles(async (dir) => {
      const r = await pll(["graph", "good.pll", "--format", "text"], dir);
      assert.equal(r.code, 0);
      assert.equal(r.stdout.split("\n").slice(1).join("\n"), [
        "├─ build  seq",
        "│  ├─ a  $ echo a",
        "│  └─ b  $ echo b  ← a",
        "└─ report  $ echo r  ← b",
        "",
      ].join("\n"));
      assert.equal((await pll(["graph", "--format=text", "good.pll"], dir)).stdout, r.stdout);
    }));

  it("exits 2 with the errors of an invalid file, and on usage errors", () =>
    withFiles(async (dir) => {
      const bad = await pll(["graph", "bad.pll"], dir);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /bad\.pll:1:12: error/);
      assert.equal((await pll(["graph"], dir)).code, 2);
      assert.equal((await pll(["graph", "good.pll", "--format", "svg"], dir)).code, 2);
      assert.equal((await pll(["graph", "good.pll", "good.pll"], dir)).code, 2);
      assert.equal((await pll(["graph", "good.pll", "--format"], dir)).code, 2);
    }));
});

describe("railroad diagram", () => {
  it("is generated into grammar/ and opens offline", async () => {
    const { readFile } = await import("node:fs/promises");
    const html = await readFile(path.join(repoRoot, "grammar", "syntax-diagram.html"), "utf8");
    assert.ok(!/<(script|link)[^>]+(src|href)=/i.test(html), "no external script or stylesheet");
    for (const rule of ["file", "item", "block", "modifier", "afterMod", "forMod"]) assert.ok(html.includes(`"name": "${rule}"`), rule);
  });

  it("and the CST types are up to date with the parser (regenerate: node dist/grammar/diagram.js)", () =>
    withTempHome(async (dir) => {
      const { readFile } = await import("node:fs/promises");
      const [html, cst] = [path.join(dir, "diagram.html"), path.join(dir, "cst.ts")];
      await execFileP(process.execPath, [path.join(repoRoot, "dist", "grammar", "diagram.js"), html, cst], { cwd: repoRoot });
      assert.equal(await readFile(html, "utf8"), await readFile(path.join(repoRoot, "grammar", "syntax-diagram.html"), "utf8"));
      assert.equal(await readFile(cst, "utf8"), await readFile(path.join(repoRoot, "grammar", "cst.ts"), "utf8"));
    }));
});
