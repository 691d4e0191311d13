// The scheduler: every scheduling decision, made from data and an injected
// clock. It owns the job graph in memory — records change only through
// `transition` (job-machine.ts), each change a new immutable record kept in
// its RecordBook — answers "which jobs start now, and when must I be woken",
// and collects what changed so the engine can persist it before acting.
// No I/O, no timers.

import { endedAttempt, failureReason, type Outcome } from "./attempt-outcome.js";
import { blocks, earlierAttempt, satisfies } from "./job-machine.js";
import { RecordBook, type Changes } from "./record-book.js";
import { ReadyQueue } from "./ready-queue.js";
import { UserError } from "./errors.js";
import { type JobRecord, type PendingJob, type RunningJob, type RunRecord, type Settings } from "./types.js";

export type { Changes } from "./record-book.js";
export type { Outcome } from "./attempt-outcome.js";

export interface Decisions {
  /** jobs just moved to running: spawn them (after persisting) */
  start: RunningJob[];
  /** wake the scheduler at this time (a retry backoff ends) */
  timerAt?: number;
}

export class Scheduler {
  private readonly book: RecordBook;
  private readonly dependants = new Map<number, number[]>();
  /** pending jobs: how many dependencies are not yet success/skipped */
  private readonly unmet = new Map<number, number>();
  private readonly queue: ReadyQueue;
  /** `jobset\0name` → newest success, for `fresh` */
  private readonly lastSuccess = new Map<string, { at: number; runId: number }>();

  constructor(
    private settingsValue: Settings,
    private readonly clock: () => number,
  ) {
    this.book = new RecordBook(clock);
    this.queue = new ReadyQueue(this.book.runs, () => this.settingsValue, clock);
  }

  /** Every job's current record by id. Records are immutable values: keep them, never copy them. */
  get jobs(): ReadonlyMap<number, JobRecord> {
    return this.book.jobs;
  }

  /** Every run's current record by id (immutable values too). */
  get runs(): ReadonlyMap<number, RunRecord> {
    return this.book.runs;
  }

  get settings(): Settings {
    return this.settingsValue;
  }

  get runningCount(): number {
    return this.queue.running;
  }

  // ───────────────────────── loading and submitting ─────────────────────────

  /**
   * Adds a run with its jobs: a new submission (all pending) or one restored
   * from the store (any states; running jobs keep their slots until the
   * engine reports how they ended). Dependencies may point at earlier runs.
   */
  addRun(run: RunRecord, jobs: readonly JobRecord[]): void {
    this.book.add(run, jobs);
    for (const job of jobs) {
      for (const dep of job.deps) {
        const list = this.dependants.get(dep);
        if (list) list.push(job.id);
        else this.dependants.set(dep, [job.id]);
      }
      this.noteSuccess(job);
    }
    for (const job of jobs) {
      if (job.state === "running") this.queue.occupy(job);
      else if (job.state === "pending") this.settle(job);
    }
    if (run.state === "running") this.book.endRunIfDone(run.id);
  }

  /**
   * May this run be pruned? Only a finished run none of whose jobs a job of
   * a running run (`after #N`) depends on.
   */
  prunable(runId: number): boolean {
    const run = this.book.runs.get(runId);
    if (!run || run.state === "running") return false;
    for (const id of run.jobIds)
      for (const d of this.dependants.get(id) ?? []) {
        const other = this.jobs.get(d)?.runId;
        if (other !== undefined && this.runs.get(other)?.state === "running") return false;
      }
    return true;
  }

  /** Forgets a finished run and its jobs (`prunable` said yes; the store has deleted them). */
  removeRun(runId: number): void {
    const run = this.book.runs.get(runId);
    if (!run) return;
    if (run.state === "running") throw new Error(`removeRun: run ${runId} is running`);
    const gone = new Set(run.jobIds);
    for (const id of run.jobIds) {
      const job = this.jobs.get(id);
      this.dependants.delete(id);
      for (const dep of job?.deps ?? []) {
        if (gone.has(dep)) continue;
        const list = this.dependants.get(dep)?.filter((x) => !gone.has(x));
        if (list?.length) this.dependants.set(dep, list);
        else this.dependants.delete(dep);
      }
    }
    this.book.remove(run);
  }

