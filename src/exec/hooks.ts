// `on failure|success|done|overrun $ cmd` hooks: each runs detached in its own
// process group with the job's environment (job-env.ts) plus PLL_EXIT_CODE and
// PLL_HOOK, its output and then its exit appended to the job's `.hooks` log. The engine never
// waits for a hook; a hook still running at its time limit has its group
// stopped (SIGTERM, then SIGKILL after the grace), so none outlives it, and
// `close({ killJobs })` stops them all at once.
//
// Started from Node rather than through the spawner: hooks are rare (one per
// job end at most, and only where a file asks for them), so their fork cost
// does not matter, and a hook is not adopted by the next engine — a hook cut
// short by a crash is not run again. execa would add nothing here: its timeout
// kills the child, not the child's process group.
import { spawn } from "node:child_process";
import { appendFileSync, closeSync, constants, openSync, writeSync } from "node:fs";
import type { HookEvent, JobRecord } from "../core/types.js";
import { sibling } from "./job-files.js";
import { signalGroup } from "./proc-status.js";

/** how long a hook may run before its group is stopped */
export const HOOK_TIME_LIMIT_MS = 10 * 60_000;

export class HookRunner {
  /** running hooks by pid (= process group), with their time-limit timers */
  private readonly running = new Map<number, NodeJS.Timeout>();

  constructor(
    private readonly limitMs = HOOK_TIME_LIMIT_MS,
    private readonly killGraceMs = 5_000,
  ) {}

  /** Runs every hook in scope for `event` (innermost first), in the job's environment with `extra` over it (job-env.ts). */
  fire(job: JobRecord, event: HookEvent, envOf: (extra: Record<string, string>) => Record<string, string>): void {
    for (const hook of job.hooks) {
      if (hook.on !== event) continue;
      const logPath = sibling(job.logOut, "hooks");
      const log = openSync(logPath, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o666);
      try {
        writeSync(log, `--- pll: on ${event} $ ${hook.command}\n`);
        const child = spawn("/bin/sh", ["-c", hook.command], {
          cwd: job.cwd,
          env: envOf({
            PLL_EXIT_CODE: job.state === "running" || job.exitCode === undefined || job.exitCode === null ? "" : String(job.exitCode),
            PLL_HOOK: event,
          }),
          detached: true,
          stdio: ["ignore", log, log],
        });
        child.on("error", () => {}); // a hook that cannot start is only a note in its log
        const pid = child.pid;
        if (pid === undefined) continue;
        // Unreferenced: the limit bounds a hook, it does not keep the process up by itself.
        const limit = setTimeout(() => this.stop(pid), this.limitMs).unref();
        this.running.set(pid, limit);
        child.on("exit", (code, signal) => {
          clearTimeout(this.running.get(pid));
          this.running.delete(pid);
          // Its end, in its log too, for `pll report` (src/report/model.ts reads it back).
          try {
            appendFileSync(logPath, `--- pll: exit ${code ?? signal} (on ${event} $ ${hook.command})\n`);
          } catch {
            // a log that cannot be written loses only this line
          }
        });
      } finally {
        closeSync(log);
      }
    }
  }

  killAll(): void {
    for (const [pid, limit] of this.running) {
      clearTimeout(limit);
      signalGroup(pid, "SIGKILL");
    }
  }

  /** A hook past its limit: SIGTERM to its group, SIGKILL to what is left after the grace. */
  private stop(pid: number): void {
    signalGroup(pid, "SIGTERM");
    this.running.set(pid, setTimeout(() => signalGroup(pid, "SIGKILL"), this.killGraceMs).unref());
  }
}
