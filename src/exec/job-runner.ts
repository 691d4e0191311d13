// What the engine needs from whatever runs its jobs' processes: the local
// Supervisor (supervisor.ts), and the pool of `pll worker`s (src/remote/
// remote-runner.ts), chosen per job by role (src/remote/role-router.ts). The engine decides (through the scheduler)
// and records; a JobRunner only acts and reports.
import type { Outcome } from "../core/scheduler.js";
import type { JobRecord } from "../core/types.js";

export interface JobRunnerEvents {
  /** the job's process is running with this pid (= its process group), on that worker's machine if `worker` is set */
  started(jobId: number, pid: number, worker?: string): void;
  /** the job's process (tree) ended; resolves once the engine has recorded that end */
  ended(jobId: number, outcome: Outcome): Promise<void>;
  /** an `expect` bound was passed (the job keeps running) */
  overrun(jobId: number, what: "time" | "output", limit: number): void;
}

export type StopReason = "killed" | "cancelled";

export interface JobRunner {
  /** Before adopting: makes ready to run jobs (and retires what an earlier engine left that could still start one). */
  prepare(): void;
  /**
   * A tick chose the job and is writing that down. Until `launch` or
   * `unrecorded`, the job is the runner's all the same: a stop meanwhile is
   * carried out once it is launched.
   */
  dispatched(jobId: number): void;
  /** Its dispatch is on disk (write-ahead): start it. A launch that fails ends the job as could-not-start. */
  launch(job: JobRecord): void;
  /** Its dispatch never reached the disk, so it never starts: it ends "unstarted" (pending again), or as a stop asked. */
  unrecorded(jobId: number): void;
  /** Takes over a job an earlier engine started: how it ended if it is over, else undefined (it is watched from now on). */
  adopt(job: JobRecord): Outcome | undefined;
  /** Stops the job whatever its state; resolves once its end is recorded (at once recorded as `reason` if the runner has no such job). */
  stop(jobId: number, reason: StopReason): Promise<void>;
  /** Lets running jobs go on without us (they are adopted next time). */
  detachAll(): void;
}
