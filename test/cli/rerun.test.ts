// `pll rerun RUN --failed | --from JOB [--reload]`: a new run of part of a
// run's DAG — what did not succeed (what succeeded counts as done), or a job
// and everything downstream of it — from the graph stored with the run, or
// the file compiled anew; a file changed since is said.
import assert from "node:assert/strict";
import { mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { stopServerOf, withTempHome } from "../helpers/home.js";
import { runPll } from "../server/server-process.js";

interface Job { id: number; runId: number; name: string; state: string; deps: number[] }

const DAG = ["a: $ echo a", "b: after a $ test -e ok", "c: after b $ echo c", "d: after a $ echo d", ""].join("\n");

async function jobsOf(home: string): Promise<Job[]> {
  const r = await runPll(home, ["status", "--all", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { jobs: Job[] }).jobs;
}

/** Runs `rerun ARGS…`, waits for its run to end, and gives the new run's jobs (by name, deps as names). */
async function rerun(home: string, dir: string, args: string[]): Promise<{ stdout: string; jobs: Record<string, { state: string; deps: string[] }> }> {
  const r = await runPll(home, ["rerun", ...args], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const runId = Number(/run r(\d+) dag/.exec(r.stdout)![1]);
  await runPll(home, ["wait", "all"]);
  const all = await jobsOf(home);
  const nameOf = new Map(all.map((j) => [j.id, j.name]));
  const jobs = Object.fromEntries(all.filter((j) => j.runId === runId).map((j) => [j.name, { state: j.state, deps: j.deps.map((d) => nameOf.get(d)!) }]));
  return { stdout: r.stdout, jobs };
}

test("rerun --failed runs what did not succeed, with what succeeded counted as done; --from JOB runs it and what is downstream", async () => {
  await withTempHome(async (home) => {
    const dir = await mkdtemp(path.join(tmpdir(), "pll-rerun-"));
    try {
      const file = path.join(dir, "dag.pll");
      await writeFile(file, DAG);
      const first = await runPll(home, ["run", "--output", "none", file], { cwd: dir });
      assert.equal(first.code, 1, first.stdout);
      await writeFile(path.join(dir, "ok"), "");
      // The rerun starts a server (it gives it jobs), as `load` does.
      const failed = await rerun(home, dir, ["r1", "--failed"]);
      assert.deepEqual(failed.jobs, { b: { state: "success", deps: [] }, c: { state: "success", deps: ["b"] } });
      const from = await rerun(home, dir, ["1", "--from", "b"]);
      assert.deepEqual(from.jobs, { b: { state: "success", deps: [] }, c: { state: "success", deps: ["b"] } });
      const fromA = await rerun(home, dir, ["1", "--from", "#1"]);
      assert.deepEqual(Object.keys(fromA.jobs).sort(), ["a", "b", "c", "d"]);
      assert.deepEqual(fromA.jobs.c!.deps, ["b"]);
      const whole = await rerun(home, dir, ["1"]);
      assert.deepEqual(Object.keys(whole.jobs).sort(), ["a", "b", "c", "d"]);

      // The file changes: said, and the stored graph is used unless --reload.
      await writeFile(file, `${DAG}e: after b $ echo e\n`);
      const later = new Date(Date.now() + 5000);
      await utimes(file, later, later);
      const stored = await rerun(home, dir, ["1", "--failed"]);
      assert.match(stored.stdout, /dag\.pll changed since run r1; rerunning the graph stored with it \(--reload loads the file\)/);
      assert.deepEqual(Object.keys(stored.jobs).sort(), ["b", "c"]);
      const reloaded = await rerun(home, dir, ["1", "--failed", "--reload"]);
      assert.doesNotMatch(reloaded.stdout, /changed since/);
      assert.deepEqual(reloaded.jobs, { b: { state: "success", deps: [] }, c: { state: "success", deps: ["b"] }, e: { state: "success", deps: ["b"] } });
    } finally {
      await stopServerOf(home);
      await rm(dir, { recursive: true, force: true });
    }
  });
});

test("rerun refuses with one line: bad words (2), an unknown run or job (1), nothing left to run (1)", async () => {
  await withTempHome(async (home) => {
    const dir = await mkdtemp(path.join(tmpdir(), "pll-rerun-"));
    try {
      const file = path.join(dir, "ok.pll");
      await writeFile(file, "a: $ true\nb: after a $ true\n");
      assert.equal((await runPll(home, ["run", file])).code, 0);
      for (const [args, code, message] of [
        [["rerun", "x1"], 2, /rerun: expected a run \(r12 or 12\), got 'x1'/],
        [["rerun", "1", "--failed", "--from", "a"], 2, /--failed and --from exclude each other/],
        [["rerun", "7"], 1, /no such run: 7/],
        [["rerun", "1", "--from", "zz"], 1, /--from zz: no such job in run r1/],
        [["rerun", "1", "--failed"], 1, /nothing to rerun: every job of run 1 succeeded/],
      ] as const) {
        const r = await runPll(home, [...args]);
        assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
        assert.match(r.stderr, message);
        assert.ok(!/\bat .*\.js:\d+/.test(r.stderr), r.stderr);
      }
    } finally {
      await stopServerOf(home);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
