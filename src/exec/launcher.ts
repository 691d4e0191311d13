// How a job's process gets started: by a spawner (spawner.ts), native or
// Perl. It runs the user's command with `/bin/sh -c` in a process group of
// its own (its pgid is its pid), in the spawner's session (which has no
// terminal), sends output straight to the log files, and records
// `start ATTEMPT PID` and `exit CODE` in the job's status file from outside
// the engine.
export interface LaunchRequest {
  jobId: number;
  attempt: number;
  cwd: string;
  out: string;
  err: string;
  status: string;
  command: string;
  /** the job's whole environment (job-env.ts): nothing of the engine's or the spawner's is added */
  env: Record<string, string>;
}

export interface LauncherEvents {
  started(jobId: number, pid: number): void;
  /** code is 128+n for a signalled process, as a shell would report it */
  exited(jobId: number, pid: number, code: number | null, signal: NodeJS.Signals | null): void;
  failed(jobId: number, message: string): void;
  /** the launcher died: no further exits will be reported for jobs it started */
  lost(): void;
}

export interface Launcher {
  launch(req: LaunchRequest): void;
  /** stop accepting jobs; running ones go on and their statuses are still recorded */
  close(): void;
}

/** Makes the launcher a supervisor reports to; `pidFile` records a spawner's guardian for the next engine. */
export type LauncherFactory = (events: LauncherEvents, pidFile?: string) => Launcher & { warm?(): void };
