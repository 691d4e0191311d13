// Issue 15: role jobs run on `pll worker`s through BullMQ on a real Redis —
// routing by role, a worker's slots, results and PLL_WORKER, `pll workers`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { waitFor, withTempHome } from "../helpers/home.js";
import { raw, runPll } from "../server/server-process.js";
import { parseQueueUrl } from "../../src/remote/queue-url.js";
import { startQueueServer, startRedis, startWorker, stopWorker, withCluster } from "./cluster.js";

test("role jobs run only on a worker of their role, at most --slots at once; the others run here; each knows its PLL_WORKER", async () => {
  const workers = [["--role", "gpu", "--slots", "1", "--name", "gpu1"], ["--role", "cpu,io", "--slots", "2", "--name", "cpu1"]];
  await withCluster(workers, async ({ redis, server, home }) => {
    const busy = path.join(home, "busy");
    // Two at once on gpu1 would find the other's directory and fail.
    const gpuJob = (n: number) => `g${n}: role gpu $ mkdir ${busy}-$PLL_WORKER || exit 9; echo g${n} on $PLL_WORKER; sleep 0.2; rmdir ${busy}-$PLL_WORKER`;
    const file = path.join(home, "t.pll");
    writeFileSync(file, ["jobset t", gpuJob(1), gpuJob(2), gpuJob(3), "c: role io $ echo c on $PLL_WORKER; exit 4", "l: $ echo l on $PLL_WORKER"].join("\n") + "\n");
    const ran = await runPll(home, ["run", file]);
    assert.equal(ran.code, 1, ran.stderr);
    assert.match(ran.stdout, /4\/5 succeeded, 1 errored/);
    const jobs = (await raw(server, "GET", "/jobs")).json.jobs as { name: string; logOut: string; exitCode?: number; attempts: { worker?: string; exitCode: number }[] }[];
    const out = (name: string) => readFileSync(jobs.find((j) => j.name === name)!.logOut, "utf8");
    for (const n of [1, 2, 3]) assert.equal(out(`g${n}`), `g${n} on gpu1\n`);
    assert.equal(out("c"), "c on cpu1\n");
    assert.equal(out("l"), "l on srv\n");
    const c = jobs.find((j) => j.name === "c")!;
    assert.equal(c.attempts.at(-1)!.exitCode, 4);
    assert.equal(c.attempts.at(-1)!.worker, "cpu1");
    assert.equal(jobs.find((j) => j.name === "l")!.attempts.at(-1)!.worker, undefined);

    const listed = await runPll(home, ["workers", "--json"], { env: { PLL_QUEUE: redis.url } });
    assert.equal(listed.code, 0, listed.stderr);
    const workers = JSON.parse(listed.stdout) as { name: string; roles: string[]; slots: number; running: number }[];
    assert.deepEqual(workers.map((w) => [w.name, w.roles, w.slots, w.running]), [["cpu1", ["cpu", "io"], 2, 0], ["gpu1", ["gpu"], 1, 0]]);
    const table = await runPll(home, ["workers"], { env: { PLL_QUEUE: redis.url } });
    assert.match(table.stdout, /^NAME +HOST +ROLES +SLOTS +RUNNING +HEARTBEAT$/m);
    assert.match(table.stdout, /^gpu1 .* gpu +1 +0 /m);
  }, { serverArgs: ["--name", "srv"] });
});

test("a queue off loopback without a password is refused in one line, exit 2", async () => {
  await withTempHome(async (home) => {
    const ran = await runPll(home, ["worker", "--role", "gpu"], { env: { PLL_QUEUE: "redis://10.1.2.3:6379" } });
    assert.equal(ran.code, 2);
    assert.match(ran.stderr, /^pll: PLL_QUEUE: refusing a Redis off loopback \(10\.1\.2\.3\) without a password/);
    assert.equal(ran.stderr.trim().split("\n").length, 1);
    const served = await runPll(home, ["serve", "--queue", "redis://db1:6379"]);
    assert.equal(served.code, 2);
    assert.match(served.stderr, /--queue: refusing a Redis off loopback \(db1\)/);
  });
});

