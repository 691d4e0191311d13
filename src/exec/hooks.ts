// `on failure|success|done|overrun $ cmd` hooks: each runs detached in its own
// process group with the job's PLL_* environment plus PLL_EXIT_CODE and
// PLL_HOOK, its output appended to the job's `.hooks` log.
import { spawn } from "node:child_process";
import { closeSync, constants, openSync, writeSync } from "node:fs";
import type { HookEvent, JobRecord } from "../core/types.js";
import { jobEnv } from "./job-env.js";
import { sibling } from "./job-files.js";
import { signalGroup } from "./proc-status.js";

export class HookRunner {
  private readonly running = new Set<number>();

  /** Runs every hook in scope for `event` (innermost first); returns how many started. */
  fire(job: JobRecord, event: HookEvent): number {
    let started = 0;
    for (const hook of job.hooks) {
      if (hook.on !== event) continue;
      const log = openSync(sibling(job.logOut, "hooks"), constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o666);
      try {
        writeSync(log, `--- pll: on ${event} $ ${hook.command}\n`);
        const child = spawn("/bin/sh", ["-c", hook.command], {
          cwd: job.cwd,
          env: jobEnv(job, job.attempts.length, {
            PLL_EXIT_CODE: job.state === "running" || job.exitCode === undefined || job.exitCode === null ? "" : String(job.exitCode),
            PLL_HOOK: event,
          }),
          detached: true,
          stdio: ["ignore", log, log],
        });
        child.on("error", () => {}); // a hook that cannot start is only a note in its log
        if (child.pid !== undefined) {
          const pid = child.pid;
          this.running.add(pid);
          child.on("exit", () => this.running.delete(pid));
          started++;
        }
      } finally {
        closeSync(log);
      }
    }
    return started;
  }

  /** Hooks still running (so close can wait for or stop them). */
  get count(): number {
    return this.running.size;
  }

  killAll(): void {
    for (const pid of this.running) signalGroup(pid, "SIGKILL");
  }
}
