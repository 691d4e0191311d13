// Runs jobs as local processes. Each job is a wrapper `/bin/sh` in its own
// process group that runs the user's command verbatim in a child `/bin/sh -c`
// and records its exit status in a file, so a later engine can learn how a
// job ended while nobody was watching. Output goes to the log files by file
// descriptor. Timeouts and kills signal the whole group: SIGTERM, then
// SIGKILL after a grace period.
//
// child_process.spawn, not execa: with stdio going straight to descriptors we
// use none of execa's piping, and plain spawn starts ~40% more jobs per second
// (docs/stack.md), which is the whole hot path of `pll run`.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, fstatSync, mkdirSync, openSync, writeSync } from "node:fs";
import path from "node:path";
import type { Outcome } from "../core/scheduler.js";
import type { JobRecord } from "../core/types.js";
import { jobEnv } from "./job-env.js";
import { sibling } from "./job-files.js";
import { groupAlive, isOurLeader, readStatusFile, signalGroup } from "./proc-status.js";

// $1 = the user's command, $2 = the status file. The trap keeps the wrapper
// alive through the group's SIGTERM until its child has ended, so even a
// terminated job leaves its status; handlers (unlike ignored signals) reset
// on exec, so the user's command sees default signal dispositions.
const WRAPPER =
  'trap : TERM INT HUP; printf "start %s %s\\n" "$PLL_ATTEMPT" "$$" > "$2"; ' +
  '/bin/sh -c "$1"; s=$?; printf "exit %s\\n" "$s" >> "$2"; exit "$s"';

const ADOPTED_POLL_MS = 200;
const OUTPUT_CHECK_MS = 1_000;

export interface ExecutorEvents {
  /** a job's process (tree) ended */
  onEnd(jobId: number, outcome: Outcome): void;
  /** an `expect` bound was passed (the job keeps running) */
  onOverrun(jobId: number, what: "time" | "output", limit: number): void;
}

interface Proc {
  job: JobRecord;
  pid: number;
  child?: ChildProcess;
  timers: NodeJS.Timeout[];
  killing?: { reason: string; detail: string };
  /** exit seen while the rest of the group gets its grace period */
  exited?: { code: number | null; signal: NodeJS.Signals | null };
  outputWatched: boolean;
}

export class LocalExecutor {
  private readonly procs = new Map<number, Proc>();
  private readonly madeDirs = new Set<string>();
  private adoptedPoll?: NodeJS.Timeout;
  private outputPoll?: NodeJS.Timeout;

