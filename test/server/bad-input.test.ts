// Bad input to the API gets one clear line and its documented status, costs
// the server no more than the input's own size, and leaves it serving with
// every job intact: jobset paths that are not files, relative paths, jobset
// names that are not names, a client that hangs up mid-body.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, truncate, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { test } from "node:test";
import { waitFor } from "../helpers/home.js";
import { raw, withServer, type ServerProcess } from "./server-process.js";

/** Bytes the process has read through read(2) and the like, files and sockets. */
const bytesRead = (pid: number) => Number(/^rchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, "utf8"))![1]);

const post = (server: ServerProcess, p: string, body: unknown) => raw(server, "POST", p, JSON.stringify(body));

/** One line, no stack: what a user may be shown. */
function assertOneLine(error: unknown, pattern: RegExp): void {
  assert.equal(typeof error, "string");
  assert.match(error as string, pattern);
  assert.doesNotMatch(error as string, /\n|\s+at \S+ \(/);
}

test("a jobset path that is not a regular file is refused at once, reading nothing of it", { timeout: 120_000 }, async () => {
  await withServer(async (server, home) => {
    const fifo = path.join(home, "fifo.pll");
    execFileSync("mkfifo", [fifo]);
    const dir = path.join(home, "dir.pll");
    await mkdir(dir);
    for (const file of ["/dev/zero", fifo, dir]) {
      const before = bytesRead(server.pid);
      const res = await post(server, "/runs", { path: file });
      assert.equal(res.status, 400, `${file}: ${res.text}`);
      assertOneLine(res.json.error, new RegExp(`^cannot read ${file}: not a regular file \\(.+\\); send its text as \`source\` instead$`));
      assert.ok(bytesRead(server.pid) - before < 64 * 1024, `${file}: the server read ${bytesRead(server.pid) - before} bytes`);
    }
  });
});

test("a jobset file over 64 MiB is refused without being read", { timeout: 120_000 }, async () => {
  await withServer(async (server, home) => {
    const big = path.join(home, "big.pll");
    await writeFile(big, "jobset big\n");
    await truncate(big, 64 * 1024 * 1024 + 1); // sparse: costs the disk nothing
    const before = bytesRead(server.pid);
    const res = await post(server, "/runs", { path: big });
    assert.equal(res.status, 400, res.text.slice(0, 300));
    assertOneLine(res.json.error, /^cannot read .*big\.pll: larger than 64 MiB, the most a jobset may be$/);
    assert.ok(bytesRead(server.pid) - before < 64 * 1024, `the server read ${bytesRead(server.pid) - before} bytes`);
  });
});

test("relative paths and jobset names that are not names are a 400 naming the field", { timeout: 120_000 }, async () => {
  await withServer(async (server, home) => {
    const file = path.join(home, "ok.pll");
    await writeFile(file, "jobset ok\n$ true\n");
    const refused: [string, unknown, string][] = [
      ["/runs", { path: "ok.pll" }, "body.path"],
      ["/runs", { path: file, cwd: "somewhere" }, "body.cwd"],
      ["/runs", { source: "$ true\n", path: "./ok.pll" }, "body.path"],
      ["/jobs", { line: "$ true", cwd: "." }, "body.cwd"],
      ["/jobs", { line: "$ true", cwd: home, jobset: "two\nlines" }, "body.jobset"],
      ["/jobs", { line: "$ true", cwd: home, jobset: "../escape" }, "body.jobset"],
      ["/settings/pjc", { pjc: 2, jobset: "../../etc" }, "body.jobset"],
      ["/settings/pause", { jobset: "a\nb" }, "body.jobset"],
    ];
    for (const [route, body, field] of refused) {
      const res = await post(server, route, body);
      assert.equal(res.status, 400, `${route} ${JSON.stringify(body)}: ${res.text}`);
      assertOneLine(res.json.error, new RegExp(`^invalid request ${field.replace(".", "\\.")}: `));
    }
    const filtered = await raw(server, "GET", `/jobs?jobset=${encodeURIComponent("../x")}`);
    assert.equal(filtered.status, 400, filtered.text);
    assertOneLine(filtered.json.error, /^invalid request query\.jobset: /);
    // Nothing of it was stored; what is right still works.
    assert.deepEqual((await raw(server, "GET", "/runs")).json.runs, []);
    assert.equal((await post(server, "/runs", { path: file })).status, 201);
  });
});

test("a client that hangs up in the middle of a body leaves no trace in the server's log, and the server serves on", { timeout: 120_000 }, async () => {
  await withServer(async (server, home) => {
    const kept = await post(server, "/runs", { source: "jobset kept\nk: $ true\n", path: path.join(home, "kept.pll") });
    assert.equal(kept.status, 201, kept.text);
    for (const route of ["/runs", "/jobs", "/settings/pjc"]) {
      const socket = net.connect(server.socket);
      await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
      socket.write(`POST ${route} HTTP/1.1\r\nHost: pll\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"source": "jobset half`);
      // The server has the head and part of the body when the client goes.
      await waitFor(async () => (await raw(server, "GET", "/health")).status === 200, "a round trip after the partial body");
      socket.destroy();
    }
    // The server has seen every hang-up once it has answered a request from after them all.
    for (let i = 0; i < 3; i++) assert.equal((await raw(server, "GET", "/health")).status, 200);
    const log = server.stderr();
    assert.doesNotMatch(log, /internal error|\n\s+at /, log);
    const jobs = (await raw(server, "GET", "/jobs?jobset=kept")).json.jobs;
    assert.deepEqual(jobs.map((j: { name: string }) => j.name), ["k"]);
  });
});
