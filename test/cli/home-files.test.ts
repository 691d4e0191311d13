// The files and run directories pll writes in a home it accepted are never
// reached through a link, a hard link or someone else's file: whatever was
// planted before the home became yours (a `chown -R` keeps links as links).
import assert from "node:assert/strict";
import { closeSync, readFileSync } from "node:fs";
import { chmod, lchown, link, mkdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { HomeError } from "../../src/home.js";
import { makeOwnDir, openHomeFile, readHomeFile } from "../../src/home-check.js";
import { appendHistory, loadHistory } from "../../src/shell/history.js";
import { withTempHome } from "../helpers/home.js";

const NOBODY = 65534;
const me = process.getuid!();
const refused = (what: RegExp) => (err: unknown) => err instanceof HomeError && what.test(err.message);

test("the shell's history is neither appended nor read through a link", async () => {
  await withTempHome(async (home) => {
    const victim = path.join(home, "victim");
    await writeFile(victim, "precious\n");
    const history = path.join(home, "history");
    await symlink(victim, history);
    await assert.rejects(appendHistory(history, "status"), refused(/^refusing .*history: it is a symbolic link/));
    assert.equal(await readFile(victim, "utf8"), "precious\n");
    assert.deepEqual(await loadHistory(history), [], "read as empty, not as the victim's lines");
  });
});

test("a file pll writes is made 0600; one that is a hard link, a FIFO, a directory or someone else's is refused", async () => {
  await withTempHome(async (home) => {
    const file = path.join(home, "server.log");
    const { fd } = openHomeFile(file, "append");
    closeSync(fd);
    assert.equal((await stat(file)).mode & 0o777, 0o600);

    const other = path.join(home, "elsewhere");
    await writeFile(other, "mine\n");
    await link(other, path.join(home, "server.pid"));
    assert.throws(() => openHomeFile(path.join(home, "server.pid"), "append"), refused(/it has 2 names \(hard links\)/));

    const { execFileSync } = await import("node:child_process");
    execFileSync("mkfifo", [path.join(home, "token")]);
    // Not a hang: O_NONBLOCK, then "not a regular file".
    assert.throws(() => readHomeFile(path.join(home, "token")), refused(/not a regular file/));
    assert.throws(() => openHomeFile(path.join(home, "token"), "append"), refused(/not a regular file/));
    await mkdir(path.join(home, "history"));
    assert.throws(() => openHomeFile(path.join(home, "history"), "read"), refused(/not a regular file/));

    assert.throws(() => openHomeFile(path.join(home, "token"), "create"), (err: NodeJS.ErrnoException) => err.code === "EEXIST", "create is exclusive");
    if (me === 0) {
      const theirs = path.join(home, "shell.log");
      await writeFile(theirs, "");
      await lchown(theirs, NOBODY, NOBODY);
      assert.throws(() => openHomeFile(theirs, "append"), refused(/owned by uid 65534, not you \(uid 0\)/));
    }
  });
});

test("a run's log directory is made 0700, or must be a directory of yours that is not a link", async () => {
  await withTempHome(async (home) => {
    const logs = path.join(home, "logs");
    await mkdir(logs, { mode: 0o700 });
    const run1 = path.join(logs, "1");
    makeOwnDir(run1);
    assert.equal((await stat(run1)).mode & 0o777, 0o700);
    makeOwnDir(run1); // there already, ours: fine

    const elsewhere = path.join(home, "elsewhere");
    await mkdir(elsewhere);
    await symlink(elsewhere, path.join(logs, "2"));
    assert.throws(() => makeOwnDir(path.join(logs, "2")), refused(/logs\/2: is a symbolic link/));
    await writeFile(path.join(logs, "3"), "");
    assert.throws(() => makeOwnDir(path.join(logs, "3")), refused(/not a directory/));
    if (me === 0) {
      await mkdir(path.join(logs, "4"));
      await chmod(path.join(logs, "4"), 0o777);
      await lchown(path.join(logs, "4"), NOBODY, NOBODY);
      assert.throws(() => makeOwnDir(path.join(logs, "4")), refused(/owned by uid 65534, not you/));
    }
    assert.equal(readFileSync(path.join(logs, "3"), "utf8"), "");
  });
});
