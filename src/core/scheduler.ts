// The scheduler: every scheduling decision, made from data and an injected
// clock. It owns the in-memory job graph (records are mutated only through
// `transition`), answers "which jobs start now, and when must I be woken",
// and collects what changed so the engine can persist it before acting.
// No I/O, no timers.

import { blocks, isOpen, satisfies, transition, type JobChange } from "./job-machine.js";
import { ReadyQueue } from "./ready-queue.js";
import { runOutcome } from "./run-outcome.js";
import { UserError } from "./errors.js";
import { type JobRecord, type JobState, type RunRecord, type Settings } from "./types.js";

/** How a running attempt ended, as the executor saw it. */
export interface Outcome {
  exitCode: number | null;
  signal?: string | null;
  /**
   * set when it ended other than by its own exit: "timeout" | "killed" | "lost" | "spawn" | "cancelled";
   * "unstarted": its process never started — the attempt is dropped and the job is pending again
   */
  reason?: string;
  /** wording for the reason, e.g. "timeout 10s" */
  detail?: string;
  /** when it ended, if known better than "now" (recorded by the launcher while no engine ran) */
  endedAt?: number;
}

export interface Decisions {
  /** jobs just moved to running: spawn them (after persisting) */
  start: JobRecord[];
  /** wake the scheduler at this time (a retry backoff ends) */
  timerAt?: number;
}

export interface Changes {
  jobs: JobRecord[];
  runs: RunRecord[];
}

export class Scheduler {
  readonly jobs = new Map<number, JobRecord>();
  readonly runs = new Map<number, RunRecord>();
  private readonly dependants = new Map<number, number[]>();
  /** pending jobs: how many dependencies are not yet success/skipped */
  private readonly unmet = new Map<number, number>();
  private readonly queue: ReadyQueue;
  /** open (pending/running) jobs per run; the run ends when it reaches 0 */
  private readonly openCount = new Map<number, number>();
  /** `jobset\0name` → newest success, for `fresh` */
  private readonly lastSuccess = new Map<string, { at: number; runId: number }>();
  private dirtyJobs = new Map<number, JobRecord>();
  private dirtyRuns = new Map<number, RunRecord>();

