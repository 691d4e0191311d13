// Retention and pruning in a real engine: real processes, real LevelDB and
// real log directories on a temp home, an injected clock. What is pruned goes
// from the store and from logs/ together; what runs is never touched; a month
// of an `every 10s` jobset stays bounded; and a prune killed with SIGKILL at
// any point is finished by the next open (no orphan logs, no records pointing
// at removed logs).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { DEFAULT_RECURRING_RUNS } from "../../src/core/retention.js";
import type { JobGraph, RunRecord } from "../../src/core/types.js";
import { homePaths } from "../../src/home.js";
import { compileJobLine, compileSource, formatDiagnostics } from "../../src/lang/index.js";
import { openEngine, type Engine } from "../../src/server/engine.js";
import { Store } from "../../src/store/store.js";
import { repoRoot, withTempHome } from "../helpers/home.js";
import { raw, runPll, withServer } from "../server/server-process.js";
import { gate, runEnded, runToEnd } from "./harness.js";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

function graphOf(source: string, home: string): JobGraph {
  const c = compileSource(source, path.join(home, "x.pll"));
  assert.ok(c.graph, formatDiagnostics(c.diagnostics, source));
  return c.graph;
}

/** The run directories under logs/, by number. */
const logDirs = (home: string): number[] =>
  readdirSync(homePaths(home).logs)
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);

/** Every file under logs/ (the status logs and each job's .out/.err). */
const logFiles = (home: string): number => logDirs(home).reduce((n, d) => n + readdirSync(path.join(homePaths(home).logs, String(d))).length, 0);

/** What LevelDB itself holds, read with the engine closed. */
async function stored(home: string): Promise<{ runs: RunRecord[]; jobs: number; prune: boolean; indexed: number[] }> {
  const store = await Store.open(homePaths(home).db);
  try {
    const c = await store.load();
    const jobsets = [...new Set(c.runs.map((r) => r.jobset))];
    const ofJobsets = await Promise.all(jobsets.map((js) => store.runsNewestFirst({ limit: Infinity }, js)));
    const indexed = ofJobsets.flat().map((r) => r.id).sort((a, b) => a - b);
    return { runs: c.runs, jobs: c.jobs.length, prune: c.prune !== undefined, indexed };
  } finally {
    await store.close();
  }
}

/** Records and logs agree: every run has its log directory, every log directory its run, every job its run. */
async function consistent(home: string): Promise<RunRecord[]> {
  const s = await stored(home);
  assert.equal(s.prune, false, "a prune intent was left");
  assert.deepEqual(s.indexed, s.runs.map((r) => r.id), "the jobsets' index keys and the run records differ");
  assert.deepEqual(
    s.runs.map((r) => r.id),
    logDirs(home),
    "run records and log directories differ",
  );
  assert.equal(s.jobs, s.runs.reduce((n, r) => n + r.jobIds.length, 0), "job records without their run");
  return s.runs;
}

describe("prune", () => {
  it("removes finished runs' records and log directories together, never a running run", async () => {
    await withTempHome(async (home) => {
      let now = T0;
      const engine = await openEngine({ home, killGraceMs: 300, clock: () => now });
      const g = gate(home);
      try {
        const done: number[] = [];
        for (let i = 0; i < 3; i++) done.push((await runToEnd(engine, graphOf("jobset a\na: $ echo a\nb: $ echo b\n", home))).id);
        const { run: held } = await engine.submit(graphOf(`jobset a\nhold: $ ${g.hold}\n`, home), "");
        now += DAY;
        const dry = await engine.prune({ olderThanMs: 0, dryRun: true });
        assert.deepEqual(dry, { runs: done, jobs: 6, dryRun: true });
        assert.deepEqual(logDirs(home), [...done, held.id], "a dry run removes nothing");

        const r = await engine.prune({ olderThanMs: 0 });
        assert.deepEqual(r, { runs: done, jobs: 6, dryRun: false });
        assert.deepEqual(logDirs(home), [held.id]);
        assert.deepEqual(engine.listRuns().map((x) => x.id), [held.id]);
        assert.equal(engine.listJobs().length, 1);
        g.release();
        await runEnded(engine, held.id);
      } finally {
        await engine.close({ killJobs: true });
      }
      assert.deepEqual((await consistent(home)).map((x) => x.jobset), ["a"]);
    });
  });

  it("--jobset and --older-than select; a run another run's job waits for (`after #N`) stays while that run runs", async () => {
    await withTempHome(async (home) => {
      let now = T0;
      const engine = await openEngine({ home, killGraceMs: 300, clock: () => now });
      const g = gate(home);
      try {
        const a1 = await runToEnd(engine, graphOf("jobset a\n$ true\n", home));
        const b1 = await runToEnd(engine, graphOf("jobset b\n$ true\n", home));
        now += 10 * DAY;
        const a2 = await runToEnd(engine, graphOf("jobset a\n$ true\n", home));
        now += DAY;
        assert.deepEqual((await engine.prune({ olderThanMs: 5 * DAY, jobset: "a", dryRun: true })).runs, [a1.id]);
        assert.deepEqual((await engine.prune({ olderThanMs: 5 * DAY, dryRun: true })).runs, [a1.id, b1.id]);
        // A job line waiting on a2's job: a2 is not pruned while its run is open.
        const line = compileJobLine(`after #${a2.jobIds[0]} $ ${g.hold}`, { cwd: home, env: {}, jobset: "c" });
        assert.ok(line.graph, formatDiagnostics(line.diagnostics, ""));
        const { run: c } = await engine.submit(line.graph, "");
        assert.deepEqual((await engine.prune({ olderThanMs: 0 })).runs, [a1.id, b1.id]);
        assert.ok(engine.getRun(a2.id));
        g.release();
        await runEnded(engine, c.id);
        assert.deepEqual((await engine.prune({ olderThanMs: 0 })).runs, [a2.id, c.id]);
      } finally {
        await engine.close({ killJobs: true });
      }
      assert.deepEqual(await consistent(home), []);
    });
  });
});

