// The ready queue: pending jobs whose dependencies are met, ordered by
// priority then job number (a heap — no scan of all jobs per dispatch), with
// backing-off jobs in a second heap by their not-before time, and the
// accounting of every limit (global pjc, block/run/jobset pjc, pause, units).
// A job that meets a full limiter is parked on it and comes back when that
// limiter frees a slot. Entries are deleted lazily (`dead`).

import {
  heldKeys,
  isPaused,
  Limiter,
  limitOf,
  pauseKey,
  readyOrder,
  UNITS,
  type QueueEntry,
} from "./limits.js";
import { PriorityHeap } from "./priority-heap.js";
import type { JobRecord, PendingJob, RunRecord, Settings } from "./types.js";

const byNotBefore = (a: QueueEntry, b: QueueEntry) => (a.job.notBefore ?? 0) < (b.job.notBefore ?? 0);

export class ReadyQueue {
  /** each queued job's one live position (ready, delayed or parked) */
  private readonly queued = new Map<number, QueueEntry>();
  private readonly ready = new PriorityHeap<QueueEntry>(readyOrder);
  private readonly delayed = new PriorityHeap<QueueEntry>(byNotBefore);
  private readonly limiters = new Map<string, Limiter>();
  /** limiters that may have room for some of their parked jobs */
  private readonly roomy = new Set<Limiter>();
  /** running job id → limiter slots it holds */
  private readonly held = new Map<number, Limiter[]>();
  private unitsUsed = 0;
  running = 0;
  /** slots per role of the live workers (undefined: roles are not limited, every role runs here) */
  private roleSlots?: ReadonlyMap<string, number>;

  constructor(
    private readonly runs: ReadonlyMap<number, RunRecord>,
    private readonly settings: () => Settings,
    private readonly clock: () => number,
  ) {}

  enqueue(job: PendingJob): void {
    const entry: QueueEntry = { job, priority: job.priority, dead: false };
    this.queued.set(job.id, entry);
    if (job.notBefore !== undefined && job.notBefore > this.clock()) this.delayed.push(entry);
    else this.ready.push(entry);
  }

  unqueue(job: JobRecord): void {
    const entry = this.queued.get(job.id);
    if (entry) entry.dead = true;
    this.queued.delete(job.id);
  }

  /** A queued job's priority changed: queue it again (it re-parks if its limiter is still full). */
  requeue(job: JobRecord): void {
    if (job.state !== "pending" || !this.queued.has(job.id)) return;
    this.unqueue(job);
    this.enqueue(job);
  }

  /**
   * Takes jobs that may start now, best first, within every limit. `admit`
   * may consume a job another way (a `fresh` skip) by returning false.
   * Taken jobs hold their slots until `release`.
   */
  take(admit: (job: PendingJob) => boolean): PendingJob[] {
    const settings = this.settings();
    this.promoteDelayed();
    const taken: PendingJob[] = [];
    if (settings.paused.includes("*")) return taken;
    const pjc = settings.pjc ?? Infinity;
    for (;;) {
      while (this.running < pjc) {
        const entry = this.popLive(this.ready);
        if (!entry) break;
        const job = entry.job;
        if (!admit(job)) {
          this.queued.delete(job.id);
          continue;
        }
        const full = this.fullLimiter(job);
        if (full) {
          full.parked.push(entry);
          continue;
        }
        this.queued.delete(job.id);
        this.occupy(job);
        taken.push(job);
      }
      if (this.running >= pjc || !this.wakeParked()) return taken;
    }
  }

  /** When the earliest backing-off job becomes ready. */
  nextWakeAt(): number | undefined {
    return this.peekLive(this.delayed)?.job.notBefore;
  }

  /** Counts a running job against its limits (a start, or a restored running job). */
  occupy(job: JobRecord): void {
    const slots = heldKeys(job, this.runs.get(job.runId)).map((k) => this.limiter(k));
    for (const l of slots) l.running++;
    this.held.set(job.id, slots);
    this.running++;
    this.unitsUsed += job.units;
  }

  release(job: JobRecord): void {
    for (const l of this.held.get(job.id) ?? []) {
      l.running--;
      if (l.parked.size) this.roomy.add(l);
    }
    this.held.delete(job.id);
    this.running--;
    this.unitsUsed -= job.units;
    const units = this.limiters.get(UNITS);
    if (units?.parked.size) this.roomy.add(units);
  }

  /** The workers' slots per role changed (a role absent from the map has none). */
  setRoleSlots(slots: ReadonlyMap<string, number> | undefined): void {
    this.roleSlots = slots;
    this.limitsChanged();
  }

  /** Limits changed: any limiter with parked jobs may have room now. */
  limitsChanged(): void {
    for (const limiter of this.limiters.values()) if (limiter.parked.size) this.roomy.add(limiter);
  }

  private popLive(heap: PriorityHeap<QueueEntry>): QueueEntry | undefined {
    for (;;) {
      const entry = heap.pop();
      if (!entry || !entry.dead) return entry;
    }
  }

  private peekLive(heap: PriorityHeap<QueueEntry>): QueueEntry | undefined {
    while (heap.peek()?.dead) heap.pop();
    return heap.peek();
  }

  private promoteDelayed(): void {
    const now = this.clock();
    for (let e = this.peekLive(this.delayed); e && (e.job.notBefore ?? 0) <= now; e = this.peekLive(this.delayed)) {
      this.delayed.pop();
      this.ready.push(e);
    }
  }

  private limiter(key: string): Limiter {
    let l = this.limiters.get(key);
    if (!l) this.limiters.set(key, (l = new Limiter(key)));
    return l;
  }

  /** The first limit this job is over, if any. */
  private fullLimiter(job: JobRecord): Limiter | undefined {
    const settings = this.settings();
    if (isPaused(settings, job.jobset)) return this.limiter(pauseKey(job.jobset));
    for (const key of heldKeys(job, this.runs.get(job.runId))) {
      const l = this.limiters.get(key);
      if ((l?.running ?? 0) >= this.limitOf(key, settings)) return this.limiter(key);
    }
    if (settings.capacity !== null && this.unitsUsed + job.units > settings.capacity) return this.limiter(UNITS);
    return undefined;
  }

  private limitOf(key: string, settings: Settings): number {
    if (key[0] !== "w") return limitOf(key, this.runs, settings);
    return this.roleSlots ? (this.roleSlots.get(key.slice(2)) ?? 0) : Infinity;
  }

  /** Moves parked jobs of limiters with room back to the ready heap; false if none moved. */
  private wakeParked(): boolean {
    let moved = false;
    for (const l of this.roomy) {
      // Units differ per job: wake them all once per release; misfits re-park until the next release.
      const room = l.key === UNITS ? l.parked.size : this.limitOf(l.key, this.settings()) - l.running;
      if (room <= 0 || l.parked.size === 0 || l.key === UNITS) this.roomy.delete(l);
      if (room <= 0) continue;
      for (let i = 0; i < room && l.parked.size; i++) {
        const e = l.parked.pop()!;
        if (e.dead) i--;
        else {
          this.ready.push(e);
          moved = true;
        }
      }
    }
    return moved;
  }
}
