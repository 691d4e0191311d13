// The one line a second process gets when the store is taken: it names the
// holder when the pid file does, and never prints a blank where a pid goes;
// a store that fails for another reason is never said to be taken.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { lockedError, lockFileOf } from "../../src/store/store-lock.js";
import { Store } from "../../src/store/store.js";
import { withTempHome } from "../helpers/home.js";
import { runPll } from "./server-process.js";

test("the store's holder is named by pid when known, else as another process", async () => {
  await withTempHome(async (home) => {
    const db = path.join(home, "db");
    assert.match(lockedError(db).message, /^the pll store .*db is in use by another process; stop it or use another PLL_HOME$/);
    // Caught while the holder writes its pid file: empty, or only a newline.
    for (const text of ["", "\n", " serve\n"]) {
      await writeFile(lockFileOf(db), text);
      assert.match(lockedError(db).message, /is in use by another process; stop it/, JSON.stringify(text));
    }
    await writeFile(lockFileOf(db), "4242 serve\n");
    assert.match(lockedError(db).message, /is in use by process 4242 \(serve\); stop it/);
  });
});

// Told apart by kind, not by message: a store that fails to open for another
// reason, in a home whose path says "blocked" (or "LOCK"), is not "in use".
for (const name of ["unblocked", "LOCKS"]) {
  test(`a damaged store in a home named ${name} is said as damaged, not as in use by another process`, async () => {
    await withTempHome(async (tmp) => {
      const home = path.join(tmp, name);
      await mkdir(home, { mode: 0o700 });
      const db = path.join(home, "db");
      const store = await Store.open(db);
      await store.close();
      rmSync(path.join(db, "CURRENT"));
      const served = await runPll(home, ["serve"]);
      assert.equal(served.code, 1, served.stderr);
      assert.doesNotMatch(served.stderr, /another pll process/);
      assert.match(served.stderr, /^pll: the store .*lost its CURRENT file .*`pll doctor` says more/);
    });
  });
}
