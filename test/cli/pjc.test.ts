// pjc precedence a user can see (issue 14): a file's `pjc N` means N at once
// (no global cap unless the user sets one); `--pjc N` is that run's alone and
// stored nowhere; a wider limit that binds is said by `pll run`, shown by
// `status`, `pll pjc` and the shell header; `pll pjc reset [JOBSET]` lifts
// a cap; `pll pjc` and `pll capacity` with no argument print the values.
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { RunRecord } from "../../src/core/types.js";
import { headerLines } from "../../src/shell/format.js";
import { ShellModel } from "../../src/shell/model.js";
import { waitFor, withTempHome } from "../helpers/home.js";
import { raw, runPll, spawnPll, exitOf, withServer } from "../server/server-process.js";

/** `n` jobs that each wait until `n` of them run at once (or give up after ~10 s and fail). */
function together(dir: string, n: number, extra = ""): string {
  const mark = path.join(dir, "m");
  const count = `$(ls ${mark}.* 2>/dev/null | wc -l)`;
  const job = `touch ${mark}.$PLL_JOB_ID; i=0; while [ ${count} -lt ${n} ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; [ ${count} -ge ${n} ]`;
  return `jobset together\n${extra}${Array.from({ length: n }, (_, i) => `t${i}: $ ${job}`).join("\n")}\n`;
}

test("a file's pjc above the CPU count runs that many at once, with and without a server, and --pjc is stored nowhere", async () => {
  await withTempHome(async (home) => {
    const n = availableParallelism() + 1;
    const file = path.join(home, "together.pll");
    writeFileSync(file, together(home, n, `pjc ${n}\n`));
    const alone = await runPll(home, ["run", file]);
    assert.equal(alone.code, 0, alone.stdout + alone.stderr);
    assert.doesNotMatch(alone.stderr, /at most/);

    // The same jobset, one at a time: that run's alone, the file's pjc holds again after it.
    const quick = path.join(home, "quick.pll");
    writeFileSync(quick, "jobset together\na: $ true\nb: $ true\n");
    assert.equal((await runPll(home, ["run", quick, "--pjc", "1"])).code, 0);
    const after = await runPll(home, ["run", file]);
    assert.equal(after.code, 0, `--pjc 1 was that run's only: ${after.stdout}${after.stderr}`);
  });
  await withServer(async (_server, home) => {
    const n = availableParallelism() + 1;
    const file = path.join(home, "together.pll");
    writeFileSync(file, together(home, n, `pjc ${n}\n`));
    const ran = await runPll(home, ["run", file, "--pjc", String(n + 1)]);
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    const shown = await runPll(home, ["pjc"]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^global pjc: none /m);
    assert.match(shown.stdout, /^jobset pjc: none$/m, "--pjc is not stored for the jobset");
  });
});

test("a wider limit that binds: pll run says so, status and pll pjc show it; reset lifts it; pjc and capacity print their values", async () => {
  await withServer(async (server, home) => {
    const release = path.join(home, "release");
    const file = path.join(home, "held.pll");
    writeFileSync(file, `jobset held\npjc 3\n${[0, 1, 2, 3].map((i) => `h${i}: $ while [ ! -e ${release} ]; do sleep 0.05; done`).join("\n")}\n`);
    assert.equal((await runPll(home, ["pjc", "2"])).stdout, "pjc: 2\n");
    assert.equal((await runPll(home, ["capacity"])).stdout, "capacity: unlimited\n");
    const run = spawnPll(home, ["run", file]);
    let stderr = "";
    run.stderr!.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    run.stdout!.resume();
    try {
      await waitFor(() => /at most/.test(stderr), "pll run to say what binds");
      assert.match(stderr, /^pll run: at most 2 of its jobs at once: the global pjc is 2 \(`pll pjc reset` lifts it\); this run's pjc is 3 \(the file's pjc\)$/m);
      const status = await runPll(home, ["status"]);
      assert.match(status.stdout, /^run \d+ \(held\): pjc 3 \(the file's pjc\) · jobset none · global 2 · capacity none → 2, the global pjc binds$/m);
      const pjc = await runPll(home, ["pjc"]);
      assert.match(pjc.stdout, /^global pjc: 2$/m);
      assert.match(pjc.stdout, /→ 2, the global pjc binds$/m);

      assert.equal((await runPll(home, ["pjc", "1", "held"])).stdout, "pjc of held: 1\n");
      assert.match((await runPll(home, ["pjc"])).stdout, /^jobset pjc: held 1$/m);
      assert.match((await runPll(home, ["pjc"])).stdout, /jobset 1 · global 2 · capacity none → 1, the jobset's pjc binds$/m);
      assert.equal((await runPll(home, ["pjc", "reset", "held"])).stdout, "pjc of held: none\n");
      const again = await runPll(home, ["pjc", "reset", "held"]);
      assert.equal(again.code, 1);
      assert.equal(again.stderr, "pll: jobset held has no pjc of its own to reset\n");
      assert.equal((await runPll(home, ["pjc", "reset"])).stdout, "pjc: none\n");
      // No cap left above the file's pjc 3: a third job starts.
      await waitFor(async () => (await raw(server, "GET", "/jobs?state=running")).json.jobs.length === 3, "3 jobs to run");
      assert.equal((await raw(server, "GET", "/settings")).json.settings.pjc, null);
      assert.equal((await runPll(home, ["capacity", "4"])).stdout, "capacity: 4\n");
      assert.equal((await runPll(home, ["capacity"])).stdout, "capacity: 4\n");
    } finally {
      writeFileSync(release, "");
      await exitOf(run);
    }
    assert.ok(existsSync(release));
  });
});

test("the shell header shows the newest active run's effective pjc and what binds it", () => {
  const model = new ShellModel(() => 5000);
  const run: RunRecord = { id: 4, jobset: "demo", file: "demo.pll", state: "running", createdAt: 1000, jobIds: [], blockPjc: { "": 3 }, pjcFrom: "file" };
  model.loadSnapshot({ runs: [run], jobs: [], settings: { pjc: 2, capacity: null, paused: [], jobsetPjc: {} } });
  assert.match(headerLines(model.header(), "/h", 200)[0], /PJC 2.* \(0 busy\) · run 4: 2 \(global pjc binds; run 3\)/);
  model.apply({ type: "settings", settings: { pjc: null, capacity: null, paused: [], jobsetPjc: {} } });
  assert.match(headerLines(model.header(), "/h", 200)[0], /PJC none.* \(0 busy\) · run 4: 3 \(file\)/);
  // Narrow: the effective number only, and the line still fits.
  const narrow = headerLines(model.header(), "/h", 76)[0].replace(/\{[^}]*\}/g, "");
  assert.ok(narrow.length <= 76, narrow);
  assert.match(narrow, /PJC none \(0 busy\) · run 4: 3 /);
});