test("queue URLs: the key namespace (?ns=), TLS, the password never shown", () => {
  const q = parseQueueUrl("rediss://:s3cret@db1.example:6380/2?ns=team-a", "PLL_QUEUE");
  assert.equal(q.prefix, "pll:team-a");
  assert.equal(q.url, "rediss://:s3cret@db1.example:6380/2");
  assert.equal(q.shown, "rediss://:***@db1.example:6380/2");
  assert.equal(parseQueueUrl("redis://127.0.0.1:6379", "x").prefix, "pll:pll");
  assert.throws(() => parseQueueUrl("redis://127.0.0.1:6379?ns=a:b", "PLL_QUEUE"), /PLL_QUEUE: ns must be 1 to 64 letters/);
  assert.throws(() => parseQueueUrl("http://127.0.0.1:6379", "--queue"), /--queue: expected a redis:\/\/ or rediss:\/\/ URL/);
});

test("servers with different namespaces on one Redis never take each other's jobs", async () => {
  await withCluster([["--role", "gpu", "--slots", "1", "--name", "gpu1"]], async ({ redis, server, home }) => {
    // A worker of the same name and role in another namespace is not this server's.
    const other = await startWorker(`${redis.url}?ns=other`, ["--role", "gpu", "--slots", "1", "--name", "gpu1"]);
    try {
      const file = path.join(home, "t.pll");
      writeFileSync(file, ["jobset t", ...[1, 2, 3, 4].map((n) => `g${n}: role gpu $ echo $PLL_WORKER`)].join("\n") + "\n");
      assert.equal((await runPll(home, ["run", file])).code, 0);
      const jobs = (await raw(server, "GET", "/jobs")).json.jobs as { logOut: string }[];
      assert.equal(jobs.length, 4);
      assert.deepEqual(readdirSync(path.join(other.home, "logs")), [], "the other namespace's worker ran none of them");
      for (const j of jobs) assert.equal(readFileSync(j.logOut, "utf8"), "gpu1\n");
      const listed = await runPll(home, ["workers", "--json"], { env: { PLL_QUEUE: `${redis.url}?ns=other` } });
      assert.deepEqual((JSON.parse(listed.stdout) as { jobs: number[] }[]).map((w) => w.jobs), [[]]);
    } finally {
      await stopWorker(other);
    }
  });
});

test("pll run with no server honours PLL_QUEUE: its role jobs run on the workers, the others in the run's own engine", async () => {
  // No server here: one per namespace, and the run's own engine is it.
  const redis = await startRedis();
  try {
    const w = await startWorker(redis.url, ["--role", "gpu", "--slots", "1", "--name", "gpu1"]);
    try {
      await withTempHome(async (home) => {
        const file = path.join(home, "t.pll");
        writeFileSync(file, `jobset t\ng: role gpu $ echo g on $PLL_WORKER > ${home}/g\nl: $ echo l on $PLL_WORKER > ${home}/l\n`);
        const ran = await runPll(home, ["run", file], { env: { PLL_QUEUE: redis.url } });
        assert.equal(ran.code, 0, ran.stdout + ran.stderr);
        assert.doesNotMatch(ran.stderr, /no live worker|no queue/);
        assert.equal(readFileSync(path.join(home, "g"), "utf8"), "g on gpu1\n");
        assert.doesNotMatch(readFileSync(path.join(home, "l"), "utf8"), /gpu1/);
      });
    } finally {
      await stopWorker(w);
    }
  } finally {
    await redis.stop();
  }
});

test("a second server on the same namespace is told so, once", async () => {
  await withCluster([["--role", "gpu", "--slots", "1", "--name", "gpu1"]], async ({ redis }) => {
    await withTempHome(async (home) => {
      const second = await startQueueServer(home, redis.url);
      try {
        await waitFor(() => /another pll server \(.*\) uses the namespace pll:pll on this Redis/.test(second.stderr()), "the clash to be said", 20_000);
        assert.equal(second.stderr().match(/another pll server/g)!.length, 1);
      } finally {
        await second.stop();
      }
    });
  });
});
