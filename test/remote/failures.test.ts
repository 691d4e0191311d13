// Issue 15: failures are detected, not hidden — a worker SIGKILLed mid-job
// (its job lost, naming it, and retried on the other worker; restarted, it
// kills what it left running), the server SIGKILLed mid-run (the end that
// came meanwhile is applied by the next server), Redis stopped and
// restarted mid-run (local jobs go on, dispatch waits, says so once, recovers).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { waitFor, withTempHome } from "../helpers/home.js";
import { raw, runPll } from "../server/server-process.js";
import { alive, startQueueServer, startRedis, startWorker, stopWorker, type WorkerProcess } from "./cluster.js";

const jobOf = async (server: { socket: string }, id: number) => (await raw(server, "GET", `/jobs/${id}`)).json.job;

test("a worker SIGKILLed mid-job: the job is lost naming the worker, retried on the other; restarted, the worker kills what it left", async () => {
  const redis = await startRedis();
  try {
    await withTempHome(async (home) => {
      const workers: Record<string, WorkerProcess> = {
        gpu1: await startWorker(redis.url, ["--role", "gpu", "--slots", "1", "--name", "gpu1"]),
        gpu2: await startWorker(redis.url, ["--role", "gpu", "--slots", "1", "--name", "gpu2"]),
      };
      const server = await startQueueServer(home, redis.url, [], 1_500);
      const pidFile = path.join(home, "pid");
      try {
        const file = path.join(home, "t.pll");
        writeFileSync(file, `jobset t\na: role gpu retry 1 $ if [ $PLL_ATTEMPT = 1 ]; then sleep 1000 & echo $! > ${pidFile}; wait; fi; while [ ! -e ${pidFile}.go ]; do sleep 0.05; done; echo attempt $PLL_ATTEMPT on $PLL_WORKER\n`);
        assert.equal((await runPll(home, ["load", file])).code, 0);
        const first = await waitFor(async () => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() && (await jobOf(server, 1)).attempts.at(-1)?.worker, "attempt 1 to run on a worker", 20_000);
        const orphan = Number(readFileSync(pidFile, "utf8"));
        const other = first === "gpu1" ? "gpu2" : "gpu1";
        workers[first]!.child.kill("SIGKILL");
        await workers[first]!.exited;
        // While attempt 2 runs, the job says why attempt 1 ended.
        const retried = await waitFor(async () => {
          const j = await jobOf(server, 1);
          return j.attempts.length === 2 && j.attempts[1].worker && j;
        }, "the job to be retried elsewhere", 30_000);
        assert.equal(retried.attempts[0].reason, "lost");
        assert.match(retried.reason, new RegExp(`^lost: worker ${first} \\(.*\\) sent no heartbeat for 1.5 s$`));
        writeFileSync(`${pidFile}.go`, "");
        const done = await waitFor(async () => {
          const j = await jobOf(server, 1);
          return j.state === "success" && j;
        }, "the retry to end", 30_000);
        assert.equal(done.attempts[1].worker, other);
        assert.equal(readFileSync(done.logOut, "utf8").split("\n").filter((l: string) => l.startsWith("attempt")).join("|"), `attempt 2 on ${other}`);
        assert.match(server.stderr(), new RegExp(`worker ${first} .* its jobs are lost`));
        // What the dead worker left running is killed when it comes back.
        assert.ok(alive(orphan), "the spawner's guardian keeps the job's process");
        workers[first] = await startWorker(redis.url, ["--role", "gpu", "--slots", "1", "--name", first], {}, workers[first]!.home);
        await waitFor(() => !alive(orphan), "the restarted worker to kill the attempt it left", 10_000);
        assert.match(workers[first]!.stderr(), /killed job #1 \(attempt 1\), left running by this worker's previous run/);
      } finally {
        await server.stop();
        for (const w of Object.values(workers)) await stopWorker(w);
      }
    });
  } finally {
    await redis.stop();
  }
});

test("the server SIGKILLed mid-run: the remote job goes on, and its end (and output) reach the restarted server", async () => {
  const redis = await startRedis();
  try {
    await withTempHome(async (home) => {
      const w = await startWorker(redis.url, ["--role", "gpu", "--slots", "1", "--name", "gpu1"]);
      let server = await startQueueServer(home, redis.url);
      const go = path.join(home, "go");
      const started = path.join(home, "started");
      try {
        const file = path.join(home, "t.pll");
        writeFileSync(file, `jobset t\na: role gpu $ touch ${started}; while [ ! -e ${go} ]; do sleep 0.05; done; echo finished; exit 5\nb: role gpu $ echo b ran\n`);
        assert.equal((await runPll(home, ["load", file])).code, 0);
        await waitFor(() => existsSync(started), "the remote job to start", 20_000);
        process.kill(server.pid, "SIGKILL");
        await server.exited;
        writeFileSync(go, "");
        // The job ends (and b runs? no: b waits for a server to dispatch it) while no server runs.
        await waitFor(async () => !/"jobId":1/.test(JSON.stringify(await redisWorkers(redis.url))), "the job to end on the worker", 20_000);
        server = await startQueueServer(home, redis.url);
        const a = await waitFor(async () => {
          const j = await jobOf(server, 1);
          return j.state === "errored" && j;
        }, "the restarted server to learn the end", 20_000);
        assert.equal(a.attempts.length, 1);
        assert.equal(a.attempts[0].exitCode, 5);
        assert.equal(readFileSync(a.logOut, "utf8"), "finished\n");
        await waitFor(async () => (await jobOf(server, 2)).state === "success", "b to run", 20_000);
        // The killed server's claim on the namespace expires: the new one is not told of another server.
        assert.doesNotMatch(server.stderr(), /another pll server/);
      } finally {
        await server.stop();
        await stopWorker(w);
      }
    });
  } finally {
    await redis.stop();
  }
});

test("Redis stopped mid-run: local jobs go on, dispatch waits and says so once, and recovers when Redis is back", async () => {
  const redis = await startRedis();
  let again: Awaited<ReturnType<typeof startRedis>> | undefined;
  try {
    await withTempHome(async (home) => {
      const w = await startWorker(redis.url, ["--role", "gpu", "--slots", "1", "--name", "gpu1"]);
      const server = await startQueueServer(home, redis.url);
      try {
        const warm = path.join(home, "warm.pll");
        writeFileSync(warm, "jobset warm\nw: role gpu $ true\n");
        assert.equal((await runPll(home, ["run", warm])).code, 0);
        await redis.stop();
        const file = path.join(home, "t.pll");
        writeFileSync(file, "jobset t\nl: $ echo local\nr: role gpu $ echo remote on $PLL_WORKER\n");
        assert.equal((await runPll(home, ["load", file])).code, 0);
        await waitFor(async () => (await jobOf(server, 2)).state === "success", "the local job to run while Redis is away", 20_000);
        await waitFor(() => /cannot reach the queue's Redis/.test(server.stderr()), "the server to say so", 10_000);
        assert.notEqual((await jobOf(server, 3)).state, "success");
        again = await startRedis(redis.port);
        const r = await waitFor(async () => {
          const j = await jobOf(server, 3);
          return j.state === "success" && j;
        }, "the remote job to run once Redis is back", 30_000);
        assert.equal(readFileSync(r.logOut, "utf8"), "remote on gpu1\n");
        assert.equal(server.stderr().match(/cannot reach the queue's Redis/g)!.length, 1, server.stderr());
        assert.match(server.stderr(), /the queue's Redis answers again/);
      } finally {
        await server.stop();
        await stopWorker(w);
      }
    });
  } finally {
    await redis.stop();
    await again?.stop();
  }
});

async function redisWorkers(url: string): Promise<unknown> {
  const { Redis } = await import("ioredis");
  const c = new Redis(url);
  try {
    return await c.hgetall("pll:pll:workers");
  } finally {
    c.disconnect();
  }
}
