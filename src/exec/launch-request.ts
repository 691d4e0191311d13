// What the launcher gets for one attempt of a job, and the files made ready
// for it: the run's log directory (ours, not a planted link) and, from the
// second attempt on, a header in each log.
import { closeSync, constants, openSync, writeSync } from "node:fs";
import path from "node:path";
import type { JobRecord } from "../core/types.js";
import { makeOwnDir } from "../home-check.js";
import { statusLogOf } from "./job-files.js";
import type { LaunchRequest } from "./launcher.js";

export class LaunchRequests {
  private readonly madeDirs = new Set<string>();

  constructor(
    private readonly now: () => number,
    /** the whole environment of an attempt (job-env.ts) */
    private readonly envOf: (job: JobRecord, attempt: number) => Record<string, string>,
    /** the name of the machine the job runs on, its PLL_WORKER */
    private readonly worker: string,
  ) {}

  /** The request for the job's current attempt; throws if its log directory cannot be made. */
  of(job: JobRecord): LaunchRequest {
    const attempt = job.attempts.length;
    const dir = path.dirname(job.logOut);
    if (!this.madeDirs.has(dir)) {
      makeOwnDir(dir); // a run's directory: ours, not a link (src/home-check.ts)
      this.madeDirs.add(dir);
    }
    if (attempt > 1) {
      const header = `--- pll: attempt ${attempt} at ${new Date(this.now()).toISOString()} ---\n`;
      appendNoFollow(job.logOut, header);
      appendNoFollow(job.logErr, header);
    }
    return {
      jobId: job.id,
      attempt,
      cwd: job.cwd,
      out: job.logOut,
      err: job.logErr,
      status: statusLogOf(job.logOut),
      command: job.command,
      env: { ...this.envOf(job, attempt), PLL_WORKER: this.worker },
    };
  }
}

/** Appends to a job's log, never through a link someone planted (as the spawner opens it). */
function appendNoFollow(file: string, text: string): void {
  const fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o666);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}
