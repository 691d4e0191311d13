// The reproduction, end to end: a server whose home is on a 2 MB
// tmpfs, jobs whose output fills it, the space freed again, more work, a
// restart. Every run and job must still be there after the restart, job
// numbers go on (never reused, so no log is appended to twice), and while
// the disk is full a submit gets one clear line, not a stack trace, and
// consumes no number.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { waitFor } from "../helpers/home.js";
import { fillDisk, tmpfsUnavailable, withTmpfs } from "../helpers/tmpfs.js";
import { raw, runPll, startServer, type ServerProcess } from "./server-process.js";

const skip = tmpfsUnavailable();

interface Listed {
  jobs: { id: number; state: string; runId: number }[];
}
const jobsOf = async (s: ServerProcess) => ((await raw(s, "GET", "/jobs?limit=10000")).json as Listed).jobs;
const runsOf = async (s: ServerProcess) => ((await raw(s, "GET", "/runs")).json as { runs: { id: number; state: string }[] }).runs;
const allEnded = async (s: ServerProcess) => (await jobsOf(s)).every((j) => j.state !== "pending" && j.state !== "running");

test("a disk-full episode loses no run and no job, across a restart", { skip, timeout: 120_000 }, async () => {
  await withTmpfs(2 << 20, async (mnt) => {
    const home = path.join(mnt, "home");
    const file = path.join(mnt, "..", `${path.basename(mnt)}-fill.pll`);
    const lines = [
      "jobset fill",
      "big_out: $ head -c 3000000 /dev/zero | tr '\\0' x",
      "big_err: $ head -c 3000000 /dev/zero | tr '\\0' y >&2",
      ...Array.from({ length: 10 }, (_, i) => `small_${i}: $ echo ${i}`),
    ];
    writeFileSync(file, lines.join("\n") + "\n");
    let server = await startServer(home);
    try {
      assert.equal((await runPll(home, ["pjc", "4"])).code, 0);
      const loaded = await runPll(home, ["load", file]);
      assert.equal(loaded.code, 0, loaded.stderr);
      // The big jobs fill the disk and fail on it; until space comes back, what ends cannot all be recorded.
      const bigEnded = async () => (await jobsOf(server)).filter((j) => j.id <= 2 && j.state !== "running" && j.state !== "pending").length === 2;
      await waitFor(bigEnded, "the two big jobs to end", 30_000, 100);
      // Their own complaint ("No space left on device") could not reach their logs: the server says it instead.
      await waitFor(() => /job #[12] failed while the disk holding its logs was full/.test(server.stderr()), "a word on the lost output");
      // Space back: the two big logs go, and the rest of the run ends.
      rmSync(path.join(home, "logs", "1", "1.out"), { force: true });
      rmSync(path.join(home, "logs", "1", "2.err"), { force: true });
      await waitFor(() => allEnded(server), "the first run to end", 30_000, 100);

      // The disk is full to the last byte. A journal line still fits in its file's last page for a
      // while; the first submit that needs more gets one line, not a stack trace, and takes no number.
      const filler = fillDisk(mnt);
      let accepted = 0;
      let refused: Awaited<ReturnType<typeof raw>> | undefined;
      while (!refused && accepted < 500) {
        const r = await raw(server, "POST", "/jobs", JSON.stringify({ line: "$ true", cwd: "/" }));
        if (r.status === 201) accepted++;
        else refused = r;
      }
      assert.ok(refused, "a submit on a full disk was refused");
      assert.equal(refused.status, 507, refused.text);
      assert.match(refused.json.error, /disk .* is full/);
      assert.doesNotMatch(server.stderr(), /\n\s+at /, "no stack trace in the server's log");
      rmSync(filler);

      // Space back: three more jobs run.
      for (const word of ["a", "b", "c"]) {
        const r = await raw(server, "POST", "/jobs", JSON.stringify({ line: `$ echo ${word}`, cwd: "/" }));
        assert.equal(r.status, 201, r.text);
      }
      const total = 12 + accepted + 3;
      await waitFor(async () => (await jobsOf(server)).length === total && (await allEnded(server)), `${total} ended jobs`, 30_000, 100);
      const before = { runs: (await runsOf(server)).length, jobs: await jobsOf(server) };
      assert.equal(before.runs, 1 + accepted + 3);
      assert.deepEqual(
        before.jobs.map((j) => j.id),
        Array.from({ length: total }, (_, i) => i + 1),
        "numbers are consecutive: the refused submit consumed none",
      );

      await server.stop();
      server = await startServer(home);
      assert.equal((await runsOf(server)).length, before.runs, "every run survives the restart");
      const after = await jobsOf(server);
      assert.deepEqual(
        after.map((j) => [j.id, j.state]),
        before.jobs.map((j) => [j.id, j.state]),
        "every job survives the restart, in the state it had",
      );
      const next = await raw(server, "POST", "/jobs", JSON.stringify({ line: "$ echo next", cwd: "/" }));
      assert.equal(next.json.jobs[0].id, total + 1, "the next job number follows the last, never reused");
    } finally {
      await server.stop();
      rmSync(file, { force: true });
    }
  });
});
