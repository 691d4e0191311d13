// Chooses the runner of each job (issue 15): a job with a `role` the server
// does not serve itself goes to the workers (RemoteRunner), every other job
// runs here (Supervisor). The choice is made once per job, at its dispatch
// or adoption, and kept until its end.
import type { Outcome } from "../core/scheduler.js";
import type { JobRecord } from "../core/types.js";
import type { JobRunner, StopReason } from "../exec/job-runner.js";

export class RoleRouter implements JobRunner {
  private readonly chosen = new Map<number, JobRunner>();

  constructor(
    private readonly local: JobRunner,
    private readonly remote: JobRunner,
    /** roles this machine serves itself (`pll serve --roles`) */
    private readonly localRoles: ReadonlySet<string>,
    private readonly jobOf: (id: number) => JobRecord | undefined,
  ) {}

  isRemote(job: Pick<JobRecord, "role">): boolean {
    return job.role !== undefined && !this.localRoles.has(job.role);
  }

  prepare(): void {
    this.local.prepare();
    this.remote.prepare();
  }

  dispatched(jobId: number): void {
    const job = this.jobOf(jobId);
    const runner = job && this.isRemote(job) ? this.remote : this.local;
    this.chosen.set(jobId, runner);
    runner.dispatched(jobId);
  }

  launch(job: JobRecord): void {
    this.runnerOf(job.id, job).launch(job);
  }

  unrecorded(jobId: number): void {
    this.runnerOf(jobId).unrecorded(jobId);
  }

  adopt(job: JobRecord): Outcome | undefined {
    // A job the server ran itself has a pid and no worker in its attempt.
    const worker = job.attempts.at(-1)?.worker;
    const runner = worker !== undefined || (this.isRemote(job) && job.attempts.at(-1)?.pid === undefined) ? this.remote : this.local;
    this.chosen.set(job.id, runner);
    return runner.adopt(job);
  }

  stop(jobId: number, reason: StopReason): Promise<void> {
    return this.runnerOf(jobId).stop(jobId, reason);
  }

  detachAll(): void {
    this.local.detachAll();
    this.remote.detachAll();
    this.chosen.clear();
  }

  /** Forgets the choice once the job ended (called by the engine with every recorded end). */
  forget(jobId: number): void {
    this.chosen.delete(jobId);
  }

  private runnerOf(jobId: number, job?: JobRecord): JobRunner {
    const runner = this.chosen.get(jobId);
    if (runner) return runner;
    const j = job ?? this.jobOf(jobId);
    return j && this.isRemote(j) ? this.remote : this.local;
  }
}
