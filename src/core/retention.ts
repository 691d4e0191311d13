// Retention: which finished runs pll forgets. A jobset keeps what its file's
// `keep` says (`keep 30d`, `keep 100 runs`, `keep forever`), else the default:
// finished runs are kept 30 days, and a jobset whose runs a schedule fires
// (`every`, `cron`) keeps at most its newest 100 finished runs too, so that an
// `every 10s` health check (8,640 runs a day) cannot fill the disk. The newest
// run of a jobset says which rule applies: the file as it was last loaded.
// Pure: the engine prunes what this picks (src/server/prune.ts).
import type { PruneOptions, Retention, RunRecord } from "./types.js";

const DAY = 86_400_000;
/** Finished runs are kept this long unless their file says otherwise. */
export const DEFAULT_KEEP_MS = 30 * DAY;
/** …and a jobset a schedule fires keeps at most this many finished runs. */
export const DEFAULT_RECURRING_RUNS = 100;

/** The retention of a jobset whose newest run is `newest`. */
export function retentionOf(newest: RunRecord): Retention {
  if (newest.keep) return newest.keep;
  return newest.schedule !== undefined ? { ageMs: DEFAULT_KEEP_MS, runs: DEFAULT_RECURRING_RUNS } : { ageMs: DEFAULT_KEEP_MS };
}

const endOf = (r: RunRecord): number => r.endedAt ?? r.createdAt;

/**
 * The finished runs to prune now, oldest first: with `olderThanMs`, those that
 * ended longer ago than that; else those each jobset's retention lets go.
 * Running runs are never picked (nor counted among the newest N).
 */
export function runsToPrune(runs: Iterable<RunRecord>, now: number, sel: PruneOptions = {}): number[] {
  const byJobset = new Map<string, RunRecord[]>();
  for (const r of runs) {
    if (sel.jobset !== undefined && r.jobset !== sel.jobset) continue;
    const list = byJobset.get(r.jobset);
    if (list) list.push(r);
    else byJobset.set(r.jobset, [r]);
  }
  const out: number[] = [];
  for (const list of byJobset.values()) {
    list.sort((a, b) => b.id - a.id); // newest first: numbers only grow
    const keep = sel.olderThanMs !== undefined ? { ageMs: sel.olderThanMs } : retentionOf(list[0]!);
    let finished = 0;
    for (const r of list) {
      if (r.state === "running") continue;
      finished++;
      const tooMany = keep.runs !== undefined && finished > keep.runs;
      const tooOld = keep.ageMs !== undefined && endOf(r) <= now - keep.ageMs;
      if (tooMany || tooOld) out.push(r.id);
    }
  }
  return out.sort((a, b) => a - b);
}
