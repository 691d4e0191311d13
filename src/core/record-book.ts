// The scheduler's records: the current record of every job and run, and which
// of them changed since the engine last wrote. Records are immutable values
// (see job-machine.ts): a change puts a new record in place, so readers may
// keep what they were given, and nobody copies.

import { isOpen, revise, transition, type Lifecycle } from "./job-machine.js";
import { runOutcome } from "./run-state.js";
import { UserError } from "./errors.js";
import { type Attempt, type JobIn, type JobRecord, type JobState, type RunRecord } from "./types.js";

export interface Changes {
  jobs: JobRecord[];
  runs: RunRecord[];
}

export class RecordBook {
  private readonly jobMap = new Map<number, JobRecord>();
  private readonly runMap = new Map<number, RunRecord>();
  /** open (pending/running) jobs per run; the run ends when it reaches 0 */
  private readonly openCount = new Map<number, number>();
  /** changed since the last `takeChanges`, in first-change order (the current record is what is taken) */
  private dirtyJobs = new Set<number>();
  private dirtyRuns = new Set<number>();
  /** running jobs whose pid was learnt but is not yet due for writing */
  private pidsUnwritten: number[] = [];

  constructor(private readonly clock: () => number) {}

  get jobs(): ReadonlyMap<number, JobRecord> {
    return this.jobMap;
  }

  get runs(): ReadonlyMap<number, RunRecord> {
    return this.runMap;
  }

  add(run: RunRecord, jobs: readonly JobRecord[]): void {
    this.runMap.set(run.id, run);
    let open = 0;
    for (const job of jobs) {
      this.jobMap.set(job.id, job);
      if (isOpen(job.state)) open++;
    }
    this.openCount.set(run.id, open);
  }

  /** Forgets a finished run and its jobs (pruned from the store). */
  remove(run: RunRecord): void {
    for (const id of run.jobIds) {
      this.jobMap.delete(id);
      this.dirtyJobs.delete(id);
    }
    this.runMap.delete(run.id);
    this.dirtyRuns.delete(run.id);
    this.openCount.delete(run.id);
  }

  need(id: number): JobRecord {
    const job = this.jobMap.get(id);
    if (!job) throw new UserError("not-found", `no job #${id}`);
    return job;
  }

  /** Moves a job to `to` (see `transition`), keeping the run's count of open jobs. */
  move<S extends JobState>(job: JobRecord, to: S, fields: Lifecycle<S>, attempts?: readonly Attempt[]): JobIn<S> {
    this.mustBeCurrent(job);
    const next = transition(job, to, fields, attempts);
    const wasOpen = isOpen(job.state);
    const nowOpen = isOpen(to);
    if (wasOpen !== nowOpen) this.openCount.set(job.runId, (this.openCount.get(job.runId) ?? 0) + (nowOpen ? 1 : -1));
    this.put(next);
    return next;
  }

  /** Changes fields that may change without a move (a pending job's priority). */
  revise<J extends JobRecord>(job: J, change: Partial<J>): J {
    this.mustBeCurrent(job);
    const next = revise(job, change);
    this.put(next);
    return next;
  }

  /**
   * Records the pid of a running job's current attempt, without marking the job changed:
   * it is written with the job's next change or at `pidsDue`, whichever is first.
   */
  notePid(id: number, pid: number, worker?: string): boolean {
    const job = this.jobMap.get(id);
    if (job?.state !== "running") return false;
    const attempts = job.attempts.slice();
    attempts[attempts.length - 1] = { ...attempts[attempts.length - 1]!, pid, ...(worker !== undefined ? { worker } : {}) };
    this.jobMap.set(id, { ...job, pid, attempts });
    this.pidsUnwritten.push(id);
    return true;
  }

  /** Marks every job still running with a pid learnt since the last call changed; returns how many. */
  pidsDue(): number {
    let due = 0;
    for (const id of this.pidsUnwritten) {
      const job = this.jobMap.get(id);
      if (job?.state === "running" && job.pid !== undefined) {
        this.dirtyJobs.add(id);
        due++;
      }
    }
    this.pidsUnwritten = [];
    return due;
  }

  /** A run with an open job again (a retry) is running again. */
  reopenRun(runId: number): void {
    const run = this.runMap.get(runId);
    if (!run || run.state === "running") return;
    const { endedAt: _, ...rest } = run;
    this.putRun({ ...rest, state: "running" });
  }

  /** Ends a running run once none of its jobs is open. */
  endRunIfDone(runId: number): void {
    const run = this.runMap.get(runId);
    if (!run || run.state !== "running" || (this.openCount.get(run.id) ?? 0) > 0) return;
    const states = run.jobIds.map((id) => this.jobMap.get(id)?.state ?? "success");
    // A halted run failed: its cancelled jobs are the halt's doing, not a user's.
    const state = run.haltOnFailure && states.includes("errored") ? "failed" : runOutcome(states);
    this.putRun({ ...run, state, endedAt: this.clock() });
  }

  /** Everything changed since the last call, in first-change order. */
  takeChanges(): Changes {
    const changes = {
      jobs: [...this.dirtyJobs].map((id) => this.jobMap.get(id)!),
      runs: [...this.dirtyRuns].map((id) => this.runMap.get(id)!),
    };
    this.dirtyJobs = new Set();
    this.dirtyRuns = new Set();
    return changes;
  }

  /** Hands back changes whose write failed: their current records are written with the next ones. */
  untake(changes: Changes): void {
    for (const job of changes.jobs) this.dirtyJobs.add(job.id);
    for (const run of changes.runs) this.dirtyRuns.add(run.id);
  }

  /** A change made from an outdated record would judge its legality by a state that is gone: a bug. */
  private mustBeCurrent(job: JobRecord): void {
    if (this.jobMap.get(job.id) !== job) throw new Error(`job #${job.id}: changed from an outdated record`);
  }

  private put(job: JobRecord): void {
    this.jobMap.set(job.id, job);
    this.dirtyJobs.add(job.id);
  }

  private putRun(run: RunRecord): void {
    this.runMap.set(run.id, run);
    this.dirtyRuns.add(run.id);
  }
}
