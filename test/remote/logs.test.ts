// Issue 15: a remote job's output reaches the server's log files while it
// runs (`pll tail -f` streams it), and Redis holds a bounded window of it
// whatever the job prints: with the server stopped (SIGSTOP) while a job
// prints 40 MB, Redis holds a few hundred KB of it, and all of it arrives
// once the server goes on.
import { test } from "node:test";
import assert from "node:assert/strict";
import { statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Redis } from "ioredis";
import { waitFor } from "../helpers/home.js";
import { raw, runPll, spawnPll, exitOf } from "../server/server-process.js";
import { withCluster } from "./cluster.js";

test("pll tail -f of a remote job streams its output live, and ends when the job ends", async () => {
  await withCluster([["--role", "gpu", "--slots", "1", "--name", "gpu1"]], async ({ server, home }) => {
    const go = path.join(home, "go");
    const file = path.join(home, "t.pll");
    // It prints, then waits for the test to have seen that line through tail -f before it prints more.
    writeFileSync(file, `jobset t\na: role gpu $ echo first; echo oops >&2; while [ ! -e ${go} ]; do sleep 0.05; done; echo second\n`);
    const load = await runPll(home, ["load", file]);
    assert.equal(load.code, 0, load.stderr);
    const tail = spawnPll(home, ["tail", "-f", "1"]);
    let out = "";
    tail.stdout!.setEncoding("utf8").on("data", (c: string) => (out += c));
    await waitFor(() => /first/.test(out) && /! oops/.test(out), "tail -f to show the first lines while the job runs", 20_000);
    assert.doesNotMatch(out, /second/);
    writeFileSync(go, "");
    assert.equal(await exitOf(tail), 0);
    assert.match(out, /first\n(.*\n)*second/);
    const job = (await raw(server, "GET", "/jobs/1")).json.job;
    assert.equal(job.state, "success");
    const shown = await runPll(home, ["show", "1"]);
    assert.match(shown.stdout, /first/);
  });
});

test("a job printing 40 MB while the server is stopped holds a bounded window of it in Redis; all of it arrives", async () => {
  await withCluster([["--role", "gpu", "--slots", "1", "--name", "gpu1"]], async ({ redis, server, home }) => {
    const client = new Redis(redis.url);
    try {
      const printed = path.join(home, "printed");
      const file = path.join(home, "t.pll");
      const MB = 40;
      writeFileSync(file, `jobset t\nbig: role gpu $ head -c ${MB * 1024 * 1024} /dev/zero | tr '\\0' x; touch ${printed}\n`);
      const load = await runPll(home, ["load", file]);
      assert.equal(load.code, 0, load.stderr);
      await waitFor(async () => (await raw(server, "GET", "/jobs/1")).json.job.state === "running", "the job to be sent", 20_000);
      const base = Number(/used_memory:(\d+)/.exec(await client.info("memory"))![1]);
      process.kill(server.pid, "SIGSTOP");
      let peak = 0;
      try {
        // The job prints all of it to the worker's disk; Redis gets only what the window lets through.
        await waitFor(() => statSyncSafe(printed), "the job to print everything", 60_000);
        // Let the worker ship what it may (it polls every 100 ms), then measure.
        for (let i = 0; i < 20; i++) {
          await new Promise((r) => setTimeout(r, 100));
          peak = Math.max(peak, Number(/used_memory:(\d+)/.exec(await client.info("memory"))![1]) - base);
        }
      } finally {
        process.kill(server.pid, "SIGCONT");
      }
      assert.ok(peak < 4 * 1024 * 1024, `Redis grew by ${peak} bytes while the job printed ${MB} MB`);
      await waitFor(async () => (await raw(server, "GET", "/jobs/1")).json.job.state === "success", "the job to end", 60_000);
      const job = (await raw(server, "GET", "/jobs/1")).json.job;
      assert.equal(statSync(job.logOut).size, MB * 1024 * 1024);
    } finally {
      client.disconnect();
    }
  });
});

function statSyncSafe(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}
