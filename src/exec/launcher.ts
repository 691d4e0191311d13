// How a job's process gets started. Both launchers run the user's command
// with `/bin/sh -c` in a process group of its own (its pgid is its pid), away
// from any terminal (the spawner's session has none; the shell launcher's
// job gets a session of its own),
// send output straight to the log files, and record `start ATTEMPT PID` and
// `exit CODE` in the job's status file from outside the engine.
export interface LaunchRequest {
  jobId: number;
  attempt: number;
  cwd: string;
  out: string;
  err: string;
  status: string;
  command: string;
  /** variables set over the engine's own environment */
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
  /** the job's group was just sent SIGTERM (a launcher that can lose that signal sends it again) */
  terminated?(pid: number): void;
}
