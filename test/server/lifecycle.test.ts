// One server per home, a private socket, graceful stop with jobs left running
// for the next server to adopt, stale sockets, and clients that vanish mid-stream.
import assert from "node:assert/strict";
import { stat, writeFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { test } from "node:test";
import { homePaths } from "../../src/home.js";
import { stopServerOf, waitFor, withTempHome } from "../helpers/home.js";
import { raw, runPll, startServer, withServer } from "./server-process.js";

const run = runPll;

test("the socket is mode 0600 in a 0700 home, and a second server for the same home exits with a clear message", async () => {
  await withServer(async (server, home) => {
    assert.equal((await stat(homePaths(home).socket)).mode & 0o777, 0o600);
    assert.equal((await stat(home)).mode & 0o777, 0o700);
    const second = await run(home, ["serve"]);
    assert.equal(second.code, 1);
    assert.match(second.stderr, new RegExp(`already running for .*${path.basename(home)} \\(pid ${server.pid}\\)`));
    assert.equal((await raw(server, "GET", "/health")).status, 200, "the first one is unaffected");
    process.kill(server.pid, "SIGTERM");
    assert.equal(await server.exited, 0, "SIGTERM is a graceful stop");
    await assert.rejects(stat(homePaths(home).socket), /ENOENT/, "the socket is removed");
    await assert.rejects(stat(homePaths(home).pidFile), /ENOENT/, "the pid file is removed");
  });
});

test("pll stop is graceful: a running job keeps running, and the next server adopts it and records its end", async () => {
  await withTempHome(async (home) => {
    const release = path.join(home, "release");
    let jobPid: number | undefined;
    try {
      const first = await startServer(home);
      let id: number;
      try {
        const res = await raw(first, "POST", "/runs", JSON.stringify({ source: `jobset survive\nlong: $ while [ ! -e "${release}" ]; do sleep 0.02; done; echo finished\n`, path: path.join(home, "s.pll") }));
        id = res.json.jobs[0].id;
        const running = await waitFor(async () => {
          const j = (await raw(first, "GET", `/jobs/${id}`)).json.job;
          // with its pid, so the finally below can stop it whatever fails next
          return j.state === "running" && j.pid ? j : undefined;
        }, "the job to run");
        jobPid = running.pid;
        const stopped = await run(home, ["stop"]);
        assert.equal(stopped.code, 0, stopped.stderr);
        assert.match(stopped.stderr, /stopped the server .*running jobs keep running/);
        assert.equal(await first.exited, 0);
      } finally {
        await first.stop();
      }
      const second = await startServer(home);
      try {
        const adopted = (await raw(second, "GET", `/jobs/${id}`)).json.job;
        assert.equal(adopted.state, "running", "adopted, not lost");
        await writeFile(release, "");
        const done = await waitFor(async () => {
          const j = (await raw(second, "GET", `/jobs/${id}`)).json.job;
          return j.state !== "running" ? j : undefined;
        }, "the adopted job to end");
        assert.equal(done.state, "success");
        assert.equal((await raw(second, "GET", `/jobs/${id}/log`)).text, "finished\n");
        jobPid = undefined;
      } finally {
        await second.stop();
      }
    } finally {
      // The job outlives servers by design: if the test failed half-way, end it here.
      if (jobPid !== undefined) {
        try {
          process.kill(-jobPid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
  });
});

test("pll start runs a background server once; pll stop stops it; stop without a server says so", async () => {
  await withTempHome(async (home) => {
    let pid: number | undefined;
    try {
      const started = await run(home, ["start"]);
      assert.equal(started.code, 0, started.stderr);
      pid = Number(/pid (\d+)/.exec(started.stderr)?.[1]);
      assert.ok(pid > 0, started.stderr);
      const again = await run(home, ["start"]);
      assert.equal(again.code, 0);
      assert.match(again.stderr, new RegExp(`already running .*pid ${pid}`));
      const health = await raw({ socket: homePaths(home).socket }, "GET", "/health");
      assert.equal(health.json.pid, pid);
      assert.equal((await run(home, ["stop"])).code, 0);
      pid = undefined;
      const none = await run(home, ["stop"]);
      assert.equal(none.code, 0);
      assert.match(none.stderr, /no server is running/);
    } finally {
      if (pid !== undefined) process.kill(pid, "SIGTERM");
      await stopServerOf(home);
    }
  });
});

test("a server killed outright leaves a stale socket that the next server replaces", async () => {
  await withTempHome(async (home) => {
    const crashed = await startServer(home);
    process.kill(crashed.pid, "SIGKILL");
    await crashed.exited;
    await stat(homePaths(home).socket); // still there, answering nobody
    const server = await startServer(home);
    try {
      assert.equal((await raw(server, "GET", "/health")).json.pid, server.pid);
    } finally {
      await server.stop();
    }
  });
});

test("clients that disconnect in the middle of the event stream or a followed log leave the server serving", async () => {
  await withTempHome(async (home) => {
    const server = await startServer(home);
    try {
      const res = await raw(server, "POST", "/runs", JSON.stringify({ source: `jobset chatty\nc: $ while [ ! -e "${home}/stop" ]; do echo tick; sleep 0.02; done\n`, path: path.join(home, "c.pll") }));
      const id = res.json.jobs[0].id;
      for (const p of ["/events", `/jobs/${id}/log?follow=1`]) {
        for (let i = 0; i < 5; i++) {
          await new Promise<void>((resolve, reject) => {
            const req = http.get({ socketPath: server.socket, path: p, agent: false }, (r) => {
              r.once("data", () => {
                req.destroy(); // gone mid-stream, without a goodbye
                resolve();
              });
            });
            req.on("error", (e) => ((e as NodeJS.ErrnoException).code === "ECONNRESET" ? resolve() : reject(e)));
          });
        }
      }
      assert.equal((await raw(server, "GET", "/health")).status, 200);
      assert.equal((await raw(server, "GET", `/jobs/${id}`)).json.job.state, "running");
      await writeFile(path.join(home, "stop"), "");
      await waitFor(async () => (await raw(server, "GET", `/jobs/${id}`)).json.job.state === "success", "the job to end");
    } finally {
      await raw(server, "POST", "/jobs/all/kill").catch(() => {});
      await server.stop();
    }
  });
});
