// Issue 15: control reaches the worker — `pll kill` stops the remote process
// tree (its children too), `timeout` kills it there, `cancel` of a job still
// waiting for a slot on a worker means it never runs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { waitFor } from "../helpers/home.js";
import { raw, runPll } from "../server/server-process.js";
import { alive, withCluster } from "./cluster.js";

test("kill, timeout and cancel of remote jobs stop their trees on the worker", async () => {
  await withCluster([["--role", "gpu", "--slots", "2", "--name", "gpu1"]], async ({ server, home }) => {
    const pids = path.join(home, "pids");
    const never = path.join(home, "never");
    const file = path.join(home, "t.pll");
    writeFileSync(
      file,
      [
        "jobset t",
        // A tree: a child in the background and one in the foreground, their pids written down.
        `k: role gpu $ sleep 1000 & echo $! > ${pids}; sleep 1000`,
        `t: role gpu timeout 1s $ sleep 1000`,
        `c: after t role gpu $ touch ${never}`,
      ].join("\n") + "\n",
    );
    const load = await runPll(home, ["load", file]);
    assert.equal(load.code, 0, load.stderr);
    await waitFor(() => existsSync(pids) && readFileSync(pids, "utf8").trim(), "the job's child to start", 20_000);
    const child = Number(readFileSync(pids, "utf8"));
    assert.ok(alive(child));
    // Cancelled while it waits for t: it never runs anywhere.
    assert.equal((await runPll(home, ["cancel", "3"])).code, 0);
    const killed = await runPll(home, ["kill", "1"]);
    assert.equal(killed.code, 0, killed.stderr);
    const k = (await raw(server, "GET", "/jobs/1")).json.job;
    assert.equal(k.state, "errored");
    assert.equal(k.attempts.at(-1).reason, "killed");
    await waitFor(() => !alive(child), "the killed job's child to be gone", 10_000);
    await waitFor(async () => (await raw(server, "GET", "/jobs/2")).json.job.state === "errored", "the remote timeout", 20_000);
    const t = (await raw(server, "GET", "/jobs/2")).json.job;
    assert.equal(t.attempts.at(-1).reason, "timeout");
    assert.equal(t.attempts.at(-1).worker, "gpu1");
    assert.equal((await raw(server, "GET", "/jobs/3")).json.job.state, "cancelled");
    assert.equal(existsSync(never), false);
  });
});
