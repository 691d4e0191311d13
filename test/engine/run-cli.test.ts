// `pll run FILE` end to end: a real CLI process hosting the engine.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { homePaths } from "../../src/home.js";
import { openEngine } from "../../src/server/engine.js";
import { signalGroup } from "../../src/exec/proc-status.js";
import { alive, fixture, killPids, runEnded } from "./harness.js";
import { pllBin, waitFor, withTempHome } from "../helpers/home.js";
import { raw } from "../server/server-process.js";

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function pllRun(home: string, args: string[]): { child: ChildProcess; done: Promise<Ran> } {
  const child = spawn(pllBin, ["run", ...args], { env: { ...process.env, PLL_HOME: home, NO_COLOR: "1" } });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d));
  child.stderr!.on("data", (d: Buffer) => (stderr += d));
  const done = new Promise<Ran>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

const pidsIn = (file: string) =>
  readFileSync(file, { encoding: "utf8", flag: "a+" }).trim().split("\n").filter(Boolean).map(Number);

test("pll run exits 0 when every job succeeds, 1 with a failure summary, 2 for a bad file", async () => {
  await withTempHome(async (home) => {
    const ok = path.join(home, "ok.pll");
    writeFileSync(ok, "jobset ok\na: $ echo hi\nb: after a $ true\n");
    const good = await pllRun(home, [ok]).done;
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /run r1 success: 2\/2 succeeded/);

    const bad = path.join(home, "bad.pll");
    writeFileSync(bad, "jobset bad\nboom: $ echo 'it broke' >&2; exit 3\nnext: after boom $ true\nother: $ true\n");
    const failed = await pllRun(home, [bad]).done;
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /#\d+ boom {2}exit 3/);
    assert.match(failed.stdout, /│ it broke/);
    assert.match(failed.stdout, /more: pll tail \d+/);
    assert.match(failed.stdout, /blocked: #\d+ next/);

    const broken = path.join(home, "broken.pll");
    writeFileSync(broken, "jobset broken\nx: after nowhere $ true\n");
    const parse = await pllRun(home, [broken]).done;
    assert.equal(parse.code, 2);
    assert.match(parse.stderr, /broken\.pll:2:\d+/);
  });
});

test("pll run --json prints one event per line", async () => {
  await withTempHome(async (home) => {
    const file = path.join(home, "j.pll");
    writeFileSync(file, "jobset j\na: $ true\n");
    const ran = await pllRun(home, [file, "--json"]).done;
    assert.equal(ran.code, 0);
    const events = ran.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string });
    assert.equal(events[0]!.type, "run");
    assert.ok(events.some((e) => e.type === "job"));
  });
});

test("--halt-on-failure starts nothing after the first failure", async () => {
  await withTempHome(async (home) => {
    const file = path.join(home, "h.pll");
    writeFileSync(file, "jobset h\npjc 1\nseq <\n  $ exit 1\n  $ true\n>\nlater: priority low $ true\n");
    const ran = await pllRun(home, [file, "--halt-on-failure", "--pjc", "1"]).done;
    assert.equal(ran.code, 1);
    assert.match(ran.stdout, /1 errored, 0 blocked, 2 cancelled/);
  });
});

test("--halt-on-failure: the job after the failed one never starts (the engine halts, not the client)", async () => {
  await withTempHome(async (home) => {
    const marker = path.join(home, "marker");
    const file = path.join(home, "h.pll");
    writeFileSync(file, `jobset h\npjc 1\na: $ exit 4\nc: $ echo started >> ${marker}\n`);
    for (let i = 0; i < 4; i++) {
      const ran = await pllRun(home, [file, "--halt-on-failure"]).done;
      assert.equal(ran.code, 1, ran.stderr);
      assert.match(ran.stdout, /1 errored, 0 blocked, 1 cancelled/);
      assert.equal(existsSync(marker), false, `c started after a failed (round ${i})`);
    }
  });
});