  // ───────────────────────── dispatching ─────────────────────────

  /** Starts every job that may start now, in priority order, within every limit. */
  dispatch(): Decisions {
    const now = this.clock();
    const start = this.queue.take((job) => !this.skipFresh(job, now)).map((job) => this.startJob(job, now));
    return { start, timerAt: this.dispatchAt() };
  }

  /** How many jobs of each role may run at once (the live workers' slots); undefined: roles are not limited. */
  setRoleSlots(slots: ReadonlyMap<string, number> | undefined): void {
    this.queue.setRoleSlots(slots);
  }

  /** When a delayed (backing-off) job becomes ready, if any is waiting. */
  dispatchAt(): number | undefined {
    return this.queue.nextWakeAt();
  }

  /** Starts a pending job now, past every pjc limit but not past its dependencies. */
  forceStart(id: number): RunningJob {
    const job = this.book.need(id);
    if (job.state !== "pending") throw new UserError("conflict", `job #${id} is ${job.state}, not pending`);
    const waiting = job.deps.filter((d) => !satisfies(this.jobs.get(d)?.state ?? "success"));
    if (waiting.length) throw new UserError("conflict", `job #${id} waits for ${waiting.map((d) => `#${d}`).join(", ")}`);
    this.unqueue(job);
    this.queue.occupy(job);
    return this.startJob(job, this.clock());
  }

  /**
   * The running job's process has this pid. Not a change of its own: the record
   * is written with the job's next change, or once `pidsDue` says so.
   */
  started(id: number, pid: number, worker?: string): boolean {
    return this.book.notePid(id, pid, worker);
  }

  /** Marks the running jobs whose pid was learnt since the last call as changed; returns how many. */
  pidsDue(): number {
    return this.book.pidsDue();
  }

  // ───────────────────────── outcomes ─────────────────────────

  /** Records how a running job's attempt ended: success, automatic retry, or failure. */
  finish(id: number, outcome: Outcome): JobRecord {
    const job = this.book.need(id);
    if (job.state !== "running") throw new Error(`finish: job #${id} is ${job.state}, not running`);
    const now = this.clock();
    this.queue.release(job);
    if (outcome.reason === "unstarted") {
      // Dispatched, but its process never started (no `start` in the status log, or the dispatch was never
      // recorded): the attempt did not happen, so it is dropped and the job waits its turn again.
      const attempts = job.attempts.slice(0, -1);
      this.settle(this.book.move(job, "pending", { startedAt: attempts.at(-1)?.startedAt, reason: job.reason }, attempts));
      return this.jobs.get(id)!;
    }
    const attempt = job.attempts.at(-1);
    // Never before it started, never in the future: the launcher's clock is ours, but a stale log line must not mislead.
    const endedAt = outcome.endedAt === undefined ? now : Math.min(now, Math.max(outcome.endedAt, attempt?.startedAt ?? 0));
    const attempts = attempt ? [...job.attempts.slice(0, -1), endedAttempt(attempt, endedAt, outcome)] : job.attempts;
    const last = { startedAt: job.startedAt, endedAt, exitCode: outcome.exitCode };
    if (outcome.reason === "cancelled") {
      this.blockDependants(this.book.move(job, "cancelled", { ...last, reason: "cancelled" }, attempts));
    } else if (outcome.exitCode === 0 && !outcome.reason) {
      const done = this.book.move(job, "success", last, attempts);
      this.noteSuccess(done);
      this.releaseDependants(done);
    } else {
      const reason = outcome.detail ?? failureReason(outcome);
      const autoRetry = outcome.reason !== "killed" && job.attempts.length <= job.retry.count;
      if (autoRetry) {
        const notBefore = job.retry.backoffMs > 0 ? now + job.retry.backoffMs : undefined;
        this.settle(this.book.move(job, "pending", { ...last, reason, notBefore }, attempts));
      } else {
        const failed = this.book.move(job, "errored", { ...last, reason }, attempts);
        this.haltIfAsked(failed);
        this.blockDependants(failed);
      }
    }
    this.book.endRunIfDone(job.runId);
    return this.jobs.get(id)!;
  }

  // ───────────────────────── user requests ─────────────────────────

  /** Re-queues errored/cancelled jobs; they run again when their dependencies allow. */
  retry(ids: number[]): JobRecord[] {
    for (const job of ids.map((id) => this.book.need(id)))
      if (job.state !== "errored" && job.state !== "cancelled")
        throw new UserError("conflict", `job #${job.id} is ${job.state}; only errored or cancelled jobs can be retried`);
    for (const id of ids) {
      // Its start and exit stay (as they always have); why and when it ended go.
      const { endedAt: _, ...kept } = earlierAttempt(this.book.need(id));
      const job = this.book.move(this.book.need(id), "pending", kept);
      this.book.reopenRun(job.runId);
      this.settle(job);
      this.releaseDependants(this.jobs.get(id)!);
    }
    return ids.map((id) => this.jobs.get(id)!);
  }

  /**
   * Cancels jobs: pending and blocked ones at once; running ones are returned
   * for the engine to kill (then `finish` with reason "cancelled").
   */
  cancel(ids: number[]): { cancelled: JobRecord[]; toKill: JobRecord[] } {
    const cancelled: JobRecord[] = [];
    const toKill: JobRecord[] = [];
    ids.forEach((id) => this.book.need(id));
    for (const id of ids) {
      const job = this.book.need(id);
      if (job.state === "running") toKill.push(job);
      else if (job.state === "pending" || job.state === "blocked") {
        this.unqueue(job);
        cancelled.push(this.book.move(job, "cancelled", { ...earlierAttempt(job), reason: "cancelled", endedAt: this.clock() }));
      }
    }
    for (const job of cancelled) {
      this.blockDependants(job);
      this.book.endRunIfDone(job.runId);
    }
    return { cancelled, toKill };
  }

  setPriority(id: number, priority: number): JobRecord {
    const job = this.book.need(id);
    if (job.state !== "pending" && job.state !== "blocked")
      throw new UserError("conflict", `job #${id} is ${job.state}; only a pending job's priority can change`);
    const next = this.book.revise(job, { priority });
    this.queue.requeue(next);
    return next;
  }

  /** Applies new settings; raised limits and resumed jobsets start jobs at the next dispatch. */
  updateSettings(settings: Settings): void {
    this.settingsValue = settings;
    this.queue.limitsChanged();
  }

  // ───────────────────────── changes for the engine ─────────────────────────

  /** Everything changed since the last call, in first-change order. */
  takeChanges(): Changes {
    return this.book.takeChanges();
  }

  /** Hands back changes whose write failed: they are written with the next ones. */
  untake(changes: Changes): void {
    this.book.untake(changes);
  }

  // ───────────────────────── internals ─────────────────────────

  /** A pending job: blocked if a dependency failed, else counted and queued when ready. */
  private settle(job: PendingJob): void {
    let unmet = 0;
    let culprit: JobRecord | undefined;
    for (const d of job.deps) {
      const dep = this.jobs.get(d);
      if (!dep || satisfies(dep.state)) continue;
      if (blocks(dep.state)) culprit ??= dep;
      unmet++;
    }
    if (culprit) {
      this.book.move(job, "blocked", { ...earlierAttempt(job), reason: `blocked by #${rootCause(culprit)}` });
      return;
    }
    this.unmet.set(job.id, unmet);
    if (unmet === 0) this.queue.enqueue(job);
  }

  private unqueue(job: JobRecord): void {
    this.queue.unqueue(job);
    this.unmet.delete(job.id);
  }

  private skipFresh(job: PendingJob, now: number): boolean {
    if (job.freshMs === undefined) return false;
    const last = this.lastSuccess.get(`${job.jobset}\0${job.name}`);
    if (!last || last.runId === job.runId || now - last.at > job.freshMs) return false;
    const reason = `fresh: succeeded in run ${last.runId}`;
    this.releaseDependants(this.book.move(job, "skipped", { ...earlierAttempt(job), reason, endedAt: now }));
    this.book.endRunIfDone(job.runId);
    return true;
  }

  /** Records the start of a job that holds its slots already. */
  private startJob(job: PendingJob, now: number): RunningJob {
    this.unmet.delete(job.id);
    const attempts = [...job.attempts, { n: job.attempts.length + 1, startedAt: now }];
    // An automatic retry keeps why the attempt before ended.
    return this.book.move(job, "running", { startedAt: now, reason: job.reason }, attempts);
  }

  private noteSuccess(job: JobRecord): void {
    // Only `fresh` jobs ever ask; remembering every success would cost memory per job.
    if (job.freshMs === undefined || job.state !== "success") return;
    const key = `${job.jobset}\0${job.name}`;
    const last = this.lastSuccess.get(key);
    if (!last || last.at <= job.endedAt) this.lastSuccess.set(key, { at: job.endedAt, runId: job.runId });
  }

  /**
   * The one walk down the graph: calls `visit` on each dependant of `root`, and
   * on theirs through every dependant for which it returns true, depth first.
   */
  private walkDependants(root: JobRecord, visit: (dependant: JobRecord, via: JobRecord) => boolean): void {
    const stack = [root.id];
    while (stack.length) {
      const via = this.jobs.get(stack.pop()!)!;
      for (const id of this.dependants.get(via.id) ?? []) if (visit(this.jobs.get(id)!, via)) stack.push(id);
    }
  }

  /** A dependency succeeded (or was skipped, or retried): count it, and lift blocks it caused. */
  private releaseDependants(root: JobRecord): void {
    this.walkDependants(root, (d, via) => {
      if (d.state === "pending" && satisfies(via.state)) {
        const left = (this.unmet.get(d.id) ?? 1) - 1;
        this.unmet.set(d.id, left);
        if (left === 0) this.queue.enqueue(d);
        return false;
      }
      if (d.state !== "blocked" || d.deps.some((x) => blocks(this.jobs.get(x)?.state ?? "success"))) return false;
      const pending = this.book.move(d, "pending", earlierAttempt(d));
      this.book.reopenRun(d.runId);
      this.settle(pending);
      return true;
    });
  }

  /** A dependency failed for good: every pending job downstream is blocked. */
  private blockDependants(root: JobRecord): void {
    this.walkDependants(root, (d) => {
      if (d.state !== "pending") return false;
      this.unqueue(d);
      this.book.move(d, "blocked", { ...earlierAttempt(d), reason: `blocked by #${root.id}` });
      this.book.endRunIfDone(d.runId);
      return true;
    });
  }

  /**
   * A job of a halting run failed for good: the run's pending and blocked
   * jobs are cancelled here, in the transition that records the failure, so
   * the dispatch that follows can start none of them. Running jobs go on.
   */
  private haltIfAsked(failed: JobRecord): void {
    const run = this.runs.get(failed.runId);
    if (!run?.haltOnFailure) return;
    const halted: JobRecord[] = [];
    for (const id of run.jobIds) {
      const job = this.jobs.get(id)!;
      if (job.state !== "pending" && job.state !== "blocked") continue;
      this.unqueue(job);
      const reason = `halted: #${failed.id} failed`;
      halted.push(this.book.move(job, "cancelled", { ...earlierAttempt(job), reason, endedAt: this.clock() }));
    }
    // Jobs of other runs waiting on these (`after #N`) are blocked, as by any cancel.
    for (const job of halted) this.blockDependants(job);
  }
}

/** A blocked job's reason names the failed job at the root, not its blocked neighbour. */
function rootCause(dep: JobRecord): number {
  const m = dep.state === "blocked" ? /#(\d+)/.exec(dep.reason) : null;
  return m ? Number(m[1]) : dep.id;
}
