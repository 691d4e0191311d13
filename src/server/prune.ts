// Pruning: forgetting finished runs — their records in the store and their
// log directories together — by retention (src/core/retention.ts: after each
// run that ends, at open and every hour) or when asked (`pll prune`,
// `POST /prune`). Never a running run, nor one whose jobs a running run's job
// waits for (`after #N`).
//
// Crash-safe in three writes: (1) an intent naming the runs, (2) their log
// directories removed, (3) their run and job records deleted with the intent,
// in one journal line. A crash after (1) leaves the intent: the next open
// finishes it (finishPrune) before anything reads the store, so no record is
// left pointing at removed logs, and no log outlives its records.
import { rm } from "node:fs/promises";
import { runLogDir } from "../exec/job-files.js";
import { runsToPrune } from "../core/retention.js";
import type { JobRecord, PruneOptions, PruneResult, RunRecord } from "../core/types.js";
import type { Store, StoreContents, StoreWrite } from "../store/store.js";

/** What the pruner needs from the engine's scheduler. */
export interface PruneHost {
  runs(): Iterable<RunRecord>;
  job(id: number): JobRecord | undefined;
  prunable(runId: number): boolean;
  forget(runId: number): void;
  restore(run: RunRecord, jobs: JobRecord[]): void;
  now(): number;
  notice(level: "info" | "warn", message: string): void;
}

/** How often retention is applied while nothing ends (age limits pass with time alone). */
const RETENTION_EVERY_MS = 3_600_000;

const removeLogs = (logsDir: string, runs: Iterable<number>): Promise<unknown> =>
  Promise.all([...runs].map((id) => rm(runLogDir(logsDir, id), { recursive: true, force: true })));

/** Finishes a prune a crash cut short (its intent is in `contents`): logs, then records and intent. */
export async function finishPrune(store: Store, contents: StoreContents, logsDir: string): Promise<StoreContents> {
  if (!contents.prune) return contents;
  const gone = new Set(contents.prune.runs);
  await removeLogs(logsDir, gone);
  const jobs = contents.jobs.filter((j) => gone.has(j.runId));
  await store.write({ deleteRuns: contents.runs.filter((r) => gone.has(r.id)), deleteJobs: jobs.map((j) => j.id), prune: null });
  const { prune: _, ...rest } = contents;
  return { ...rest, runs: contents.runs.filter((r) => !gone.has(r.id)), jobs: contents.jobs.filter((j) => !gone.has(j.runId)) };
}

export class Pruner {
  /** one prune at a time */
  private chain: Promise<unknown> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private soonArmed = false;
  private stopped = false;
  /** the last write of a prune that failed after its logs went (a full disk): written before the next prune */
  private unfinished?: StoreWrite;
  private failing = false;

  constructor(
    private readonly host: PruneHost,
    private readonly store: Store,
    private readonly logsDir: string,
  ) {}

  /** Applies retention now, then every hour. */
  start(): void {
    this.soon();
    this.timer = setInterval(() => this.soon(), RETENTION_EVERY_MS).unref();
  }

  /** Applies retention shortly (a run just ended); many calls in one turn make one prune. */
  soon(): void {
    if (this.soonArmed || this.stopped) return;
    this.soonArmed = true;
    setImmediate(() => {
      this.soonArmed = false;
      if (this.stopped) return;
      this.prune({}).then(
        () => this.recovered(),
        (err) => this.trouble(err),
      );
    });
  }

  /** Prunes what `opts` selects (nothing given: what retention lets go). */
  prune(opts: PruneOptions): Promise<PruneResult> {
    const done = this.chain.then(() => this.pruneOnce(opts));
    this.chain = done.catch(() => {});
    return done;
  }

  /** Stops the timer; resolves once a prune under way has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.chain;
  }

  /** Resolves once every prune asked so far has finished (tests: retention after a run ends). */
  async settled(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    await this.chain;
  }

  private async pruneOnce(opts: PruneOptions): Promise<PruneResult> {
    if (this.unfinished) {
      await this.store.write(this.unfinished);
      this.unfinished = undefined;
    }
    const ids = runsToPrune(this.host.runs(), this.host.now(), opts).filter((id) => this.host.prunable(id));
    const chosen = new Set(ids);
    const runs = [...this.host.runs()].filter((r) => chosen.has(r.id));
    const jobIds = runs.flatMap((r) => r.jobIds);
    const result = { runs: ids, jobs: jobIds.length, dryRun: !!opts.dryRun };
    if (opts.dryRun || !ids.length) return result;
    // Forgotten first, in this same turn: nothing (a retry) can change them while they are being deleted.
    const held = runs.map((r) => [r, r.jobIds.flatMap((id) => this.host.job(id) ?? [])] as const);
    for (const id of ids) this.host.forget(id);
    try {
      await this.store.write({ prune: { runs: ids } });
    } catch (err) {
      for (const [run, jobs] of held) this.host.restore(run, jobs);
      throw err;
    }
    await removeLogs(this.logsDir, ids);
    const last: StoreWrite = { deleteRuns: runs, deleteJobs: jobIds, prune: null };
    try {
      await this.store.write(last);
    } catch (err) {
      this.unfinished = last; // the intent stays: the next prune, or the next open, finishes it
      throw err;
    }
    return result;
  }

  private trouble(err: unknown): void {
    if (!this.failing) this.host.notice("warn", `retention: could not prune old runs: ${(err as Error)?.message ?? String(err)}`);
    this.failing = true;
  }

  private recovered(): void {
    this.failing = false;
  }
}
