// Issue 15: what role jobs do is said — the worker of each job in status and
// show, a role no live worker serves is "waiting for a worker of role R" (and
// `pll run`/`load` say so), and without a queue check, run and status say
// that role jobs run on the server's machine.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { waitFor } from "../helpers/home.js";
import { raw, runPll, withServer } from "../server/server-process.js";
import { startWorker, stopWorker, withCluster } from "./cluster.js";

test("status and show name each job's worker; a role with no live worker is said to wait for one", async () => {
  await withCluster([["--role", "gpu", "--slots", "1", "--name", "gpu1"]], async ({ redis, server, home }) => {
    const file = path.join(home, "t.pll");
    writeFileSync(file, "jobset t\ng: role gpu $ true\nl: $ true\nx: role tpu $ true\n");
    const load = await runPll(home, ["load", file]);
    assert.equal(load.code, 0, load.stderr);
    assert.match(load.stdout + load.stderr, /role tpu: no live worker serves it yet, so its jobs wait for one/);
    await waitFor(async () => (await raw(server, "GET", "/jobs/1")).json.job.state === "success", "g to run", 20_000);
    const status = await runPll(home, ["status"]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^RUN +#.*EXIT +WORKER$/m);
    assert.match(status.stdout, /^ *r1 +1 +g +success .* gpu1$/m);
    assert.match(status.stdout, /^ *r1 +2 +l +success .* local$/m);
    assert.match(status.stdout, /^ *r1 +3 +x +pending .* -$/m);
    assert.match(status.stdout, /^waiting for a worker of role tpu: 1 job/m);
    const show = await runPll(home, ["show", "1"]);
    assert.match(show.stdout, /^attempt 1 .* on worker gpu1$/m);
    // A worker of the role comes: the job runs, and nothing waits any more.
    const tpu = await startWorker(redis.url, ["--role", "tpu", "--slots", "1", "--name", "tpu1"]);
    try {
      await waitFor(async () => (await raw(server, "GET", "/jobs/3")).json.job.state === "success", "x to run on the new worker", 20_000);
      assert.doesNotMatch((await runPll(home, ["status"])).stdout, /waiting for a worker/);
      const view = (await raw(server, "GET", "/workers")).json;
      assert.deepEqual(view.workers.map((v: { name: string; live: boolean }) => [v.name, v.live]).sort(), [["gpu1", true], ["tpu1", true]]);
    } finally {
      await stopWorker(tpu);
    }
  });
});

test("without a queue, role jobs run on the server's machine, and check, run and status say so", async () => {
  await withServer(async (_server, home) => {
    const file = path.join(home, "t.pll");
    writeFileSync(file, "jobset t\ng: role gpu $ echo $PLL_WORKER\n");
    const check = await runPll(home, ["check", file], { env: { PLL_QUEUE: "" } });
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /role gpu: run on the server's machine unless it has a queue/);
    const ran = await runPll(home, ["run", file]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stderr, /role gpu: this server has no queue \(--queue URL or PLL_QUEUE\), so these jobs run on its own machine/);
    const status = await runPll(home, ["status"]);
    assert.match(status.stdout, /^role jobs run on the server's machine: it has no queue/m);
  });
});