test("Ctrl-C stops the run: its process trees are killed, jobs cancelled, exit non-zero", async () => {
  await withTempHome(async (home) => {
    const pids = path.join(home, "pids");
    const file = path.join(home, "c.pll");
    writeFileSync(file, `jobset c\nhold: $ ${fixture("tree-ignores-term.sh")} ${pids}\nafter_it: after hold $ true\n`);
    const { child, done } = pllRun(home, [file]);
    try {
      await waitFor(() => pidsIn(pids).length >= 3, "the tree to start");
      child.kill("SIGINT");
      const ran = await done;
      assert.equal(ran.code, 130);
      assert.match(ran.stdout, /run r1 cancelled/);
      assert.ok(pidsIn(pids).every((p) => !alive(p)), "a process of the run survived Ctrl-C");
    } finally {
      child.kill("SIGKILL");
      killPids(pidsIn(pids));
    }
  });
});

test("a pll run killed with SIGKILL: reopening adopts its running jobs and loses none", async () => {
  await withTempHome(async (home) => {
    const go = path.join(home, "go");
    const file = path.join(home, "k.pll");
    const hold = `${fixture("wait-for-file.sh")} ${go}`;
    writeFileSync(file, `jobset k\npjc 2\nfor i in 1 2 3 4 <\n  w{i}: $ ${hold}\n>\nlast: after w* $ true\n`);
    const { child, done } = pllRun(home, [file]);
    const holders: number[] = [];
    try {
      const statusLog = path.join(home, "logs", "1", "status");
      const starts = () => (existsSync(statusLog) ? readFileSync(statusLog, "utf8").split("\n").filter((l) => l.startsWith("start")) : []);
      await waitFor(() => starts().length === 2, "two jobs to run");
      for (const line of readFileSync(statusLog, "utf8").trim().split("\n")) holders.push(Number(line.split(" ")[3]));
      child.kill("SIGKILL");
      await done;

      const engine = await openEngine({ home, killGraceMs: 300 });
      try {
        assert.equal(engine.recovery.adopted.length, 2);
        assert.deepEqual(engine.recovery.lost, []);
        writeFileSync(go, "");
        const run = await runEnded(engine, 1);
        assert.equal(run.state, "success");
        assert.ok(engine.listJobs({ runId: 1 }).every((j) => j.state === "success" && j.attempts.length === 1));
      } finally {
        await engine.close({ killJobs: true });
      }
    } finally {
      child.kill("SIGKILL");
      for (const pid of holders) signalGroup(pid, "SIGKILL");
    }
  });
});

test("pll run --pjc N without a server: the run runs N at a time, past the CPU count, and nothing is stored", async () => {
  await withTempHome(async (home) => {
    const n = availableParallelism() + 1; // above the CPU count: no global cap holds it back
    const release = path.join(home, "release");
    const file = path.join(home, "wide.pll");
    writeFileSync(file, `jobset wide\n${Array.from({ length: n + 2 }, (_, i) => `j${i}: $ while [ ! -e ${release} ]; do sleep 0.02; done`).join("\n")}\n`);
    const run = pllRun(home, [file, "--pjc", String(n)]);
    try {
      // The run serves its home's socket: ask it what runs while every slot is held.
      const server = { socket: homePaths(home).socket };
      const count = async (state: string) => (await raw(server, "GET", `/jobs?state=${state}`)).json?.jobs.length as number | undefined;
      await waitFor(async () => existsSync(server.socket) && (await count("running").catch(() => 0)) === n, `${n} jobs to run`);
      assert.equal(await count("pending"), 2, "the rest wait for a slot");
      const { settings } = (await raw(server, "GET", "/settings")).json;
      assert.equal(settings.pjc, null, "no global cap");
      assert.deepEqual(settings.jobsetPjc, {});
    } finally {
      // Released and awaited here, before the home (and the release file with it) is removed.
      writeFileSync(release, "");
      const timer = setTimeout(() => run.child.kill("SIGINT"), 30_000); // Ctrl-C: pll run cancels its jobs and exits
      await run.done;
      clearTimeout(timer);
    }
    const ran = await run.done;
    assert.equal(ran.code, 0, ran.stderr);
    const engine = await openEngine({ home });
    try {
      assert.equal(engine.settings().pjc, null, "no global pjc was stored");
      assert.deepEqual(engine.settings().jobsetPjc, {}, "nor one for the jobset");
    } finally {
      await engine.close();
    }
  });
});
