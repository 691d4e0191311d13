// `on failure|success|done|overrun $ cmd` hooks: each runs detached in its own
// process group with the job's environment (job-env.ts) plus PLL_EXIT_CODE and
// PLL_HOOK, its output and exit status recorded beside the job's logs
// (./hook-log.ts: `pll show`, the API and a `hook` event show them). The engine never
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
import { closeSync } from "node:fs";
import type { HookEvent, JobRecord } from "../core/types.js";
import { hookOutputFile, hookRunCount, openHookOutput, writeHookStatus, type HookRun } from "./hook-log.js";
import { signalGroup } from "./proc-status.js";

/** how long a hook may run before its group is stopped */
export const HOOK_TIME_LIMIT_MS = 10 * 60_000;

export class HookRunner {
  /** running hooks by pid (= process group), with their time-limit timers */
  private readonly running = new Map<number, NodeJS.Timeout>();

  constructor(
    private readonly limitMs = HOOK_TIME_LIMIT_MS,
    private readonly killGraceMs = 5_000,
    /** told of each hook run's end (the engine emits a `hook` event) */
    private readonly onEnd: (job: JobRecord, run: HookRun) => void = () => {},
  ) {}

  /** Runs every hook in scope for `event` (innermost first), in the job's environment with `extra` over it (job-env.ts). */
  fire(job: JobRecord, event: HookEvent, envOf: (extra: Record<string, string>) => Record<string, string>): void {
    for (const hook of job.hooks) {
      if (hook.on !== event) continue;
      // Numbered from the job's status file (rare and small): a restarted server goes on counting.
      const n = hookRunCount(job) + 1;
      const run: HookRun = { n, on: event, command: hook.command, attempt: job.attempts.length, startedAt: Date.now(), log: hookOutputFile(job, n) };
      const log = openHookOutput(run.log);
      try {
        writeHookStatus(job, run);
        const child = spawn("/bin/sh", ["-c", hook.command], {
          cwd: job.cwd,
          env: envOf({
            PLL_EXIT_CODE: job.state === "running" || job.exitCode === undefined || job.exitCode === null ? "" : String(job.exitCode),
            PLL_HOOK: event,
          }),
          detached: true,
          stdio: ["ignore", log, log],
        });
        const ended = (end: Pick<HookRun, "exitCode" | "signal" | "error">) => {
          const done = { ...run, ...end, endedAt: Date.now() };
          writeHookStatus(job, { n, endedAt: done.endedAt, ...end });
          this.onEnd(job, done);
        };
        // A hook that cannot start (no /bin/sh, no cwd) ends at once, saying why.
        child.on("error", (err) => ended({ exitCode: null, signal: null, error: err.message }));
        const pid = child.pid;
        if (pid === undefined) continue;
        // Unreferenced: the limit bounds a hook, it does not keep the process up by itself.
        const limit = setTimeout(() => this.stop(pid), this.limitMs).unref();
        this.running.set(pid, limit);
        child.on("exit", (exitCode, signal) => {
          clearTimeout(this.running.get(pid));
          this.running.delete(pid);
          ended({ exitCode, signal });
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
