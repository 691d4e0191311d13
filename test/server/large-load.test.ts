// Big `.pll` files load: `pll load` lets the server read the file, and a
// source posted over HTTP has a larger cap than other bodies, which still get 413.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { raw, runPll, startServer, type ServerProcess } from "./server-process.js";

const MB = 1024 * 1024;

/** A valid jobset of about `bytes` bytes: `jobs` trivial jobs, padded with comment lines. */
function bigSource(jobset: string, jobs: number, bytes: number): string {
  const lines = [`jobset ${jobset}`];
  for (let i = 0; i < jobs; i++) lines.push(`j${i}: $ true`);
  const pad = `# ${"x".repeat(200)}`;
  let size = lines.join("\n").length;
  while (size < bytes) {
    lines.push(pad);
    size += pad.length + 1;
  }
  return lines.join("\n") + "\n";
}

describe("loading big files", () => {
  let home: string;
  let server: ServerProcess;
  before(async () => {
    home = await mkdtemp(path.join(tmpdir(), "pll-big-"));
    server = await startServer(home);
  });
  after(async () => {
    try {
      if (server) await raw(server, "POST", "/jobs/all/kill").catch(() => {});
    } finally {
      await server?.stop();
      await rm(home, { recursive: true, force: true });
    }
  });

  test("pll load of a 3 MB file works (the server reads it), and so does one from a pipe (`<(gen.sh)`)", async () => {
    const file = path.join(home, "big.pll");
    const source = bigSource("big-cli", 300, 3 * MB);
    assert.ok(source.length > 3 * MB);
    await writeFile(file, source);
    const loaded = await runPll(home, ["load", "big.pll"], { cwd: home });
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.match(loaded.stdout, /^run r\d+ big-cli: 300 jobs #\d+/);
    // Not a regular file: the client sends its text (the body cap of /runs allows it).
    const fifo = path.join(home, "gen.pll");
    execFileSync("mkfifo", [fifo]);
    const [piped] = await Promise.all([runPll(home, ["load", fifo]), writeFile(fifo, bigSource("big-pipe", 10, 3 * MB))]);
    assert.equal(piped.code, 0, piped.stderr);
    assert.match(piped.stdout, /^run r\d+ big-pipe: 10 jobs/);
  });

  test("POST /runs takes a 3 MB source; other routes still refuse a big body with 413, and /runs past its own cap", async () => {
    const body = JSON.stringify({ source: bigSource("big-http", 50, 3 * MB), path: path.join(home, "http.pll") });
    const res = await raw(server, "POST", "/runs", body);
    assert.equal(res.status, 201, res.text.slice(0, 500));
    assert.equal(res.json.jobs.length, 50);
    const big = Buffer.alloc(2 * MB, 0x20);
    for (const p of ["/jobs", "/settings/pjc", "/jobs/1/priority"]) {
      const refused = await raw(server, "POST", p, big);
      assert.equal(refused.status, 413, `${p}: ${refused.text}`);
      assert.match(refused.json.error, /too large \(limit 1048576 bytes\)/);
    }
    const huge = await raw(server, "POST", "/runs", Buffer.alloc(65 * MB, 0x20));
    assert.equal(huge.status, 413, huge.text);
    assert.equal((await raw(server, "GET", "/health")).status, 200);
  });
});
