// GET /jobs/N/log on a log without newlines: what a request reads and answers
// is bounded by what it asks for, not by how long a line is. A 50 MB line is
// handed out in 1 MiB pieces that put it back together byte for byte, and its
// tail is the last 8 MiB (the documented cap), read from the end — not the whole file.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { test } from "node:test";
import { waitFor } from "../helpers/home.js";
import { raw, withServer, type ServerProcess } from "./server-process.js";

const MiB = 1024 * 1024;
/** docs/api.md: a line longer than 1 MiB comes in pieces; a tail reads at most the last 8 MiB. */
const LINE_PIECE = MiB;
const TAIL_CAP = 8 * MiB;

/** ~`bytes` of text without a newline, with multi-byte characters all along (so a cut inside one would show). */
function oneLine(bytes: number): Buffer {
  const parts: string[] = [];
  for (let size = 0, i = 0; size < bytes; i++) {
    const part = `${i.toString(36)}é€😀${randomBytes(60).toString("base64")}`;
    parts.push(part);
    size += Buffer.byteLength(part);
  }
  return Buffer.from(parts.join(""));
}

/** Bytes the process has read through read(2) and the like, files and sockets. */
const bytesRead = (pid: number) => Number(/^rchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, "utf8"))![1]);

async function logOf(server: ServerProcess, id: number, query: string) {
  const res = await raw(server, "GET", `/jobs/${id}/log?${query}`);
  assert.equal(res.status, 200, res.text.slice(0, 300));
  return res.text;
}

test("a 50 MB log line: its tail reads only the tail, and the whole log comes in pieces that rebuild it", { timeout: 240_000 }, async () => {
  await withServer(async (server, home) => {
    const out = oneLine(50 * MiB);
    const err = oneLine(3 * MiB);
    await writeFile(path.join(home, "out.txt"), out);
    await writeFile(path.join(home, "err.txt"), err);
    const submitted = await raw(server, "POST", "/runs", JSON.stringify({ source: "jobset biglog\nbig: $ cat out.txt; cat err.txt >&2\n", path: path.join(home, "big.pll") }));
    assert.equal(submitted.status, 201, submitted.text);
    const id: number = submitted.json.jobs[0].id;
    await waitFor(async () => (await raw(server, "GET", `/jobs/${id}`)).json.job.state === "success", "the job to finish", 60_000);

    // The tail of one line: the last 8 MiB of it, starting on a whole character, read from the end.
    const before = bytesRead(server.pid);
    const tail = await logOf(server, id, "tail=1&stream=out");
    const readForTail = bytesRead(server.pid) - before;
    let start = out.length - TAIL_CAP;
    while ((out[start]! & 0xc0) === 0x80) start++;
    assert.equal(Buffer.byteLength(tail), out.length - start + 1);
    assert.ok(tail === out.subarray(start).toString("utf8") + "\n", "the tail is the line's last 8 MiB");
    // Found backwards, then read forwards: twice the tail at most, whatever the log's size.
    assert.ok(readForTail < 2 * TAIL_CAP + MiB, `a tail of one line read ${readForTail} bytes of a ${out.length}-byte log`);

    // A line shorter than the cap is the whole tail; stderr is marked once, at the start of its line.
    assert.ok((await logOf(server, id, "tail=1&stream=err")) === "! " + err.toString("utf8") + "\n", "stderr's tail is its whole line");

    // The whole log as ndjson: pieces of at most 1 MiB, every one but the line's last marked `cut`.
    const records = (await logOf(server, id, "format=ndjson&stream=out")).trimEnd().split("\n").map((l) => JSON.parse(l) as { stream: string; line: string; cut?: true });
    assert.ok(records.every((r) => Buffer.byteLength(r.line) <= LINE_PIECE), `a record of ${Math.max(...records.map((r) => Buffer.byteLength(r.line)))} bytes`);
    assert.deepEqual(records.map((r) => r.cut === true), records.map((_, i) => i < records.length - 1));
    assert.ok(records.map((r) => r.line).join("") === out.toString("utf8"), "the pieces rebuild the line");

    // As text, the pieces follow each other unbroken: the output is the files' bytes.
    assert.ok((await logOf(server, id, "")) === out.toString("utf8") + "\n! " + err.toString("utf8") + "\n", "text is the log itself");
  });
});

test("following a job whose one line keeps growing hands it out as it grows, not once it ends", { timeout: 120_000 }, async () => {
  await withServer(async (server, home) => {
    const go = path.join(home, "go");
    const line = `head -c ${3 * MiB} /dev/zero | tr '\\0' x; while [ ! -e ${go} ] && [ -d ${home} ]; do sleep 0.02; done; echo end; echo done >&2`; // stops with the home too
    const submitted = await raw(server, "POST", "/runs", JSON.stringify({ source: `jobset growing\ng: $ ${line}\n`, path: path.join(home, "g.pll") }));
    assert.equal(submitted.status, 201, submitted.text);
    const id: number = submitted.json.jobs[0].id;
    await waitFor(async () => (await raw(server, "GET", `/jobs/${id}`)).json.job.state === "running", "the job to start");

    const chunks: Buffer[] = [];
    let received = 0;
    let ended = false;
    const req = http.get({ socketPath: server.socket, path: `/jobs/${id}/log?follow=1`, agent: false }, (res) => {
      res.on("data", (c: Buffer) => {
        chunks.push(c);
        received += c.length;
      });
      res.on("end", () => (ended = true));
    });
    try {
      req.on("error", () => {});
      // The line has no end yet: all of it but what is held back (at most 1 MiB) arrives anyway.
      await waitFor(() => received >= 2 * MiB, "the first pieces of the unfinished line", 60_000);
      await writeFile(go, "");
      await waitFor(() => ended, "the followed log to end with the job", 60_000);
    } finally {
      req.destroy();
    }
    const body = Buffer.concat(chunks).toString("utf8");
    // Two files are followed: which of stdout's last piece and stderr's line is read first is not fixed. A stderr
    // line that comes first ends the unfinished stdout piece with a newline, so each stream is checked on its own.
    const lines = body.split("\n");
    assert.equal(lines.pop(), "", "the body ends with a whole line");
    const out = lines.filter((l) => !l.startsWith("! ")).join("");
    assert.ok(out === "x".repeat(3 * MiB) + "end", `stdout: got ${out.length} chars ending ${JSON.stringify(out.slice(-40))}`);
    assert.deepEqual(lines.filter((l) => l.startsWith("! ")), ["! done"]);
  });
});
