// pll on each Node line it supports (20, 22, 24): the V8 flags it sets are
// ones that line's V8 knows, and bin/pll says nothing on stderr, whether it
// starts from the snapshot or from the ES modules. The node running the tests
// is checked, and so is each node binary in PLL_TEST_NODES (colon-separated;
// .ci/run names the other line it tests). The blob is for the node that built
// it, so another node runs the ES modules: that fallback must be silent too.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { v8FlagsFor } from "../../src/cli/verbs.js";
import { repoRoot, withTempHome } from "../helpers/home.js";
import { runPll } from "../server/server-process.js";

const nodes = [process.execPath, ...(process.env.PLL_TEST_NODES ?? "").split(":").filter(Boolean)];
const version = (JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string }).version;

/** What `node ARGS` prints, or a failed assertion. */
function nodeSays(node: string, args: string[]): string {
  const r = spawnSync(node, args, { encoding: "utf8", maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `${node} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

test("a V8 flag is set only on the V8 lines it was measured on", () => {
  // Node 20 is V8 11.3, Node 22 V8 12.4, Node 24 V8 13.6.
  assert.deepEqual(v8FlagsFor("11.3.244.8-node.33"), ["--interrupt-budget=540672", "--heap-growing-percent=50"]);
  assert.ok(!v8FlagsFor("12.4.254.21-node.57").includes("--interrupt-budget=540672"), "V8 12 has no --interrupt-budget");
  assert.ok(!v8FlagsFor("13.6.233.17-node.63").includes("--interrupt-budget=540672"), "V8 13 has no --interrupt-budget");
  // A V8 nobody measured gets V8's defaults rather than a flag it may not know.
  assert.deepEqual(v8FlagsFor("99.0.0"), []);
});

for (const node of nodes) {
  test(`every V8 flag pll sets on ${node} is one its V8 knows`, () => {
    const v8 = nodeSays(node, ["-p", "process.versions.v8"]).trim();
    const known = new Set([...nodeSays(node, ["--v8-options"]).matchAll(/^ {2}--([\w-]+)/gm)].map((m) => m[1]));
    assert.ok(known.size > 100, "node --v8-options lists V8's flags");
    for (const flag of v8FlagsFor(v8)) assert.ok(known.has(flag.replace(/^--/, "").replace(/=.*/, "")), `V8 ${v8} has no ${flag}`);
  });

  test(`with ${node} first on PATH, pll version, check and run say nothing on stderr, from the snapshot or not`, async () => {
    await withTempHome(async (home) => {
      const file = path.join(home, "two.pll");
      await writeFile(file, "jobset two\n$ echo one\n$ echo two\n");
      const PATH = `${path.dirname(node)}:${process.env.PATH ?? ""}`;
      for (const noSnapshot of [{}, { PLL_NO_SNAPSHOT: "1" }]) {
        const env = { PATH, ...noSnapshot };
        const said = (r: { code: number | null; stdout: string; stderr: string }) => `${JSON.stringify(noSnapshot)}: exit ${r.code}\n${r.stdout}${r.stderr}`;
        const v = await runPll(home, ["version"], { env });
        assert.deepEqual([v.code, v.stdout, v.stderr], [0, `pll ${version}\n`, ""], said(v));
        const c = await runPll(home, ["check", path.join(repoRoot, "samples/hello.pll")], { env });
        assert.deepEqual([c.code, c.stderr], [0, ""], said(c));
        const r = await runPll(home, ["run", file], { env });
        assert.deepEqual([r.code, r.stderr], [0, ""], said(r));
        assert.match(r.stdout, /run r\d+ success: 2\/2 succeeded/);
      }
    });
  });
}
