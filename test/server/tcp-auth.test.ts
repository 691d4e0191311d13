// TCP is opt-in and guarded: a token (generated into $PLL_HOME/token with mode
// 0600, or given), checked on every request including the event stream, and
// loopback only unless --allow-remote.
import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import http from "node:http";
import { test } from "node:test";
import { homePaths } from "../../src/home.js";
import { withTempHome } from "../helpers/home.js";
import { raw, runPll, startServer, type ServerProcess } from "./server-process.js";

const portOf = (server: ServerProcess) => Number(/http:\/\/127\.0\.0\.1:(\d+)/.exec(server.stderr())![1]);

/** Opens the event stream over TCP; resolves with the status and, when 200, the first event's type. */
function openEvents(port: number, headers: Record<string, string>): Promise<{ status: number; first?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/events", headers, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return resolve({ status: res.statusCode! });
      }
      res.setEncoding("utf8").once("data", (chunk: string) => {
        req.destroy();
        resolve({ status: 200, first: /^event: (\w+)/.exec(chunk)?.[1] });
      });
    });
    req.on("error", reject);
  });
}

test("TCP answers only to the right bearer token — on every route and the event stream", async () => {
  await withTempHome(async (home) => {
    const server = await startServer(home, ["--listen", "127.0.0.1:0"]);
    try {
      const tokenFile = homePaths(home).token;
      assert.equal((await stat(tokenFile)).mode & 0o777, 0o600);
      const token = (await readFile(tokenFile, "utf8")).trim();
      assert.match(token, /^[0-9a-f]{64}$/);
      const port = portOf(server);
      for (const [headers, status] of [
        [{}, 401],
        [{ authorization: "Bearer wrong" }, 401],
        [{ authorization: `Bearer ${token}x` }, 401],
        [{ authorization: token }, 401],
        [{ authorization: `Bearer ${token}` }, 200],
      ] as const) {
        const res = await raw({ port }, "GET", "/settings", undefined, headers);
        assert.equal(res.status, status, JSON.stringify(headers));
        if (status === 401) assert.match(res.json.error, /bearer token/);
        const submit = await raw({ port }, "POST", "/jobs", JSON.stringify({ line: "$ true", cwd: home }), headers);
        assert.equal(submit.status, status === 200 ? 201 : 401);
        const unknown = await raw({ port }, "GET", "/no/such/route", undefined, headers);
        assert.equal(unknown.status, status === 200 ? 404 : 401, "auth comes before routing");
      }
      assert.deepEqual(await openEvents(port, {}), { status: 401 });
      assert.deepEqual(await openEvents(port, { authorization: "Bearer nope" }), { status: 401 });
      assert.deepEqual(await openEvents(port, { authorization: `Bearer ${token}` }), { status: 200, first: "ready" });
      // The unix socket needs no token: its file mode is the guard.
      assert.equal((await raw(server, "GET", "/settings")).status, 200);
      // Exactly one job came in through TCP: the authorised one.
      assert.equal((await raw(server, "GET", "/jobs")).json.jobs.length, 1);
    } finally {
      await server.stop();
    }
  });
});

test("a token given with --token (or PLL_TOKEN) is used instead of the file", async () => {
  await withTempHome(async (home) => {
    const server = await startServer(home, ["--listen", "127.0.0.1:0", "--token", "s3cret-token"]);
    try {
      const port = portOf(server);
      assert.equal((await raw({ port }, "GET", "/health", undefined, { authorization: "Bearer s3cret-token" })).status, 200);
      assert.equal((await raw({ port }, "GET", "/health", undefined, { authorization: "Bearer other" })).status, 401);
    } finally {
      await server.stop();
    }
    const viaEnv = await startServer(home, ["--listen", "127.0.0.1:0"], { PLL_TOKEN: "from-env" });
    try {
      assert.equal((await raw({ port: portOf(viaEnv) }, "GET", "/health", undefined, { authorization: "Bearer from-env" })).status, 200);
    } finally {
      await viaEnv.stop();
    }
  });
});

test("a non-loopback address is refused without --allow-remote, and a malformed one is a usage error", async () => {
  await withTempHome(async (home) => {
    for (const [listen, message] of [
      ["0.0.0.0:0", /refusing to listen on non-loopback address 0\.0\.0\.0 without --allow-remote/],
      ["nonsense", /--listen expects HOST:PORT/],
      ["127.0.0.1:99999", /out of range/],
    ] as const) {
      const { code, stderr } = await runPll(home, ["serve", "--listen", listen]);
      assert.equal(code, 2, stderr);
      assert.match(stderr, message);
    }
  });
});