describe("pll prune and POST /prune", () => {
  it("prune on the CLI and the API: dry run, by age, by jobset; bad input is exit 2 / 400 in one line", async () => {
    await withServer(async (server, home) => {
      const file = path.join(home, "p.pll");
      await writeFile(file, "jobset p\nkeep forever\na: $ echo a\n");
      for (let i = 0; i < 3; i++) assert.equal((await runPll(home, ["run", file])).code, 0);
      const dry = await runPll(home, ["prune", "--older-than", "0s", "--dry-run"]);
      assert.deepEqual([dry.code, dry.stdout], [0, "would prune 3 runs (3 jobs): r1-r3\n"]);
      assert.deepEqual(logDirs(home), [1, 2, 3]);
      assert.deepEqual((await runPll(home, ["prune"])).stdout, "nothing to prune\n", "keep forever: retention keeps them");
      const bad = await runPll(home, ["prune", "--older-than", "3 days"]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /^pll: prune: invalid duration `3 days` for --older-than[^\n]*\n$/);
      const unknown = await runPll(home, ["prune", "--jobset", "q", "--older-than", "0s"]);
      assert.deepEqual([unknown.code, unknown.stderr], [1, "pll: no jobset named `q` — did you mean `p`?\n"]);
      const api = await raw(server, "POST", "/prune", JSON.stringify({ olderThan: "0s", jobset: "p" }));
      assert.deepEqual([api.status, api.json], [200, { runs: [1, 2, 3], jobs: 3, dryRun: false }]);
      assert.deepEqual(logDirs(home), []);
      assert.equal((await raw(server, "POST", "/prune", JSON.stringify({ olderThan: "soon" }))).status, 400);
      assert.equal((await raw(server, "POST", "/prune", JSON.stringify({ older: "1d" }))).status, 400);
      const listed = await runPll(home, ["runs", "--json"]);
      assert.deepEqual(JSON.parse(listed.stdout).runs, []);
    });
  });
});