  constructor(
    private settingsValue: Settings,
    private readonly clock: () => number,
  ) {
    this.queue = new ReadyQueue(this.runs, () => this.settingsValue, clock);
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
  addRun(run: RunRecord, jobs: JobRecord[]): void {
    this.runs.set(run.id, run);
    for (const job of jobs) {
      this.jobs.set(job.id, job);
      for (const dep of job.deps) {
        const list = this.dependants.get(dep);
        if (list) list.push(job.id);
        else this.dependants.set(dep, [job.id]);
      }
      if (satisfies(job.state)) this.noteSuccess(job);
    }
    this.openCount.set(run.id, jobs.filter((j) => isOpen(j.state)).length);
    for (const job of jobs) {
      if (job.state === "running") this.queue.occupy(job);
      else if (job.state === "pending") this.settle(job);
    }
    if (run.state === "running") this.maybeEndRun(run);
  }

  // ───────────────────────── dispatching ─────────────────────────

  /** Starts every job that may start now, in priority order, within every limit. */
  dispatch(): Decisions {
    const now = this.clock();
    const start = this.queue.take((job) => !this.skipFresh(job, now));
    for (const job of start) this.startJob(job, now);
    return { start, timerAt: this.dispatchAt() };
  }

  /** When a delayed (backing-off) job becomes ready, if any is waiting. */
  dispatchAt(): number | undefined {
    return this.queue.nextWakeAt();
  }

  /** Starts a pending job now, past every pjc limit but not past its dependencies. */
  forceStart(id: number): JobRecord {
    const job = this.need(id);
    if (job.state !== "pending") throw new UserError("conflict", `job #${id} is ${job.state}, not pending`);
    const waiting = job.deps.filter((d) => !satisfies(this.jobs.get(d)?.state ?? "success"));
    if (waiting.length) throw new UserError("conflict", `job #${id} waits for ${waiting.map((d) => `#${d}`).join(", ")}`);
    this.unqueue(job);
    this.queue.occupy(job);
    this.startJob(job, this.clock());
    return job;
  }

  // ───────────────────────── outcomes ─────────────────────────

  /** Records how a running job's attempt ended: success, automatic retry, or failure. */
  finish(id: number, outcome: Outcome): JobRecord {
    const job = this.need(id);
    if (job.state !== "running") throw new Error(`finish: job #${id} is ${job.state}, not running`);
    const now = this.clock();
    this.queue.release(job);
    if (outcome.reason === "unstarted") {
      // Dispatched, but its process never started (no `start` in the status log, or the dispatch was never
      // recorded): the attempt did not happen, so it is dropped and the job waits its turn again.
      job.attempts.pop();
      this.set(job, "pending", { startedAt: job.attempts.at(-1)?.startedAt, pid: undefined });
      this.settle(job);
      return job;
    }
    const attempt = job.attempts[job.attempts.length - 1];
    // Never before it started, never in the future: the launcher's clock is ours, but a stale log line must not mislead.
    const endedAt = outcome.endedAt === undefined ? now : Math.min(now, Math.max(outcome.endedAt, attempt?.startedAt ?? 0));
    if (attempt) {
      attempt.endedAt = endedAt;
      attempt.exitCode = outcome.exitCode;
      if (outcome.signal) attempt.signal = outcome.signal;
      if (outcome.reason) attempt.reason = outcome.reason;
    }
    const change: JobChange = { endedAt, exitCode: outcome.exitCode, pid: undefined };
    if (outcome.reason === "cancelled") {
      this.set(job, "cancelled", { ...change, reason: "cancelled" });
      this.blockDependants(job);
    } else if (outcome.exitCode === 0 && !outcome.reason) {
      this.set(job, "success", { ...change, reason: undefined });
      this.noteSuccess(job);
      this.releaseDependants(job);
    } else {
      const reason = outcome.detail ?? failureReason(outcome);
      const autoRetry = outcome.reason !== "killed" && job.attempts.length <= job.retry.count;
      if (autoRetry) {
        const notBefore = job.retry.backoffMs > 0 ? now + job.retry.backoffMs : undefined;
        this.set(job, "pending", { ...change, reason, notBefore });
        this.settle(job);
      } else {
        this.set(job, "errored", { ...change, reason });
        this.haltIfAsked(job);
        this.blockDependants(job);
      }
    }
    this.maybeEndRun(this.runs.get(job.runId));
    return job;
  }

  // ───────────────────────── user requests ─────────────────────────

  /** Re-queues errored/cancelled jobs; they run again when their dependencies allow. */
  retry(ids: number[]): JobRecord[] {
    const jobs = ids.map((id) => this.need(id));
    for (const job of jobs)
      if (job.state !== "errored" && job.state !== "cancelled")
        throw new UserError("conflict", `job #${job.id} is ${job.state}; only errored or cancelled jobs can be retried`);
    for (const job of jobs) {
      this.set(job, "pending", { reason: undefined, notBefore: undefined, endedAt: undefined });
      this.reopenRun(job);
      this.settle(job);
      this.releaseDependants(job);
    }
    return jobs;
  }

  /**
   * Cancels jobs: pending and blocked ones at once; running ones are returned
   * for the engine to kill (then `finish` with reason "cancelled").
   */
  cancel(ids: number[]): { cancelled: JobRecord[]; toKill: JobRecord[] } {
    const cancelled: JobRecord[] = [];
    const toKill: JobRecord[] = [];
    const jobs = ids.map((id) => this.need(id));
    for (const job of jobs) {
      if (job.state === "running") toKill.push(job);
      else if (job.state === "pending" || job.state === "blocked") {
        this.unqueue(job);
        this.set(job, "cancelled", { reason: "cancelled", endedAt: this.clock() });
        cancelled.push(job);
      }
    }
    for (const job of cancelled) {
      this.blockDependants(job);
      this.maybeEndRun(this.runs.get(job.runId));
    }
    return { cancelled, toKill };
  }

  setPriority(id: number, priority: number): JobRecord {
    const job = this.need(id);
    if (job.state !== "pending" && job.state !== "blocked")
      throw new UserError("conflict", `job #${id} is ${job.state}; only a pending job's priority can change`);
    job.priority = priority;
    this.dirtyJobs.set(job.id, job);
    this.queue.requeue(job);
    return job;
  }

  /** Applies new settings; raised limits and resumed jobsets start jobs at the next dispatch. */
  updateSettings(settings: Settings): void {
    this.settingsValue = settings;
    this.queue.limitsChanged();
  }

  // ───────────────────────── changes for the engine ─────────────────────────

  /** Everything changed since the last call, in first-change order. */
  takeChanges(): Changes {
    const changes = { jobs: [...this.dirtyJobs.values()], runs: [...this.dirtyRuns.values()] };
    this.dirtyJobs = new Map();
    this.dirtyRuns = new Map();
    return changes;
  }

  /** Marks a job changed outside a state transition (pid learnt after spawn). */
  touch(job: JobRecord): void {
    this.dirtyJobs.set(job.id, job);
  }

  /** Hands back changes whose write failed: they are written with the next ones. */
  untake(changes: Changes): void {
    for (const job of changes.jobs) if (!this.dirtyJobs.has(job.id)) this.dirtyJobs.set(job.id, job);
    for (const run of changes.runs) if (!this.dirtyRuns.has(run.id)) this.dirtyRuns.set(run.id, run);
  }

  // ───────────────────────── internals ─────────────────────────

  private need(id: number): JobRecord {
    const job = this.jobs.get(id);
    if (!job) throw new UserError("not-found", `no job #${id}`);
    return job;
  }

  private set(job: JobRecord, to: JobState, change: JobChange): void {
    const wasOpen = isOpen(job.state);
    transition(job, to, change);
    const nowOpen = isOpen(to);
    if (wasOpen !== nowOpen) this.openCount.set(job.runId, (this.openCount.get(job.runId) ?? 0) + (nowOpen ? 1 : -1));
    this.dirtyJobs.set(job.id, job);
  }

  /** A pending job: blocked if a dependency failed, else counted and queued when ready. */
  private settle(job: JobRecord): void {
    let unmet = 0;
    let culprit: JobRecord | undefined;
    for (const d of job.deps) {
      const dep = this.jobs.get(d);
      if (!dep || satisfies(dep.state)) continue;
      if (blocks(dep.state)) culprit ??= dep;
      unmet++;
    }
    if (culprit) {
      this.set(job, "blocked", { reason: `blocked by #${rootCause(culprit)}` });
      return;
    }
    this.unmet.set(job.id, unmet);
    if (unmet === 0) this.enqueue(job);
  }

  private enqueue(job: JobRecord): void {
    this.queue.enqueue(job);
  }

  private unqueue(job: JobRecord): void {
    this.queue.unqueue(job);
    this.unmet.delete(job.id);
  }

  private skipFresh(job: JobRecord, now: number): boolean {
    if (job.freshMs === undefined) return false;
    const last = this.lastSuccess.get(`${job.jobset}\0${job.name}`);
    if (!last || last.runId === job.runId || now - last.at > job.freshMs) return false;
    this.set(job, "skipped", { reason: `fresh: succeeded in run ${last.runId}`, endedAt: now });
    this.releaseDependants(job);
    this.maybeEndRun(this.runs.get(job.runId));
    return true;
  }

  /** Records the start of a job that holds its slots already. */
  private startJob(job: JobRecord, now: number): void {
    this.unmet.delete(job.id);
    job.attempts.push({ n: job.attempts.length + 1, startedAt: now });
    this.set(job, "running", { startedAt: now, endedAt: undefined, exitCode: undefined, notBefore: undefined });
  }

  private noteSuccess(job: JobRecord): void {
    // Only `fresh` jobs ever ask; remembering every success would cost memory per job.
    if (job.freshMs === undefined) return;
    const key = `${job.jobset}\0${job.name}`;
    const at = job.endedAt ?? 0;
    const last = this.lastSuccess.get(key);
    if (job.state === "success" && (!last || last.at <= at)) this.lastSuccess.set(key, { at, runId: job.runId });
  }

  /** A dependency succeeded (or was skipped, or retried): count it, and lift blocks it caused. */
  private releaseDependants(root: JobRecord): void {
    const stack = [root];
    while (stack.length) {
      const job = stack.pop()!;
      for (const id of this.dependants.get(job.id) ?? []) {
        const d = this.jobs.get(id)!;
        if (d.state === "pending" && satisfies(job.state)) {
          const left = (this.unmet.get(id) ?? 1) - 1;
          this.unmet.set(id, left);
          if (left === 0) this.enqueue(d);
        } else if (d.state === "blocked" && !d.deps.some((x) => blocks(this.jobs.get(x)?.state ?? "success"))) {
          this.set(d, "pending", { reason: undefined });
          this.reopenRun(d);
          this.settle(d);
          stack.push(d);
        }
      }
    }
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
      this.set(job, "cancelled", { reason: `halted: #${failed.id} failed`, endedAt: this.clock(), notBefore: undefined });
      halted.push(job);
    }
    // Jobs of other runs waiting on these (`after #N`) are blocked, as by any cancel.
    for (const job of halted) this.blockDependants(job);
  }

  /** A dependency failed for good: every pending job downstream is blocked. */
  private blockDependants(root: JobRecord): void {
    const stack = [root];
    while (stack.length) {
      const job = stack.pop()!;
      for (const id of this.dependants.get(job.id) ?? []) {
        const d = this.jobs.get(id)!;
        if (d.state !== "pending") continue;
        this.unqueue(d);
        this.set(d, "blocked", { reason: `blocked by #${root.id}` });
        stack.push(d);
        this.maybeEndRun(this.runs.get(d.runId));
      }
    }
  }

  private reopenRun(job: JobRecord): void {
    const run = this.runs.get(job.runId);
    if (run && run.state !== "running") {
      run.state = "running";
      run.endedAt = undefined;
      this.dirtyRuns.set(run.id, run);
    }
  }

  private maybeEndRun(run: RunRecord | undefined): void {
    if (!run || run.state !== "running" || (this.openCount.get(run.id) ?? 0) > 0) return;
    const states = run.jobIds.map((id) => this.jobs.get(id)?.state ?? "success");
    // A halted run failed: its cancelled jobs are the halt's doing, not a user's.
    run.state = run.haltOnFailure && states.includes("errored") ? "failed" : runOutcome(states);
    run.endedAt = this.clock();
    this.dirtyRuns.set(run.id, run);
  }
}

function failureReason(o: Outcome): string {
  if (o.reason && o.reason !== "spawn") return o.reason;
  if (o.signal) return `signal ${o.signal}`;
  return o.reason === "spawn" ? "could not start" : `exit ${o.exitCode}`;
}

/** A blocked job's reason names the failed job at the root, not its blocked neighbour. */
function rootCause(dep: JobRecord): number {
  const m = dep.state === "blocked" ? /#(\d+)/.exec(dep.reason ?? "") : null;
  return m ? Number(m[1]) : dep.id;
}
