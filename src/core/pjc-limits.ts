// How many of a run's jobs may run at once, and which limit decides it: the
// run's own pjc (`pll run --pjc N`, else the file's `pjc`, else the CPU count),
// its jobset's (`pll pjc N JOBSET`), the global one (`pll pjc N`; none unless
// set), and the units capacity. Each caps, none replaces another: the least
// binds. What `pll run` says at its start, `status` and the shell header show.
import type { RunRecord, Settings } from "./types.js";

export type LimitScope = "run" | "jobset" | "global" | "units";

export interface RunLimits {
  runId: number;
  jobset: string;
  /** the run's own pjc (Infinity in runs of older versions that had none) */
  run: number;
  from: RunRecord["pjcFrom"];
  jobsetPjc: number | undefined;
  global: number | null;
  capacity: number | null;
  /** how many of the run's jobs the capacity lets run at once (undefined: no bound) */
  byUnits: number | undefined;
  /** the least of them */
  effective: number;
  /** the scope whose limit is the least (the run's own on a tie) */
  binds: LimitScope;
}

/** `minUnits`: the fewest units one of the run's jobs takes (1 unless known). */
export function runLimits(run: RunRecord, settings: Settings, minUnits = 1): RunLimits {
  const own = run.blockPjc[""] ?? Infinity;
  const jobsetPjc = settings.jobsetPjc[run.jobset];
  const byUnits = settings.capacity === null || minUnits <= 0 ? undefined : Math.floor(settings.capacity / minUnits);
  const candidates: [LimitScope, number][] = [
    ["run", own],
    ["jobset", jobsetPjc ?? Infinity],
    ["global", settings.pjc ?? Infinity],
    ["units", byUnits ?? Infinity],
  ];
  const [binds, effective] = candidates.reduce((best, c) => (c[1] < best[1] ? c : best));
  return { runId: run.id, jobset: run.jobset, run: own, from: run.pjcFrom, jobsetPjc, global: settings.pjc, capacity: settings.capacity, byUnits, effective, binds };
}

const FROM: Record<NonNullable<RunRecord["pjcFrom"]>, string> = { option: "--pjc", file: "the file's pjc", default: "default: CPUs" };
const num = (n: number | null | undefined) => (n === null || n === undefined || n === Infinity ? "none" : String(n));

/** One line for status and the shell: `run 7 (env): pjc 3 (the file's pjc) · jobset none · global 2 · capacity none → 2, the global pjc binds` */
export function limitsLine(l: RunLimits): string {
  const from = l.from ? ` (${FROM[l.from]})` : "";
  const capacity = l.capacity === null ? "none" : `${l.capacity} units${l.byUnits !== undefined ? ` (${l.byUnits} jobs)` : ""}`;
  return `run ${l.runId} (${l.jobset}): pjc ${num(l.run)}${from} · jobset ${num(l.jobsetPjc)} · global ${num(l.global)} · capacity ${capacity} → ${num(l.effective)}, ${bindsText(l)} binds`;
}

const FROM_SHORT: Record<NonNullable<RunRecord["pjcFrom"]>, string> = { option: "--pjc", file: "file", default: "CPUs" };

/** The shell header's few words: `3 (file)`, `2 (global pjc binds; run 3)`. */
export function limitsBrief(l: RunLimits): string {
  if (l.binds === "run") return `${num(l.effective)}${l.from ? ` (${FROM_SHORT[l.from]})` : ""}`;
  const scope = l.binds === "units" ? "capacity" : `${l.binds} pjc`;
  return `${num(l.effective)} (${scope} binds; run ${num(l.run)})`;
}

const bindsText = (l: RunLimits): string =>
  l.binds === "run" ? "its own pjc" : l.binds === "jobset" ? `the jobset's pjc` : l.binds === "global" ? "the global pjc" : "the units capacity";

/**
 * What `pll run` says at its start when a wider limit than its own binds, and
 * binds below its job count (a one-job run is not held back by a limit of 2).
 */
export function bindingNotice(l: RunLimits, jobCount: number): string | undefined {
  if (l.binds === "run" || l.effective >= Math.min(l.run, jobCount)) return undefined;
  const asks = `this run's pjc is ${num(l.run)}${l.from ? ` (${FROM[l.from]})` : ""}`;
  const why =
    l.binds === "jobset"
      ? `jobset ${l.jobset}'s pjc is ${l.jobsetPjc} (\`pll pjc reset ${l.jobset}\` lifts it)`
      : l.binds === "global"
        ? `the global pjc is ${l.global} (\`pll pjc reset\` lifts it)`
        : `the units capacity is ${l.capacity} (\`pll capacity N\` changes it)`;
  return `at most ${l.effective} of its jobs at once: ${why}; ${asks}`;
}

/** The fewest units one of `jobs` takes (1 for none). */
export function fewestUnits(jobs: Iterable<{ units: number }>): number {
  let least = Infinity;
  for (const j of jobs) if (j.units < least) least = j.units;
  return least === Infinity ? 1 : least;
}
