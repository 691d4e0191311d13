// What history costs the server: a store holding N finished jobs (in runs of
// M, written straight into a real LevelDB), opened by a fresh engine in a
// child process. Reports the open time and the idle RSS against an empty
// store's, then prunes every finished run (records and log directories) and
// reports the time that took and the RSS after it. Run twice to see the
// spread; the machine's load is printed with the figures.
// Usage: node dist/bench/history-open.js [--jobs 100000] [--per-run 100]
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { JobGraph, JobRecord, RunRecord } from "../src/core/types.js";
import { homePaths } from "../src/home.js";
import { openEngine } from "../src/server/engine.js";
import { instantiate } from "../src/server/engine-submit.js";
import { Store } from "../src/store/store.js";
import { fmtMs, machineLoad, tempHome } from "./lib-measure.js";

const here = fileURLToPath(import.meta.url);

/** In the child: open the engine of `home`, measure, prune everything, measure again. Prints one JSON line. */
async function child(home: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  const t0 = performance.now();
  const engine = await openEngine({ home, fireSchedules: false });
  const openMs = performance.now() - t0;
  gc();
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  const jobs = engine.listJobs().length;
  const t1 = performance.now();
  const pruned = await engine.prune({ olderThanMs: 0 });
  const pruneMs = performance.now() - t1;
  gc();
  const rssAfterMb = process.memoryUsage().rss / 2 ** 20;
  await engine.close();
  process.stdout.write(`${JSON.stringify({ openMs, rssMb, jobs, pruneMs, pruned: pruned.jobs, rssAfterMb })}\n`);
}

/** A store of `jobs` finished jobs in runs of `perRun`, as the engine writes them (job records, then the run). */
async function fill(home: string, jobs: number, perRun: number): Promise<void> {
  mkdirSync(homePaths(home).logs, { recursive: true, mode: 0o700 });
  const graph: JobGraph = {
    jobset: "history",
    file: "/bench/history.pll",
    jobs: Array.from({ length: perRun }, (_, i) => ({
      key: `job_${i}`, name: `job_${i}`, command: `echo job ${i}`, cwd: "/tmp", env: {}, priority: 0, deps: [], blocks: [],
      retry: { count: 0, backoffMs: 0 }, units: 1, hooks: [], loc: { file: "/bench/history.pll", line: i + 1, col: 1 },
    })),
    blocks: [],
    schedules: [],
  };
  const store = await Store.open(homePaths(home).db);
  const t = Date.now() - 86_400_000;
  let nextJobId = 1;
  let runId = 1;
  for (; nextJobId <= jobs; runId++) {
    const made = instantiate(graph, { runId, firstJobId: nextJobId }, homePaths(home).logs, t, () => true);
    const done: JobRecord[] = made.jobs.map(
      (j) => ({ ...j, state: "success", startedAt: t, endedAt: t + 5, exitCode: 0, pid: 1000 + j.id, attempts: [{ n: 1, startedAt: t, pid: 1000 + j.id, endedAt: t + 5, exitCode: 0 }] }) as unknown as JobRecord,
    );
    const run: RunRecord = { ...made.run, state: "success", endedAt: t + 10 };
    nextJobId += done.length;
    await store.writeRun(done, { runs: [run], counters: { nextRunId: runId + 1, nextJobId } });
  }
  await store.close();
}

function measureChild(home: string): { openMs: number; rssMb: number; jobs: number; pruneMs: number; pruned: number; rssAfterMb: number } {
  const r = spawnSync(process.execPath, ["--expose-gc", here, "--child", home], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (r.status !== 0) throw new Error(`the child exited ${r.status}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

const { values } = parseArgs({ options: { jobs: { type: "string", default: "100000" }, "per-run": { type: "string", default: "100" }, child: { type: "string" } } });
if (values.child) await child(values.child);
else {
  const jobs = Number(values.jobs);
  const perRun = Number(values["per-run"]);
  const empty = tempHome();
  const full = tempHome();
  try {
    const t0 = performance.now();
    await fill(full, jobs, perRun);
    console.log(`filled a store with ${jobs.toLocaleString("en")} finished jobs in runs of ${perRun} in ${fmtMs(performance.now() - t0)} (${machineLoad()})`);
    const e = measureChild(empty);
    const f = measureChild(full);
    console.log(`empty store:  open ${fmtMs(e.openMs)}, idle RSS ${e.rssMb.toFixed(0)} MB`);
    console.log(`${jobs.toLocaleString("en")} jobs: open ${fmtMs(f.openMs)}, idle RSS ${f.rssMb.toFixed(0)} MB (+${(f.rssMb - e.rssMb).toFixed(0)} MB), ${f.jobs.toLocaleString("en")} jobs in memory`);
    console.log(`prune of all:  ${fmtMs(f.pruneMs)} for ${f.pruned.toLocaleString("en")} jobs; RSS after ${f.rssAfterMb.toFixed(0)} MB`);
  } finally {
    rmSync(empty, { recursive: true, force: true });
    rmSync(full, { recursive: true, force: true });
  }
}
