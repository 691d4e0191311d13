// Issue 15: stopping everything stops remote trees too — `pll kill all`
// before `pll stop` (a server's stop leaves jobs running by design: the next
// one adopts them), and a `pll run` with no server interrupted by Ctrl-C,
// whose engine stops every job it hosts on its way out.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { waitFor, withTempHome } from "../helpers/home.js";
import { raw, runPll, spawnPll, exitOf } from "../server/server-process.js";
import { alive, startRedis, startWorker, stopWorker, withCluster } from "./cluster.js";

/** A remote job whose tree (a background child, a foreground one) writes its background pid to `pids`. */
const tree = (pids: string) => `k: role gpu $ sleep 1000 & echo $! > ${pids}; sleep 1000`;

const childOf = async (pids: string) => {
  await waitFor(() => existsSync(pids) && readFileSync(pids, "utf8").trim() !== "", "the remote job's child to start", 20_000);
  return Number(readFileSync(pids, "utf8"));
};

test("`pll kill all` then `pll stop`: the remote tree is gone and its job ended killed on its worker", async () => {
  await withCluster([["--role", "gpu", "--slots", "1", "--name", "gpu1"]], async ({ server, home }) => {
    const pids = path.join(home, "pids");
    const file = path.join(home, "t.pll");
    writeFileSync(file, `jobset t\n${tree(pids)}\n`);
    assert.equal((await runPll(home, ["load", file])).code, 0);
    const child = await childOf(pids);
    const killed = await runPll(home, ["kill", "all"]);
    assert.equal(killed.code, 0, killed.stderr);
    // `kill` answers once the end is recorded: the worker has reported it.
    const k = (await raw(server, "GET", "/jobs/1")).json.job;
    assert.equal(k.state, "errored");
    assert.equal(k.attempts.at(-1).reason, "killed");
    assert.equal(k.attempts.at(-1).worker, "gpu1");
    assert.equal((await runPll(home, ["stop"])).code, 0);
    await server.exited;
    await waitFor(() => !alive(child), "the remote job's child to be gone", 10_000);
  });
});

test("a `pll run` with no server, interrupted: its remote jobs' trees are stopped on the worker before it exits", async () => {
  const redis = await startRedis();
  try {
    const w = await startWorker(redis.url, ["--role", "gpu", "--slots", "1", "--name", "gpu1"]);
    try {
      await withTempHome(async (home) => {
        const pids = path.join(home, "pids");
        const file = path.join(home, "t.pll");
        writeFileSync(file, `jobset t\n${tree(pids)}\n`);
        const run = spawnPll(home, ["run", file], { PLL_QUEUE: redis.url });
        let out = "";
        run.stdout!.setEncoding("utf8").on("data", (c: string) => (out += c));
        run.stderr!.setEncoding("utf8").on("data", (c: string) => (out += c));
        try {
          const child = await childOf(pids);
          run.kill("SIGINT");
          const code = await exitOf(run);
          assert.notEqual(code, 0, out);
          assert.match(out, /cancelled/, out);
          await waitFor(() => !alive(child), "the remote job's child to be gone", 10_000);
        } finally {
          if (run.exitCode === null && run.signalCode === null) run.kill("SIGKILL");
          await exitOf(run);
        }
      });
    } finally {
      await stopWorker(w);
    }
  } finally {
    await redis.stop();
  }
});
