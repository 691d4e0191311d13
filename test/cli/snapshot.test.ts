// bin/pll starts Node from the start-up snapshot that `npm run build` made
// (dist/pll.blob), and falls back to the compiled ES modules when the blob is
// not for this place or this node, or when PLL_NO_SNAPSHOT is set. Which one
// ran is read from the pll process's own command line while its job holds it.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync, statSync } from "node:fs";
import { copyFile, mkdir, readdir, realpath, symlink, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { pllBin, repoRoot, waitFor, withTempHome } from "../helpers/home.js";
import { runPll } from "../server/server-process.js";

const blob = path.join(repoRoot, "dist", "pll.blob");

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  /** the pll process's argv as the kernel has it, read while its job ran */
  cmdline: string[];
}

/** `BIN run` on a one-job file whose job waits for a file: pll's command line is read meanwhile. */
async function runHeld(bin: string, home: string, env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  const started = path.join(home, "started");
  const go = path.join(home, "go");
  const file = path.join(home, "held.pll");
  await writeFile(file, `jobset held\n$ touch ${started} && sh ${path.join(repoRoot, "test/fixtures/wait-for-file.sh")} ${go}\n`);
  const child = spawn(bin, ["run", file], { env: { ...process.env, PLL_HOME: path.join(home, "h"), NO_COLOR: "1", ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  const exited = once(child, "exit") as Promise<[number | null]>;
  try {
    await waitFor(() => existsSync(started), "the job to start", 20_000);
    // bin/pll is a shell script that execs node: same pid.
    const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    await writeFile(go, "");
    const [code] = await exited;
    return { code, stdout, stderr, cmdline };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await writeFile(go, "").catch(() => {});
  }
}

test("npm run build made a start-up snapshot for this node and this checkout", () => {
  assert.ok(existsSync(blob), "dist/pll.blob is missing: see the build's note (src/snapshot/build.ts)");
  const id = readFileSync(`${blob}.id`, "utf8");
  assert.ok(id.startsWith(`${repoRoot} `), `dist/pll.blob.id names another place: ${id}`);
});

/** A fresh directory under `home` for one run. */
async function dir(home: string, name: string): Promise<string> {
  const d = path.join(home, name);
  await mkdir(d);
  return d;
}

/** What a run printed, without its timings. */
const untimed = (text: string) => text.replace(/ in \d+\.\ds/g, " in Ts");

test("bin/pll runs from the snapshot, and the run goes as from the ES modules (PLL_NO_SNAPSHOT=1)", async () => {
  await withTempHome(async (home) => {
    const snap = await runHeld(pllBin, await dir(home, "snap"));
    assert.ok(snap.cmdline.includes("--snapshot-blob") && snap.cmdline.includes(blob), `not from the snapshot: ${snap.cmdline.join(" ")}`);
    const esm = await runHeld(pllBin, await dir(home, "esm"), { PLL_NO_SNAPSHOT: "1" });
    assert.deepEqual(esm.cmdline.slice(1), [path.join(repoRoot, "dist/src/main.js"), "run", path.join(home, "esm", "held.pll")]);
    for (const r of [snap, esm]) assert.equal(r.code, 0, r.stderr);
    assert.equal(untimed(snap.stdout.replaceAll("/snap/", "/X/")), untimed(esm.stdout.replaceAll("/esm/", "/X/")));
    assert.match(snap.stdout, /run r1 success: 1\/1 succeeded/);
    assert.equal(snap.stderr, "");
  });
});

test("pll run on a bad file says the same from the snapshot: file:line:col, exit 2", async () => {
  await withTempHome(async (home) => {
    const file = path.join(home, "bad.pll");
    await writeFile(file, "jobset bad\nseq <\n  $ true\n");
    const snap = await runPll(home, ["run", file]);
    assert.equal(snap.code, 2, snap.stderr);
    assert.match(snap.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+:\\d+`));
    assert.deepEqual(snap, await runPll(home, ["run", file], { env: { PLL_NO_SNAPSHOT: "1" } }));
  });
});

test("a snapshot made for another place is not used: a copy of bin/pll elsewhere runs the ES modules", async () => {
  await withTempHome(async (home) => {
    // Another package directory whose dist/ is this one's: dist/pll.blob.id names this checkout, not it.
    const elsewhere = await dir(home, "elsewhere");
    await mkdir(path.join(elsewhere, "bin"));
    await copyFile(pllBin, path.join(elsewhere, "bin", "pll"));
    await symlink(path.join(repoRoot, "dist"), path.join(elsewhere, "dist"));
    const r = await runHeld(path.join(elsewhere, "bin", "pll"), await dir(home, "run"));
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.cmdline.includes("--snapshot-blob"), r.cmdline.join(" "));
    assert.equal(r.cmdline[1], path.join(elsewhere, "dist/src/main.js"));
  });
});

test("a snapshot older than the compiled code (tsc ran since) is not used: the ES modules run", async () => {
  await withTempHome(async (home) => {
    // A package of its own, so that no other test file (they run concurrently) sees its mtimes:
    // bin/pll copied, dist/ links to this checkout's build, its blob.id naming the copy, and a
    // dist/src/main.js of its own whose mtime says when tsc last ran.
    const pkg = await dir(home, "pkg");
    await mkdir(path.join(pkg, "bin"));
    await copyFile(pllBin, path.join(pkg, "bin", "pll"));
    await mkdir(path.join(pkg, "dist", "src"), { recursive: true });
    const dist = path.join(repoRoot, "dist");
    for (const name of await readdir(dist)) if (name !== "src" && name !== "pll.blob.id") await symlink(path.join(dist, name), path.join(pkg, "dist", name));
    for (const name of await readdir(path.join(dist, "src"))) if (name !== "main.js") await symlink(path.join(dist, "src", name), path.join(pkg, "dist", "src", name));
    const compiled = path.join(pkg, "dist", "src", "main.js");
    await copyFile(path.join(dist, "src", "main.js"), compiled);
    const [, node] = readFileSync(`${blob}.id`, "utf8").trim().match(/ (\d+ \d+)$/) ?? [];
    await writeFile(path.join(pkg, "dist", "pll.blob.id"), `${await realpath(pkg)} ${node}\n`);
    const copied = path.join(pkg, "bin", "pll");
    const blobTime = statSync(blob).mtime.getTime();
    // Control: compiled before the blob was built, the copy starts from the snapshot.
    await utimes(compiled, new Date(blobTime - 60_000), new Date(blobTime - 60_000));
    const older = await runHeld(copied, await dir(home, "older"));
    assert.equal(older.code, 0, older.stderr);
    assert.ok(older.cmdline.includes("--snapshot-blob"), `the control did not start from the snapshot: ${older.cmdline.join(" ")}`);
    // As if tsc had just rewritten dist/src after the last `npm run build`.
    await utimes(compiled, new Date(), new Date(blobTime + 60_000));
    const newer = await runHeld(copied, await dir(home, "newer"));
    assert.equal(newer.code, 0, newer.stderr);
    assert.equal(newer.cmdline[1], path.join(await realpath(pkg), "dist/src/main.js"), newer.cmdline.join(" "));
  });
});

test("with NODE_OPTIONS set (it may hold V8 flags, which a blob refuses) the ES modules run; an exported CDPATH changes nothing", async () => {
  await withTempHome(async (home) => {
    const flagged = await runHeld(pllBin, await dir(home, "flags"), { NODE_OPTIONS: "--max-old-space-size=300" });
    assert.equal(flagged.code, 0, flagged.stderr);
    assert.equal(flagged.cmdline[1], path.join(repoRoot, "dist/src/main.js"), flagged.cmdline.join(" "));
    // Run by a relative path, as from the checkout: bin/pll finds its directory with cd, which CDPATH could redirect.
    const child = spawn("bin/pll", ["version"], { cwd: repoRoot, env: { ...process.env, CDPATH: `.:${repoRoot}` } });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (out += c));
    const [code] = (await once(child, "exit")) as [number | null];
    assert.deepEqual([code, out], [0, `pll ${(JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string }).version}\n`]);
  });
});
