// What history costs the server: a store holding N finished jobs (in runs of
// M, written through the store as the engine writes them), opened in a child
// process two ways, each against an empty store:
// - the store alone, reading what a scheduler needs (Store.loadActive: the runs
//   not finished and their jobs, over the `active:` index keys), then the
//   range reads a listing makes (the newest page of runs, a jobset's latest run);
// - a server started on it (`pll start`): its start, its idle RSS, and what
//   `pll runs` and `pll status` take against it (medians of 5);
// - a fresh engine (which still loads every record), then a prune of every
//   finished run (records and log directories) and the RSS after it.
// Run twice to see the spread; the machine's load is printed with the figures.
// Usage: node dist/bench/history-open.js [--jobs 1000000] [--per-run 100] [--store-only]
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { JobGraph, JobRecord, RunRecord } from "../src/core/types.js";
import { homePaths } from "../src/home.js";
import { openEngine } from "../src/server/engine.js";
import { instantiate } from "../src/server/engine-submit.js";
import { Store } from "../src/store/store.js";
import { fmtMs, machineLoad, median, pllBin, tempHome } from "./lib-measure.js";

const here = fileURLToPath(import.meta.url);

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** In the child: open the store of `home`, read what a scheduler needs, then a listing's pages. Prints one JSON line. */
async function storeChild(home: string): Promise<void> {
  const t0 = performance.now();
  const store = await Store.open(homePaths(home).db);
  const active = await store.loadActive();
  const openMs = performance.now() - t0;
  gc();
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  const t1 = performance.now();
  const page = await store.runsNewestFirst({ limit: 50 });
  const pageMs = performance.now() - t1;
  const t2 = performance.now();
  const older = await store.runsNewestFirst({ limit: 50, before: page.at(-1)?.id ?? 1 });
  const latest = await store.runsNewestFirst({ limit: 1 }, "history");
  const jobsOfLatest = latest[0] ? await store.jobsOf(latest[0]) : [];
  const nextMs = performance.now() - t2;
  await store.close();
  // What the first open after an upgrade costs: a store of an older version has no index keys to read.
  const t3 = performance.now();
  await (await Store.open(homePaths(home).db, { reindex: true })).close();
  const reindexMs = performance.now() - t3;
  const listed = page.length + older.length;
  process.stdout.write(`${JSON.stringify({ openMs, rssMb, active: active.runs.length, pageMs, nextMs, listed, latestJobs: jobsOfLatest.length, reindexMs })}\n`);
}

/** In the child: open the engine of `home`, measure, prune everything, measure again. Prints one JSON line. */
async function child(home: string): Promise<void> {
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

interface EngineFigures {
  openMs: number;
  rssMb: number;
  jobs: number;
  pruneMs: number;
  pruned: number;
  rssAfterMb: number;
}
interface StoreFigures {
  openMs: number;
  rssMb: number;
  active: number;
  pageMs: number;
  nextMs: number;
  listed: number;
  latestJobs: number;
  reindexMs: number;
}

/** A server on `home`: how long `pll start` takes, its idle RSS, and medians of `pll runs` and `pll status`. */
function serverFigures(home: string): { startMs: number; rssMb: number; runsMs: number; statusMs: number } {
  const env = { ...process.env, PLL_HOME: home, NO_COLOR: "1" };
  const pll = (...args: string[]): number => {
    const t = performance.now();
    const r = spawnSync(pllBin, args, { env, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
    if (r.status !== 0) throw new Error(`pll ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
    return performance.now() - t;
  };
  const startMs = pll("start");
  try {
    const pid = readFileSync(homePaths(home).pidFile, "utf8").trim();
    pll("status"); // the first request loads the API's modules
    const runsMs = median(Array.from({ length: 5 }, () => pll("runs")));
    const statusMs = median(Array.from({ length: 5 }, () => pll("status")));
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
    return { startMs, rssMb: rssKb / 1024, runsMs, statusMs };
  } finally {
    pll("stop");
  }
}

function measureChild<T>(mode: "--child" | "--store-child", home: string): T {
  const r = spawnSync(process.execPath, ["--expose-gc", here, mode, home], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`the child exited ${r.status}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as T;
}

const { values } = parseArgs({
  options: {
    jobs: { type: "string", default: "1000000" },
    "per-run": { type: "string", default: "100" },
    "store-only": { type: "boolean", default: false },
    child: { type: "string" },
    "store-child": { type: "string" },
  },
});
if (values.child) await child(values.child);
else if (values["store-child"]) await storeChild(values["store-child"]);
else {
  const jobs = Number(values.jobs);
  const perRun = Number(values["per-run"]);
  const empty = tempHome();
  const full = tempHome();
  try {
    const t0 = performance.now();
    await fill(full, jobs, perRun);
    console.log(`filled a store with ${jobs.toLocaleString("en")} finished jobs in runs of ${perRun} in ${fmtMs(performance.now() - t0)} (${machineLoad()})`);
    const se = measureChild<StoreFigures>("--store-child", empty);
    const sf = measureChild<StoreFigures>("--store-child", full);
    console.log(`store, what a scheduler needs (loadActive): empty store open ${fmtMs(se.openMs)}, RSS ${se.rssMb.toFixed(0)} MB`);
    console.log(`  ${jobs.toLocaleString("en")} jobs: open ${fmtMs(sf.openMs)}, RSS ${sf.rssMb.toFixed(0)} MB (+${(sf.rssMb - se.rssMb).toFixed(0)} MB), ${sf.active} active runs`);
    console.log(`  newest 50 runs ${fmtMs(sf.pageMs)}; the next 50, the jobset's latest run and its ${sf.latestJobs} jobs ${fmtMs(sf.nextMs)} (${sf.listed} runs listed)`);
    console.log(`  indexing it (the first open of a store of an older version): ${fmtMs(sf.reindexMs)}`);
    if (!values["store-only"]) {
      const ve = serverFigures(empty);
      const vf = serverFigures(full);
      console.log(`server (loads every record): empty store: pll start ${fmtMs(ve.startMs)}, idle RSS ${ve.rssMb.toFixed(0)} MB; pll runs ${fmtMs(ve.runsMs)}, pll status ${fmtMs(ve.statusMs)}`);
      console.log(`  ${jobs.toLocaleString("en")} jobs: pll start ${fmtMs(vf.startMs)}, idle RSS ${vf.rssMb.toFixed(0)} MB (+${(vf.rssMb - ve.rssMb).toFixed(0)} MB); pll runs ${fmtMs(vf.runsMs)}, pll status ${fmtMs(vf.statusMs)}`);
      const e = measureChild<EngineFigures>("--child", empty);
      const f = measureChild<EngineFigures>("--child", full);
      console.log(`engine (loads every record): empty store open ${fmtMs(e.openMs)}, idle RSS ${e.rssMb.toFixed(0)} MB`);
      console.log(`  ${jobs.toLocaleString("en")} jobs: open ${fmtMs(f.openMs)}, idle RSS ${f.rssMb.toFixed(0)} MB (+${(f.rssMb - e.rssMb).toFixed(0)} MB), ${f.jobs.toLocaleString("en")} jobs in memory`);
      console.log(`  prune of all: ${fmtMs(f.pruneMs)} for ${f.pruned.toLocaleString("en")} jobs; RSS after ${f.rssAfterMb.toFixed(0)} MB`);
    }
  } finally {
    rmSync(empty, { recursive: true, force: true });
    rmSync(full, { recursive: true, force: true });
  }
}
