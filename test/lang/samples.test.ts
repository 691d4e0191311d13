// Every file in samples/ checks clean (no errors, no warnings), also through the real `bin/pll check`.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { compileFile } from "../../src/lang/index.js";
import { pllBin, repoRoot } from "../helpers/home.js";

const run = promisify(execFile);
const dir = path.join(repoRoot, "samples");
const files = readdirSync(dir).filter((f) => f.endsWith(".pll")).sort();

describe("samples", () => {
  it("has the six real-world jobsets of the issue and hello.pll", () => {
    for (const f of ["hello.pll", "db-dumps.pll", "build-matrix.pll", "rollout.pll", "healthcheck.pll", "nightly.pll", "dag.pll"]) assert.ok(files.includes(f), f);
  });

  for (const f of files) {
    it(`${f} compiles without errors or warnings`, async () => {
      const r = await compileFile(path.join(dir, f));
      assert.deepEqual(r.diagnostics, []);
      assert.ok(r.graph && r.graph.jobs.length > 0);
    });
  }

  it("bin/pll check accepts every sample with a one-line summary each", async () => {
    const { stdout, stderr } = await run(pllBin, ["check", ...files.map((f) => path.join("samples", f))], { cwd: repoRoot });
    assert.equal(stderr, "");
    const out = stdout.trim().split("\n");
    assert.equal(out.length, files.length);
    for (const [i, f] of files.entries()) assert.match(out[i]!, new RegExp(`^samples/${f.replace(".", "\\.")}: ok — jobset \\S+: \\d+ jobs?, \\d+ blocks?, \\d+ depend\\w+, \\d+ schedules?$`));
  });

  it("the shapes the issue asks for are there", async () => {
    const g = async (f: string) => (await compileFile(path.join(dir, f))).graph!;
    const dumps = await g("db-dumps.pll");
    assert.deepEqual(dumps.jobs.filter((j) => j.name.startsWith("dump_")).map((j) => j.env.db), ["orders", "users", "billing"]);
    const matrix = await g("build-matrix.pll");
    assert.equal(matrix.jobs.filter((j) => j.name.startsWith("test_")).length, 6);
    assert.equal((await g("rollout.pll")).blocks.find((b) => b.name === "fleet")?.batch, 5);
    const health = await g("healthcheck.pll");
    assert.equal(health.schedules[0]?.every?.text, "10s");
    assert.deepEqual(health.schedules[0]?.jobs, health.jobs.map((j) => j.key));
    assert.equal((await g("nightly.pll")).schedules[0]?.cron, "30 2 * * *");
    const dag = await g("dag.pll");
    assert.deepEqual([...dag.jobs.find((j) => j.name === "join")!.deps].sort(), ["clean_prices", "clean_sales", "clean_stock"]);
    const hello = await g("hello.pll");
    assert.deepEqual(hello.blocks.map((b) => b.kind), ["seq", "par"]);
    assert.equal(hello.schedules.length, 0);
  });
});
