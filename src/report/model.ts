// What `pll report` shows of one run, as plain data (also what `report --json`
// prints): the run's header, its jobs in the order of the file grouped by their
// blocks, one bar per attempt with its outcome, the concurrency over time, the
// critical path, failed jobs' stderr tails and hook runs. Pure: it is built
// from what the store and the logs already hold (records, log tails, hook logs)
// and does no I/O of its own.
import { attemptEnded, type Attempt, type JobRecord, type RunRecord, type Settings } from "../core/types.js";
import { countStates, type StateCounts } from "../server/api-types.js";
import { fewestUnits, runLimits } from "../core/pjc-limits.js";

/** What one attempt came to; each has its colour in the page (README, "Reports"). */
export type Outcome = "success" | "failed" | "timeout" | "killed" | "lost" | "spawn" | "running";

export interface ReportAttempt {
  n: number;
  start: number;
  /** absent while it runs */
  end?: number;
  outcome: Outcome;
  exitCode?: number | null;
  signal?: string | null;
}

export interface HookRun {
  event: string;
  command: string;
  /** its exit code, or the signal that ended it; absent when the log has no end for it (still running, or cut short by a crash) */
  exit?: string;
  output: string[];
}

export interface ReportJob {
  id: number;
  name: string;
  state: JobRecord["state"];
  reason?: string;
  exitCode?: number | null;
  /** index into ReportData.groups */
  group: number;
  deps: number[];
  attempts: ReportAttempt[];
  /** first attempt's start to last attempt's end */
  start?: number;
  end?: number;
  critical: boolean;
  /** the remote worker that ran it, once jobs have one */
  worker?: string;
  /** the last lines of stderr, for errored jobs */
  stderrTail?: string[];
  hooks?: HookRun[];
}

export interface ReportGroup {
  /** the block path, outermost first ("rollout / fleet"); "" for jobs outside any block */
  name: string;
  pjc?: number;
}

export interface ReportData {
  run: { id: number; jobset: string; file: string; state: RunRecord["state"]; schedule?: string };
  host: string;
  /** the IANA zone the time axis is drawn in (the zone of the machine that wrote the report) */
  timeZone: string;
  generatedAt: number;
  /** the run's creation, and its end (or the report's time while it runs) */
  start: number;
  end: number;
  counts: StateCounts;
  /** the jobs-at-once limit that applies to the run now (the least of its own, its jobset's and the global pjc and the capacity: src/core/pjc-limits.ts) */
  pjc: number;
  groups: ReportGroup[];
  /** in file order (job numbers follow the file), grouped by blocks */
  jobs: ReportJob[];
  /** [time, jobs running from then on], one step per change */
  concurrency: [number, number][];
  /** job ids, first to last: the chain of dependencies that ended last */
  criticalPath: number[];
}

export interface ReportExtras {
  host: string;
  timeZone: string;
  now: number;
  /** stderr tails by job id */
  stderr: ReadonlyMap<number, string[]>;
  /** hook runs by job id */
  hooks: ReadonlyMap<number, HookRun[]>;
}

export function attemptOutcome(a: Attempt): Outcome {
  if (!attemptEnded(a)) return "running";
  if (a.reason === "timeout" || a.reason === "killed" || a.reason === "lost" || a.reason === "spawn") return a.reason;
  return a.exitCode === 0 ? "success" : "failed";
}

export function buildReport(run: RunRecord, records: readonly JobRecord[], settings: Settings, extras: ReportExtras): ReportData {
  const sorted = [...records].sort((a, b) => a.id - b.id);
  const groups: ReportGroup[] = [];
  let lastPath: string | undefined;
  const jobs: ReportJob[] = sorted.map((j) => {
    const path = [...j.blocks].reverse();
    const name = path.map((b) => b.slice(b.indexOf(":") + 1)).join(" / ");
    if (name !== lastPath) {
      const pjc = path.length ? run.blockPjc[path[path.length - 1]!] : undefined;
      groups.push(pjc === undefined ? { name } : { name, pjc });
      lastPath = name;
    }
    const attempts = j.attempts.map((a): ReportAttempt => {
      const out: ReportAttempt = { n: a.n, start: a.startedAt, outcome: attemptOutcome(a) };
      if (attemptEnded(a)) {
        out.end = a.endedAt;
        out.exitCode = a.exitCode;
        if (a.signal) out.signal = a.signal;
      }
      return out;
    });
    const job: ReportJob = { id: j.id, name: j.name, state: j.state, group: groups.length - 1, deps: [...j.deps], attempts, critical: false };
    if (j.reason !== undefined) job.reason = j.reason;
    if (j.state !== "running" && j.exitCode !== undefined) job.exitCode = j.exitCode;
    if (attempts.length) {
      job.start = attempts[0]!.start;
      const last = attempts[attempts.length - 1]!;
      if (last.end !== undefined) job.end = last.end;
    }
    // The worker is an attempt's (the last one's): a job record has none of its own.
    const worker = j.attempts.at(-1)?.worker;
    if (worker !== undefined) job.worker = worker;
    const tail = extras.stderr.get(j.id);
    if (tail) job.stderrTail = tail;
    const hooks = extras.hooks.get(j.id);
    if (hooks?.length) job.hooks = hooks;
    return job;
  });
  const criticalPath = criticalPathOf(jobs);
  const onPath = new Set(criticalPath);
  for (const j of jobs) j.critical = onPath.has(j.id);
  const end = run.endedAt ?? extras.now;
  const header: ReportData["run"] = { id: run.id, jobset: run.jobset, file: run.file, state: run.state };
  if (run.schedule !== undefined) header.schedule = run.schedule;
  return {
    run: header,
    host: extras.host,
    timeZone: extras.timeZone,
    generatedAt: extras.now,
    start: jobs.reduce((t, j) => Math.min(t, j.start ?? t), run.createdAt),
    end,
    counts: countStates(records),
    pjc: runLimits(run, settings, fewestUnits(records)).effective,
    groups,
    jobs,
    concurrency: concurrencyOf(jobs, end),
    criticalPath,
  };
}

/** Running attempts over time: a step at each start and end (ends first at the same instant). */
function concurrencyOf(jobs: readonly ReportJob[], end: number): [number, number][] {
  const changes: [number, number][] = [];
  for (const j of jobs) for (const a of j.attempts) changes.push([a.start, 1], [a.end ?? end, -1]);
  changes.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const steps: [number, number][] = [];
  let running = 0;
  for (const [t, d] of changes) {
    running += d;
    if (steps.length && steps[steps.length - 1]![0] === t) steps[steps.length - 1]![1] = running;
    else steps.push([t, running]);
  }
  return steps;
}

/**
 * The job that ended last, the dependency of it that ended last, and so on back to a job with
 * no dependencies in the run: the chain that decided when the run ended.
 */
function criticalPathOf(jobs: readonly ReportJob[]): number[] {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  let last: ReportJob | undefined;
  for (const j of jobs) if (j.end !== undefined && (last === undefined || j.end > last.end!)) last = j;
  const path: number[] = [];
  const seen = new Set<number>();
  for (let j = last; j && !seen.has(j.id); ) {
    seen.add(j.id);
    path.push(j.id);
    let next: ReportJob | undefined;
    for (const d of j.deps) {
      const dep = byId.get(d);
      if (dep?.end !== undefined && (next === undefined || dep.end > next.end!)) next = dep;
    }
    j = next;
  }
  return path.reverse();
}
