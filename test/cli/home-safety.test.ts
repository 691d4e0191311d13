// A home someone else can change is refused, as ssh refuses such a ~/.ssh: one
// line naming the path and the problem, exit 2, and nothing written there. The
// files pll writes in a home it accepts are never written through a link.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { chmod, lchown, lstat, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { pllBin, repoRoot, stopServerOf } from "../helpers/home.js";

const NOBODY = 65534;
const me = process.getuid!();
const needsRoot = me === 0 ? false : "needs root: it hands temp directories to nobody (uid 65534), as an attacker's";
const hello = path.join(repoRoot, "samples", "hello.pll");

interface Ran {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** `pll ARGS` with PLL_HOME=home, killed (SIGTERM: a server stops gracefully) if it outlives `timeoutMs`. */
async function pll(home: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Ran> {
  const child = spawn(pllBin, args, {
    env: { ...process.env, PLL_HOME: home, NO_COLOR: "1", ...opts.env },
    stdio: ["pipe", "pipe", "pipe"],
    timeout: opts.timeoutMs ?? 20_000,
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  child.stdin!.end(opts.input ?? "");
  const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
  return { code, signal, stdout, stderr };
}

/** A temp directory for one test, removed afterwards with every server started in any of `homes()`. */
async function withScratch(fn: (tmp: string, homes: string[]) => Promise<void>): Promise<void> {
  const tmp = await mkdtemp(path.join(tmpdir(), "pll-home-safety-"));
  const homes: string[] = [];
  try {
    await fn(tmp, homes);
  } finally {
    for (const h of homes) await stopServerOf(h).catch(() => {});
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The trial: PLL_HOME is a link to a 0777 directory of nobody's, who planted a token, a server.log and a job log leading elsewhere. */
async function plantedHome(tmp: string) {
  const target = path.join(tmp, "evil");
  const logsRun = path.join(target, "logs", "1");
  await mkdir(logsRun, { recursive: true });
  const victim = path.join(tmp, "root-owned.txt");
  await writeFile(victim, "precious\n", { mode: 0o644 });
  const stolen = path.join(tmp, "stolen-output");
  await writeFile(path.join(target, "token"), "attacker-token\n", { mode: 0o644 });
  await symlink(victim, path.join(target, "server.log"));
  await symlink(stolen, path.join(logsRun, "1.out"));
  for (const p of [target, path.join(target, "logs"), logsRun, path.join(target, "token"), path.join(target, "server.log"), path.join(logsRun, "1.out")]) {
    await lchown(p, NOBODY, NOBODY);
  }
  for (const d of [target, path.join(target, "logs"), logsRun]) await chmod(d, 0o777);
  const home = path.join(tmp, "home");
  await symlink(target, home);
  return { home, target, victim, stolen };
}

const notYours = (home: string, target: string) =>
  `refusing PLL_HOME ${home}: its target ${target} is owned by uid ${NOBODY}, not you (uid ${me}); use a directory you own (chown it, or set PLL_HOME)`;

test("the issue's trial: `pll start --listen` refuses a linked home of nobody's, and changes nothing there or through it", { skip: needsRoot }, async () => {
  await withScratch(async (tmp, homes) => {
    const { home, target, victim } = await plantedHome(tmp);
    homes.push(home);
    const r = await pll(home, ["start", "--listen", "127.0.0.1:0"]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, `pll: ${notYours(home, target)}\n`);
    const st = await stat(target);
    assert.deepEqual([st.uid, st.mode & 0o7777], [NOBODY, 0o777], "neither owner nor mode changed");
    assert.equal(await readFile(victim, "utf8"), "precious\n", "nothing appended through the planted server.log");
    assert.ok(!existsSync(path.join(target, "server.pid")) && !existsSync(path.join(target, "pll.sock")), "no server");
  });
});

test("every command that would create or use such a home refuses it with the same line and exit 2, and writes no job output", { skip: needsRoot }, async () => {
  await withScratch(async (tmp, homes) => {
    const { home, target, victim, stolen } = await plantedHome(tmp);
    homes.push(home);
    const line = notYours(home, target);
    for (const [args, input, prefix] of [
      [["serve"], "", "pll"],
      [["run", hello], "", "pll run"],
      [["status"], "", "pll"],
      [["stop"], "", "pll"],
      [["pjc", "3"], "", "pll"],
      [["shell"], "status\n", "pll"],
      [["load", hello], "", "pll"],
    ] as const) {
      const r = await pll(home, [...args], { input, timeoutMs: 10_000 });
      assert.equal(r.signal, null, `${args.join(" ")} did not end by itself`);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.equal(r.stderr, `${prefix}: ${line}\n`, args.join(" "));
    }
    assert.ok(!existsSync(stolen), "no job output written through the planted logs/1/1.out");
    assert.equal(await readFile(victim, "utf8"), "precious\n");
    assert.equal((await stat(target)).mode & 0o7777, 0o777);
  });
});

test("a home of yours that others may write to is refused (pll would have tightened it and gone on)", async () => {
  await withScratch(async (tmp, homes) => {
    const home = path.join(tmp, "open");
    homes.push(home);
    await mkdir(home);
    for (const mode of [0o777, 0o770, 0o702]) {
      await chmod(home, mode);
      const r = await pll(home, ["serve"], { timeoutMs: 10_000 });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr, `pll: refusing PLL_HOME ${home}: writable by others (mode 0${mode.toString(8)}); chmod 700 ${home}\n`);
      assert.equal((await stat(home)).mode & 0o7777, mode, "left as it was");
    }
  });
});

test("a directory on the way that others may write to (not sticky) is refused: they could swap the home", async () => {
  await withScratch(async (tmp, homes) => {
    const open = path.join(tmp, "shared");
    const home = path.join(open, "home");
    homes.push(home);
    await mkdir(home, { recursive: true, mode: 0o700 });
    await chmod(open, 0o777);
    const r = await pll(home, ["status"]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, `pll: refusing PLL_HOME ${home}: ${open} is writable by others (mode 0777) without the sticky bit, so they could swap the home for theirs; use a home in a directory only you (or root) can change\n`);
  });
});

test("a link of someone else's on the way is refused; a link of yours to a private directory of yours is a home like any other", { skip: needsRoot }, async () => {
  await withScratch(async (tmp, homes) => {
    const mine = path.join(tmp, "mine");
    await mkdir(mine, { mode: 0o700 });
    const sticky = path.join(tmp, "sticky");
    await mkdir(sticky);
    await chmod(sticky, 0o1777);
    const theirs = path.join(sticky, "home");
    await symlink(mine, theirs);
    await lchown(theirs, NOBODY, NOBODY);
    homes.push(mine);
    const refused = await pll(theirs, ["start"]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.equal(refused.stderr, `pll: refusing PLL_HOME ${theirs}: ${theirs} is owned by uid ${NOBODY}, who could swap the home for theirs; use a home whose every directory and link is yours (or root's)\n`);
    assert.ok(!existsSync(path.join(mine, "server.pid")));

    const ours = path.join(sticky, "ours");
    await symlink(mine, ours);
    const started = await pll(ours, ["start"]);
    assert.equal(started.code, 0, started.stderr);
    const stopped = await pll(ours, ["stop"]);
    assert.equal(stopped.code, 0, stopped.stderr);
  });
});

test("a home of yours whose logs/ or db/ is someone else's is refused by name (a home chowned without -R)", { skip: needsRoot }, async () => {
  await withScratch(async (tmp, homes) => {
    const { target, stolen } = await plantedHome(tmp);
    homes.push(target);
    await lchown(target, me, me);
    await chmod(target, 0o700);
    await rm(path.join(target, "token"));
    await rm(path.join(target, "server.log"));
    const logs = path.join(target, "logs");
    const r = await pll(target, ["run", hello]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, `pll run: refusing PLL_HOME ${target}: ${logs} is owned by uid ${NOBODY}, not you (uid ${me}); remove it (pll makes a new one)\n`);
    assert.ok(!existsSync(stolen), "no job output written through the planted logs/1/1.out");

    await rm(logs, { recursive: true });
    const db = path.join(target, "db");
    await mkdir(db, { recursive: true, mode: 0o700 });
    await lchown(db, NOBODY, NOBODY);
    const s = await pll(target, ["serve"], { timeoutMs: 10_000 });
    assert.equal(s.code, 2, s.stderr);
    assert.equal(s.stderr, `pll: refusing PLL_HOME ${target}: ${db} is owned by uid ${NOBODY}, not you (uid ${me}); remove it (pll makes a new one)\n`);
  });
});

test("a server.log that is a link (say, left from before a chown -R) is refused, not appended through", async () => {
  await withScratch(async (tmp, homes) => {
    const home = path.join(tmp, "home");
    homes.push(home);
    await mkdir(home, { mode: 0o700 });
    const victim = path.join(tmp, "victim.txt");
    await writeFile(victim, "precious\n");
    await symlink(victim, path.join(home, "server.log"));
    const r = await pll(home, ["start"]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, `pll: refusing PLL_HOME ${home}: ${path.join(home, "server.log")} is a symbolic link, and pll does not write through links in its home; remove it\n`);
    assert.equal(await readFile(victim, "utf8"), "precious\n");
    assert.ok(!existsSync(path.join(home, "server.pid")));
  });
});

test("a home pll creates is private (0700), however deep, and so is one it finds readable by others", async () => {
  await withScratch(async (tmp, homes) => {
    const deep = path.join(tmp, "a", "b", "home");
    homes.push(deep);
    const r = await pll(deep, ["start"]);
    assert.equal(r.code, 0, r.stderr);
    for (const d of [path.join(tmp, "a"), path.join(tmp, "a", "b"), deep]) assert.equal((await stat(d)).mode & 0o777, 0o700, d);
    for (const d of ["db", "logs"]) assert.equal((await lstat(path.join(deep, d))).mode & 0o777, 0o700, d);
    assert.equal((await stat(path.join(deep, "server.log"))).mode & 0o777, 0o600);
    assert.equal((await pll(deep, ["stop"])).code, 0);

    const readable = path.join(tmp, "readable");
    homes.push(readable);
    await mkdir(readable);
    await chmod(readable, 0o755);
    const s = await pll(readable, ["start"]);
    assert.equal(s.code, 0, s.stderr);
    assert.equal((await stat(readable)).mode & 0o777, 0o700);
    assert.equal((await pll(readable, ["stop"])).code, 0);
  });
});

test(
  "a link left in a run's log directory (say, planted before a chown -R) is not written through",
  { timeout: 60_000 },
  async () => {
    await withScratch(async (tmp, homes) => {
      const home = path.join(tmp, "home");
      homes.push(home);
      await mkdir(path.join(home, "logs", "1"), { recursive: true, mode: 0o700 });
      const stolen = path.join(tmp, "stolen-output");
      await symlink(stolen, path.join(home, "logs", "1", "1.out"));
      const file = path.join(tmp, "t.pll");
      await writeFile(file, "jobset t\na: $ echo job-output\n");
      await pll(home, ["run", file]);
      assert.ok(!existsSync(stolen), "job output went through the link");
    });
  },
);
