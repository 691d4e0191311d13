// A PLL_HOME that cannot be created (/proc/nope, a file in the way) is one line
// and exit 2 (a configuration problem, whichever command meets it), never a
// hang: Node 20's recursive mkdir loops forever there.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { HomeError, makeDirs } from "../../src/home.js";
import { pllBin, repoRoot, withTempHome } from "../helpers/home.js";

/** `pll ARGS` with PLL_HOME=home; killed if it outlives the guard, so a hang fails the test instead of stalling the suite. */
async function pllIn(home: string, args: string[]): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  const child = spawn(pllBin, args, { env: { ...process.env, PLL_HOME: home, NO_COLOR: "1" }, stdio: ["pipe", "ignore", "pipe"], timeout: 20_000 });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  child.stdin!.end("status\n");
  const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
  return { code, signal, stderr };
}

test("PLL_HOME=/proc/nope: start, shell, serve and a job line exit 2, each with one line naming the home", async () => {
  for (const args of [["start"], ["shell"], ["serve"], ["$ true"]]) {
    const r = await pllIn("/proc/nope", args);
    assert.equal(r.signal, null, `${args.join(" ")} hung`);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stderr, "pll: can't create PLL_HOME /proc/nope: ENOENT\n", args.join(" "));
  }
});

test("commands that only read or change state never start a server: with none, exit 3, one line, and no home is made", async () => {
  await withTempHome(async (tmp) => {
    const home = path.join(tmp, "never-made");
    for (const args of [["status"], ["pjc", "3"], ["wait"], ["retry", "failed"], ["runs"], ["help", "$"]]) {
      const r = await pllIn(home, args);
      assert.equal(r.signal, null, `${args.join(" ")} hung`);
      if (args[0] === "help") assert.equal(r.code, 0, r.stderr);
      else {
        assert.equal(r.code, 3, `${args.join(" ")}: ${r.stderr}`);
        assert.equal(r.stderr, `pll: no pll server is running for ${home} (start one with \`pll start\`)\n`, args.join(" "));
      }
      await assert.rejects(stat(home), { code: "ENOENT" }, `${args.join(" ")} made the home (and a server in it)`);
    }
  });
});

test("PLL_HOME=/proc/nope: pll run (which hosts its own engine) exits 2 with one line, not a hang", async () => {
  const r = await pllIn("/proc/nope", ["run", path.join(repoRoot, "samples", "hello.pll")]);
  assert.equal(r.signal, null, "pll run hung");
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr, "pll run: can't create PLL_HOME /proc/nope: ENOENT\n");
});

test("a PLL_HOME too long for its socket: start, status, run and serve exit 2 with one line, and nothing is made", async () => {
  await withTempHome(async (tmp) => {
    // 107 bytes is the most a unix socket path holds; `<home>/pll.sock` here is one more.
    const home = path.join(tmp, "h".repeat(107 - tmp.length - "/pll.sock".length));
    assert.equal(Buffer.byteLength(path.join(home, "pll.sock")), 108);
    for (const args of [["start"], ["status"], ["serve"], ["run", path.join(repoRoot, "samples", "hello.pll")]]) {
      const r = await pllIn(home, args);
      assert.equal(r.signal, null, `${args[0]} hung`);
      assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
      assert.match(r.stderr, /^pll( run)?: PLL_HOME \S+ is too long: its socket \S+ would be 108 bytes, and a unix socket's path holds at most 107; use a shorter PLL_HOME\n$/, args[0]);
      await assert.rejects(stat(home), { code: "ENOENT" }, `${args[0]} made the home`);
    }
  });
});

test("makeDirs creates every missing level, accepts existing ones, and names a file in the way", async () => {
  await withTempHome(async (tmp) => {
    const deep = path.join(tmp, "a", "b", "c");
    await makeDirs(deep);
    assert.ok((await stat(deep)).isDirectory());
    assert.equal((await stat(deep)).mode & 0o777, 0o700);
    await makeDirs(deep);
    await mkdir(path.join(tmp, "x"));
    await writeFile(path.join(tmp, "x", "file"), "");
    for (const p of [path.join(tmp, "x", "file"), path.join(tmp, "x", "file", "below")]) {
      await assert.rejects(makeDirs(p), (err: unknown) => err instanceof HomeError && err.code === "ENOTDIR" && err.message === `can't create PLL_HOME ${p}: ENOTDIR`);
    }
  });
});
