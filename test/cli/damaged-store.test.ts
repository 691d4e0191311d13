// A damaged store is never run over: a store whose CURRENT file is gone
// (LevelDB would start an empty one and delete the old files), one whose
// tables are missing, one replaced by an empty store while the logs show
// three runs — each is refused with one line that says what to do, `pll
// doctor` tells the same, and `pll doctor --repair` keeps a copy, rebuilds
// it, and sets the counters above every number the logs used.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { withTempHome } from "../helpers/home.js";
import { runPll } from "../server/server-process.js";

/** A home with three finished runs of a 5-job jobset (job numbers 1–15). */
async function homeWithHistory(home: string): Promise<string> {
  const file = path.join(home, "five.pll");
  writeFileSync(file, ["jobset five", ...[1, 2, 3, 4, 5].map((i) => `j${i}: $ echo ${i}`)].join("\n") + "\n");
  for (let i = 0; i < 3; i++) {
    const r = await runPll(home, ["run", file]);
    assert.equal(r.code, 0, r.stderr);
  }
  return file;
}

const damages: [string, (db: string) => void][] = [
  ["its CURRENT file is gone", (db) => rmSync(path.join(db, "CURRENT"))],
  ["its tables are gone", (db) => readdirSync(db).filter((n) => n.endsWith(".ldb")).forEach((n) => rmSync(path.join(db, n)))],
  ["it was replaced by an empty store, the logs remain", (db) => rmSync(db, { recursive: true })],
];

for (const [what, damage] of damages) {
  test(`a store that lost records (${what}) is refused in one line, and doctor --repair mends it without reusing a number`, { timeout: 120_000 }, async () => {
    await withTempHome(async (home) => {
      const file = await homeWithHistory(home);
      const db = path.join(home, "db");
      damage(db);

      const refused = await runPll(home, ["run", file]);
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, /^pll: the store .* — nothing was changed; `pll doctor` says more/);
      assert.equal(refused.stderr.trim().split("\n").length, 1, `one line: ${refused.stderr}`);
      assert.doesNotMatch(refused.stderr, /internal error|\n\s+at /);
      assert.ok(!existsSync(path.join(home, "logs", "4")), "nothing ran over it");

      const checked = await runPll(home, ["doctor"]);
      assert.equal(checked.code, 1, checked.stdout);
      assert.match(checked.stdout, /pll doctor --repair/);

      const repaired = await runPll(home, ["doctor", "--repair"]);
      assert.equal(repaired.code, 0, repaired.stdout + repaired.stderr);
      const copy = /kept a copy of the store in (\S+)/.exec(repaired.stdout)?.[1];
      assert.ok(copy && existsSync(copy), `a copy was kept: ${repaired.stdout}`);
      assert.equal((await runPll(home, ["doctor"])).code, 0);

      const again = await runPll(home, ["run", file]);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(readdirSync(path.join(home, "logs", "4")).filter((n) => n.endsWith(".out")).sort(), ["16.out", "17.out", "18.out", "19.out", "20.out"], "run 4 numbers its jobs after the last logged one");
    });
  });
}

test("pll doctor on a sound store says so and exits 0", async () => {
  await withTempHome(async (home) => {
    await homeWithHistory(home);
    const r = await runPll(home, ["doctor"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /is sound: 3 runs, 15 jobs/);
  });
});
