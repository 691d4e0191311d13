// The one line a second process gets when the store is taken: it names the
// holder when the pid file does, and never prints a blank where a pid goes.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { lockedError, lockFileOf } from "../../src/store/store-lock.js";
import { withTempHome } from "../helpers/home.js";

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