describe("retention", () => {
  it("applies `keep N runs` as each run ends", async () => {
    await withTempHome(async (home) => {
      const engine = await openEngine({ home, killGraceMs: 300 });
      try {
        const ids: number[] = [];
        for (let i = 0; i < 5; i++) {
          ids.push((await runToEnd(engine, graphOf("jobset k\nkeep 2 runs\n$ echo hi\n", home))).id);
          await engine.retentionSettled();
        }
        assert.deepEqual(engine.listRuns().map((r) => r.id), ids.slice(-2));
        assert.deepEqual(logDirs(home), ids.slice(-2));
      } finally {
        await engine.close();
      }
      await consistent(home);
    });
  });

  it("applies `keep 7d` (and the 30-day default) when the engine opens, by the clock", async () => {
    await withTempHome(async (home) => {
      let now = T0;
      const ids: Record<string, number[]> = { week: [], plain: [], forever: [] };
      let engine: Engine = await openEngine({ home, killGraceMs: 300, clock: () => now });
      try {
        for (let day = 0; day < 40; day += 4) {
          now = T0 + day * DAY;
          ids.week!.push((await runToEnd(engine, graphOf("jobset week\nkeep 7d\n$ true\n", home))).id);
          ids.plain!.push((await runToEnd(engine, graphOf("jobset plain\n$ true\n", home))).id);
          ids.forever!.push((await runToEnd(engine, graphOf("jobset forever\nkeep forever\n$ true\n", home))).id);
        }
      } finally {
        await engine.close();
      }
      now = T0 + 45 * DAY; // runs of day 36 are 9 days old, of day 12 33 days old
      engine = await openEngine({ home, killGraceMs: 300, clock: () => now });
      try {
        await engine.retentionSettled();
        const left = (js: string) => engine.listRuns().filter((r) => r.jobset === js).map((r) => r.id);
        assert.deepEqual(left("week"), []);
        assert.deepEqual(left("plain"), ids.plain!.slice(4)); // days 16…36: under 30 days old
        assert.deepEqual(left("forever"), ids.forever);
      } finally {
        await engine.close();
      }
      await consistent(home);
    });
  });

  it("a month of an `every 10s` jobset stays within its default: 100 runs, their logs and nothing more", async () => {
    await withTempHome(async (home) => {
      // The injected clock walks 31 days in 310 firings (one every 2 h 24 m): every firing is a real run with
      // real logs; the schedule's own timer is off (fireSchedules: false) so that only the test fires it.
      let now = T0;
      const engine = await openEngine({ home, killGraceMs: 300, clock: () => now, fireSchedules: false });
      const steps = 310;
      try {
        await engine.submit(graphOf("jobset health\nevery 10s\n$ echo ok\n", home), "", { allowNoRun: true });
        const [schedule] = engine.listSchedules();
        assert.ok(schedule);
        let maxRuns = 0;
        let maxDirs = 0;
        for (let i = 0; i < steps; i++) {
          now = T0 + Math.round((i * 31 * DAY) / steps);
          const { run } = await engine.createRun(schedule.graph, { schedule: schedule.name });
          await runEnded(engine, run.id);
          await engine.retentionSettled();
          maxRuns = Math.max(maxRuns, engine.listRuns().length);
          maxDirs = Math.max(maxDirs, logDirs(home).length);
        }
        assert.equal(maxRuns, DEFAULT_RECURRING_RUNS);
        assert.equal(maxDirs, DEFAULT_RECURRING_RUNS);
        assert.equal(logFiles(home), DEFAULT_RECURRING_RUNS * 3); // status, .out, .err
      } finally {
        await engine.close();
      }
      const runs = await consistent(home);
      assert.equal(runs.length, DEFAULT_RECURRING_RUNS);
      assert.equal(runs.at(-1)!.id, steps);
    });
  });
});

/** The fixture prunes every finished run of `home` and SIGKILLs itself at `point`. */
function pruneThenDie(home: string, point: string): Promise<NodeJS.Signals | null> {
  const child = spawn(process.execPath, [path.join(repoRoot, "dist", "test", "fixtures", "prune-then-die.js"), home, point], { stdio: ["ignore", "ignore", "inherit"] });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code, signal) => (signal ? resolve(signal) : code === 0 ? resolve(null) : reject(new Error(`prune-then-die exited ${code}`))));
  });
}

describe("a prune killed halfway", () => {
  for (const point of ["after-intent", "mid-logs", "before-delete"]) {
    it(`is finished by the next open (SIGKILL ${point})`, async () => {
      await withTempHome(async (home) => {
        const engine = await openEngine({ home, killGraceMs: 300 });
        const ids: number[] = [];
        try {
          for (let i = 0; i < 12; i++) ids.push((await runToEnd(engine, graphOf("jobset k\nkeep forever\na: $ echo a\nb: $ echo b\n", home))).id);
        } finally {
          await engine.close();
        }
        assert.equal(await pruneThenDie(home, point), "SIGKILL");
        // Killed: the intent is there, and (before-delete) the logs are gone while the records are not.
        const left = await stored(home);
        assert.equal(left.prune, true);
        assert.equal(left.runs.length, ids.length);
        if (point === "before-delete") assert.deepEqual(logDirs(home), []);
        else if (point === "after-intent") assert.deepEqual(logDirs(home), ids);
        else assert.ok(logDirs(home).every((id) => ids.includes(id))); // some gone, or none, or all: whatever the kill caught
        const doctor = await runPll(home, ["doctor"]);
        assert.match(doctor.stdout, /\n  a prune of 12 runs was cut short; the next server \(or pll run\) finishes it/);
        const reopened = await openEngine({ home, killGraceMs: 300 });
        try {
          assert.deepEqual(reopened.listRuns(), []);
          assert.equal(reopened.listJobs().length, 0);
        } finally {
          await reopened.close();
        }
        assert.deepEqual(await consistent(home), []);
        assert.ok(!existsSync(path.join(homePaths(home).logs, String(ids[0]))));
      });
    });
  }
});