  constructor(
    private readonly events: ExecutorEvents,
    private readonly killGraceMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get runningCount(): number {
    return this.procs.size;
  }

  isRunning(jobId: number): boolean {
    return this.procs.has(jobId);
  }

  /** Spawns the job's current attempt; returns its pid, or undefined after reporting a spawn failure. */
  start(job: JobRecord): number | undefined {
    const attempt = job.attempts.length;
    const dir = path.dirname(job.logOut);
    if (!this.madeDirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    const out = openSync(job.logOut, "a");
    const err = openSync(job.logErr, "a");
    let child: ChildProcess;
    try {
      if (attempt > 1) {
        const header = `--- pll: attempt ${attempt} at ${new Date(this.now()).toISOString()} ---\n`;
        writeSync(out, header);
        writeSync(err, header);
      }
      child = spawn("/bin/sh", ["-c", WRAPPER, "pll-job", job.command, sibling(job.logOut, "status")], {
        cwd: job.cwd,
        env: jobEnv(job, attempt),
        detached: true,
        stdio: ["ignore", out, err],
      });
    } finally {
      closeSync(out);
      closeSync(err);
    }
    if (child.pid === undefined) {
      // The error event follows; report once, from here, with a useful reason.
      child.on("error", () => {});
      queueMicrotask(() => this.events.onEnd(job.id, { exitCode: null, reason: "spawn", detail: spawnProblem(job) }));
      return undefined;
    }
    const proc: Proc = { job, pid: child.pid, child, timers: [], outputWatched: false };
    this.procs.set(job.id, proc);
    child.on("exit", (code, signal) => this.exited(proc, code, signal));
    this.armLimits(proc, job.startedAt ?? this.now());
    return child.pid;
  }

  /**
   * Takes over a job a previous engine started. Returns how it ended if it is
   * no longer running, else undefined (it is then watched until it ends).
   */
  adopt(job: JobRecord): Outcome | undefined {
    const attempt = job.attempts[job.attempts.length - 1];
    const status = readStatusFile(sibling(job.logOut, "status"));
    const ours = status.attempt === attempt?.n;
    if (ours && status.exitCode !== undefined) return { exitCode: status.exitCode };
    const pid = (ours ? status.pid : undefined) ?? job.pid ?? attempt?.pid;
    if (!attempt || !pid || !isOurLeader(pid, attempt.startedAt)) return { exitCode: null, reason: "lost" };
    const proc: Proc = { job, pid, timers: [], outputWatched: false };
    this.procs.set(job.id, proc);
    this.armLimits(proc, attempt.startedAt);
    this.adoptedPoll ??= setInterval(() => this.pollAdopted(), ADOPTED_POLL_MS);
    return undefined;
  }

  /** Stops a job's whole process tree; it ends with this reason. */
  kill(jobId: number, reason: string, detail = reason): void {
    const proc = this.procs.get(jobId);
    if (!proc || proc.killing) return;
    proc.killing = { reason, detail };
    signalGroup(proc.pid, "SIGTERM");
    proc.timers.push(
      setTimeout(() => {
        signalGroup(proc.pid, "SIGKILL");
        if (proc.exited) this.end(proc);
      }, this.killGraceMs),
    );
  }

  /** Stops every running job and resolves when all have ended. */
  async killAll(reason: string): Promise<void> {
    const ids = [...this.procs.keys()];
    const ended = ids.map((id) => new Promise<void>((resolve) => this.waiters.set(id, resolve)));
    for (const id of ids) this.kill(id, reason);
    await Promise.all(ended);
  }

  /** Lets running jobs go on without us (they are adopted next time). */
  detachAll(): void {
    for (const proc of this.procs.values()) {
      for (const t of proc.timers) clearTimeout(t);
      proc.child?.removeAllListeners("exit");
      proc.child?.unref();
    }
    this.procs.clear();
    this.stopPolls();
  }

  private readonly waiters = new Map<number, () => void>();

  private armLimits(proc: Proc, startedAt: number): void {
    const { job } = proc;
    const after = (ms: number, fn: () => void) =>
      proc.timers.push(setTimeout(fn, Math.max(0, startedAt + ms - this.now())));
    if (job.timeoutMs !== undefined) {
      const ms = job.timeoutMs;
      after(ms, () => this.kill(job.id, "timeout", `timeout ${formatMs(ms)}`));
    }
    const timeMs = job.expect?.timeMs;
    if (timeMs !== undefined) after(timeMs, () => this.events.onOverrun(job.id, "time", timeMs));
    if (job.expect?.outputBytes !== undefined) {
      proc.outputWatched = true;
      this.outputPoll ??= setInterval(() => this.checkOutput(), OUTPUT_CHECK_MS);
    }
  }

  private exited(proc: Proc, code: number | null, signal: NodeJS.Signals | null): void {
    proc.exited = { code, signal };
    // A killed job ends when its whole group is gone, at the latest when the grace period's SIGKILL lands.
    if (proc.killing && groupAlive(proc.pid)) return;
    this.end(proc);
  }

  private end(proc: Proc): void {
    if (this.procs.get(proc.job.id) !== proc) return;
    this.procs.delete(proc.job.id);
    for (const t of proc.timers) clearTimeout(t);
    if (!this.hasWatchers()) this.stopPolls();
    const { code = null, signal = null } = proc.exited ?? {};
    const outcome: Outcome = proc.killing
      ? { exitCode: code, signal, reason: proc.killing.reason, detail: proc.killing.detail }
      : { exitCode: code, signal };
    this.events.onEnd(proc.job.id, outcome);
    const waiter = this.waiters.get(proc.job.id);
    this.waiters.delete(proc.job.id);
    waiter?.();
  }

  private pollAdopted(): void {
    for (const proc of this.procs.values()) {
      if (proc.child || isOurLeader(proc.pid, proc.job.attempts[proc.job.attempts.length - 1]!.startedAt)) continue;
      const status = readStatusFile(sibling(proc.job.logOut, "status"));
      if (proc.killing) proc.exited = { code: status.exitCode ?? null, signal: null };
      else if (status.exitCode !== undefined) proc.exited = { code: status.exitCode, signal: null };
      else {
        proc.killing = { reason: "lost", detail: "lost" };
        proc.exited = { code: null, signal: null };
      }
      if (!proc.killing || !groupAlive(proc.pid)) this.end(proc);
    }
  }

  private checkOutput(): void {
    for (const proc of this.procs.values()) {
      const limit = proc.job.expect?.outputBytes;
      if (!proc.outputWatched || limit === undefined) continue;
      if (sizeOf(proc.job.logOut) + sizeOf(proc.job.logErr) > limit) {
        proc.outputWatched = false;
        this.events.onOverrun(proc.job.id, "output", limit);
      }
    }
  }

  private hasWatchers(): boolean {
    for (const p of this.procs.values()) if (!p.child || p.outputWatched) return true;
    return false;
  }

  private stopPolls(): void {
    clearInterval(this.adoptedPoll);
    clearInterval(this.outputPoll);
    this.adoptedPoll = this.outputPoll = undefined;
  }
}

function sizeOf(file: string): number {
  try {
    const fd = openSync(file, "r");
    try {
      return fstatSync(fd).size;
    } finally {
      closeSync(fd);
    }
  } catch {
    return 0;
  }
}

function spawnProblem(job: JobRecord): string {
  return `could not start in ${job.cwd}`;
}

export function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
