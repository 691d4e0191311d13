// Runs jobs as local processes, each in its own process group,
// output straight to its log files, exit status recorded on disk by a
// process other than the engine (see launcher.ts) — so a later engine can
// adopt a job still running or learn how it ended. Timeouts and kills
// signal the whole group: SIGTERM, then SIGKILL if anything of the group is
// still alive when the grace period ends; a killed job ends as soon as its
// whole group is gone (zombies awaiting init do not count), not at the end
// of the grace.
import { closeSync, constants, openSync, statSync, writeSync } from "node:fs";
import { makeOwnDir } from "../home-check.js";
import path from "node:path";
import type { Outcome } from "../core/scheduler.js";
import type { JobRecord } from "../core/types.js";
import { jobVariables } from "./job-env.js";
import { statusLogOf } from "./job-files.js";
import type { Launcher } from "./launcher.js";
import { findNative, findPerl, nativeProgram, perlProgram, retireSpawner, Spawner, type SpawnerProgram } from "./spawner.js";
import { descendantGroups, isOurLeader, liveGroups, procInfo, signalGroup, StatusLog } from "./proc-status.js";
import { ShellLauncher } from "./shell-launcher.js";

const ADOPTED_POLL_MS = 200;
/**
 * After the spawner died, how long a job it had not reported yet may take to
 * write its start line (its own process writes it just before exec): after
 * that, it never ran, and is pending again.
 */
const START_LINE_WAIT_MS = 2_000;
/** how long a job whose leader is gone may wait for its exit line (its reaper writes it right after) */
const EXIT_LINE_WAIT_MS = 1_000;
const OUTPUT_CHECK_MS = 1_000;
/** how long to wait for a SIGKILLed group to vanish */
const KILL_SETTLE_MS = 2_000;
/** how often a group being killed is checked for emptiness */
const KILL_WATCH_MS = 20;

/** `PLL_LAUNCHER`: auto (native, else Perl, else shell), or one of them by name — a named one missing falls back the same way. */
export type LauncherChoice = "auto" | "native" | "perl" | "shell";

function spawnerProgram(choice: LauncherChoice): SpawnerProgram | undefined {
  if (choice === "shell") return undefined;
  const native = choice === "perl" ? undefined : findNative();
  if (native) return nativeProgram(native);
  const perl = findPerl();
  return perl ? perlProgram(perl) : undefined;
}

export interface ExecutorEvents {
  /** the job's process is running with this pid (= its process group) */
  onStarted(jobId: number, pid: number): void;
  /** a job's process (tree) ended */
  onEnd(jobId: number, outcome: Outcome): void;
  /** an `expect` bound was passed (the job keeps running) */
  onOverrun(jobId: number, what: "time" | "output", limit: number): void;
}

interface Proc {
  job: JobRecord;
  /** unknown until the launcher reports the start */
  pid?: number;
  /** adopted from an earlier engine: watched by polling, not by the launcher */
  adopted: boolean;
  timers: NodeJS.Timeout[];
  killing?: { reason: string; detail: string };
  /**
   * SIGTERM sent: SIGKILL at `killAt` if the group is not gone by then; after it, give up waiting at `settleBy`.
   * `groups`: the job's group and those its descendants had moved to (setsid, `set -m`) when it was sent.
   */
  term?: { killAt: number; settleBy?: number; groups: number[] };
  /** exit seen while the rest of the group gets its grace period */
  exited?: { code: number | null; signal: NodeJS.Signals | null; at?: number };
  outputWatched: boolean;
  /** adopted with no pid known (its spawner died first): its start line is awaited until then */
  startBy?: number;
  /** adopted, its leader gone but no exit line yet: awaited until then, then the end is unknown */
  exitBy?: number;
}

export class LocalExecutor {
  private readonly procs = new Map<number, Proc>();
  private readonly madeDirs = new Set<string>();
  private readonly launcher: Launcher;
  /** status logs of runs with adopted jobs */
  private readonly statusLogs = new Map<string, StatusLog>();
  private adoptedPoll?: NodeJS.Timeout;
  private outputPoll?: NodeJS.Timeout;
  private killWatch?: NodeJS.Timeout;

  /** an earlier engine's spawner was still there at recovery (and retired): its last jobs may still write start lines */
  private oldSpawner = false;

  constructor(
    private readonly events: ExecutorEvents,
    private readonly killGraceMs: number,
    private readonly now: () => number = Date.now,
    launcher: LauncherChoice = (process.env.PLL_LAUNCHER as LauncherChoice | undefined) ?? "auto",
    /** where the spawner's guardian is recorded, so that the next engine can retire it (retireOldSpawner) */
    private readonly spawnerPidFile?: string,
  ) {
    const program = spawnerProgram(launcher);
    const launcherEvents = {
      started: (id: number, pid: number) => this.started(id, pid),
      exited: (id: number, _pid: number, code: number | null, signal: NodeJS.Signals | null) => this.exited(id, code, signal),
      failed: (id: number, message: string) => this.failed(id, message),
      lost: () => this.launcherLost(),
    };
    this.launcher = program ? new Spawner(program, launcherEvents, spawnerPidFile) : new ShellLauncher(launcherEvents);
  }

  /**
   * Before adopting: an earlier engine's native spawner that is still there (its engine crashed or
   * stopped) may yet launch requests it read but had not forked (it was stopped, or slow), after this
   * engine has re-queued those jobs for want of a start line. So it is killed first; its guardian goes on
   * recording its jobs' exits, and what it had not launched never runs. A job it forked just before
   * may still write its start line: such jobs are awaited a moment before they are re-queued.
   */
  retireOldSpawner(): void {
    const found = this.spawnerPidFile ? retireSpawner(this.spawnerPidFile) : false;
    this.oldSpawner = found;
  }

  /** Gets the launcher ready before the first job needs it. */
  warm(): void {
    if (this.launcher instanceof Spawner) this.launcher.warm();
  }

  isRunning(jobId: number): boolean {
    return this.procs.has(jobId);
  }

  /** Starts the job's current attempt; the pid follows through `onStarted`. */
  start(job: JobRecord): void {
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
    const proc: Proc = { job, adopted: false, timers: [], outputWatched: false };
    this.procs.set(job.id, proc);
    try {
      this.launcher.launch({
        jobId: job.id,
        attempt,
        cwd: job.cwd,
        out: job.logOut,
        err: job.logErr,
        status: statusLogOf(job.logOut),
        command: job.command,
        env: jobVariables(job, attempt),
      });
    } catch (err) {
      this.procs.delete(job.id); // no process: not running
      throw err;
    }
    this.armLimits(proc, job.startedAt ?? this.now());
  }

  /**
   * Takes over a job an earlier engine started. Returns how it ended if it is
   * no longer running, else undefined (it is then watched until it ends).
   */
  adopt(job: JobRecord): Outcome | undefined {
    const attempt = job.attempts[job.attempts.length - 1];
    if (!attempt) return { exitCode: null, reason: "unstarted" };
    const status = this.statusLog(job).refresh().of(job.id, attempt.n);
    if (status?.exitCode !== undefined) return exitOutcome(status);
    // The job's own process writes its start line before it runs the command: with none, it never ran —
    // unless the retired spawner forked it a moment ago: then its line is awaited a while (pollAdopted).
    const pid = status?.pid;
    if (!pid && !this.oldSpawner) return { exitCode: null, reason: "unstarted" };
    if (!pid) {
      this.procs.set(job.id, { job, adopted: true, timers: [], outputWatched: false, startBy: Date.now() + START_LINE_WAIT_MS });
      this.adoptedPoll ??= setInterval(() => this.pollAdopted(), ADOPTED_POLL_MS);
      return undefined;
    }
    if (!isOurLeader(pid, attempt.startedAt) && !procInfo(pid)?.zombie) return lostOutcome();
    const proc: Proc = { job, pid, adopted: true, timers: [], outputWatched: false };
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
    if (proc.pid !== undefined) this.signalTree(proc);
  }

  /** Lets running jobs go on without us (they are adopted next time). */
  detachAll(): void {
    for (const proc of this.procs.values()) for (const t of proc.timers) clearTimeout(t);
    this.procs.clear();
    this.launcher.close();
    this.stopPolls();
  }

  private signalTree(proc: Proc): void {
    // Found before the signal: once the job's shell is gone, its descendants' parentage is gone with it.
    const groups = [proc.pid!, ...descendantGroups(proc.pid!)];
    for (const g of groups) signalGroup(g, "SIGTERM");
    this.launcher.terminated?.(proc.pid!);
    proc.term = { killAt: Date.now() + this.killGraceMs, groups };
    this.killWatch ??= setInterval(() => this.watchKilled(), KILL_WATCH_MS);
  }

  /**
   * Groups being killed: a job whose leader has exited ends once nothing of
   * its group is alive; at the grace's end what is still alive gets SIGKILL
   * (delivered asynchronously, so its end is awaited too, up to a bound).
   */
  private watchKilled(): void {
    const watched = [...this.procs.values()].filter((p) => p.term);
    if (watched.length === 0) {
      clearInterval(this.killWatch);
      this.killWatch = undefined;
      return;
    }
    const live = liveGroups(watched.flatMap((p) => p.term!.groups));
    const now = Date.now();
    for (const proc of watched) {
      const term = proc.term!;
      const alive = term.groups.some((g) => live.has(g));
      if (proc.exited && (!alive || (term.settleBy !== undefined && now > term.settleBy))) this.end(proc);
      else if (term.settleBy === undefined && now >= term.killAt) {
        for (const g of term.groups) if (live.has(g)) signalGroup(g, "SIGKILL");
        term.settleBy = now + KILL_SETTLE_MS;
      }
    }
  }

  private started(jobId: number, pid: number, fromStatusLog = false): void {
    const proc = this.procs.get(jobId);
    if (!proc || (proc.adopted && !fromStatusLog)) return;
    proc.pid = pid;
    this.events.onStarted(jobId, pid);
    if (proc.killing) this.signalTree(proc);
  }

  /**
   * Without its launcher a job is like an adopted one: watched through /proc and the status log, where
   * the spawner's guardian writes the exits of the jobs it leaves behind. A job whose start was not
   * reported yet may still be starting: its start line is awaited for a while (see START_LINE_WAIT_MS).
   */
  private launcherLost(): void {
    for (const proc of this.procs.values()) {
      if (proc.adopted) continue;
      proc.adopted = true;
      if (proc.pid === undefined) proc.startBy = Date.now() + START_LINE_WAIT_MS;
    }
    if (this.procs.size) this.adoptedPoll ??= setInterval(() => this.pollAdopted(), ADOPTED_POLL_MS);
  }

  private failed(jobId: number, message: string): void {
    const proc = this.procs.get(jobId);
    if (!proc || proc.adopted) return;
    proc.killing ??= { reason: "spawn", detail: `could not start: ${message}` };
    proc.exited = { code: null, signal: null };
    this.end(proc);
  }

  private exited(jobId: number, code: number | null, signal: NodeJS.Signals | null): void {
    const proc = this.procs.get(jobId);
    if (!proc || proc.adopted) return;
    proc.exited = { code, signal };
    // A killed job ends when its whole group is gone (watchKilled), at the latest when the grace period's SIGKILL lands.
    if (proc.term && liveGroups(proc.term.groups).size > 0) return;
    this.end(proc);
  }

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

  private end(proc: Proc): void {
    if (this.procs.get(proc.job.id) !== proc) return;
    this.procs.delete(proc.job.id);
    for (const t of proc.timers) clearTimeout(t);
    this.stopIdlePolls();
    const { code = null, signal = null, at } = proc.exited ?? {};
    const outcome: Outcome = proc.killing
      ? { exitCode: code, signal, reason: proc.killing.reason, detail: proc.killing.detail }
      : { exitCode: code, signal };
    if (at !== undefined) outcome.endedAt = at;
    this.events.onEnd(proc.job.id, outcome);
  }

  /** Adopted jobs are not our children: watch their leaders, then read their status files. */
  private pollAdopted(): void {
    for (const log of this.statusLogs.values()) log.refresh();
    const leaderGone: Proc[] = [];
    const now = Date.now();
    for (const proc of [...this.procs.values()]) {
      if (!proc.adopted) continue;
      const attempt = proc.job.attempts[proc.job.attempts.length - 1]!;
      const status = this.statusLog(proc.job).of(proc.job.id, attempt.n);
      if (proc.pid === undefined) {
        if (status?.pid !== undefined) this.started(proc.job.id, status.pid, true);
        else if (status?.exitCode !== undefined) {
          // It ended before its command ran (no log, no cwd: exit 126/127), recorded by its reaper.
          proc.exited = { code: status.exitCode, signal: null, at: status.endedAt };
          this.end(proc);
          continue;
        } else if (now < proc.startBy!) continue;
        else {
          // Its start line never came: the command never ran, so it waits its turn again (or ends as the stop asked).
          proc.exited = { code: null, signal: null };
          proc.killing ??= { reason: "unstarted", detail: "unstarted" };
          this.end(proc);
          continue;
        }
      }
      if (isOurLeader(proc.pid!, attempt.startedAt)) continue;
      const exitCode = status?.exitCode;
      if (exitCode === undefined) {
        // Its reaper (the spawner, or its guardian) writes the exit line right after reaping; a zombie is not reaped yet.
        if (procInfo(proc.pid!)?.zombie) continue;
        proc.exitBy ??= now + EXIT_LINE_WAIT_MS;
        if (now < proc.exitBy) continue;
      }
      // The status log's time: the poll sees the end up to a poll interval late.
      proc.exited = { code: exitCode ?? null, signal: null, at: status?.endedAt };
      if (!proc.killing && exitCode === undefined) proc.killing = { reason: "lost", detail: LOST_DETAIL };
      leaderGone.push(proc);
    }
    if (leaderGone.length === 0) return;
    const live = liveGroups(leaderGone.map((p) => p.pid!));
    for (const proc of leaderGone) if (!live.has(proc.pid!)) this.end(proc);
  }

  private statusLog(job: JobRecord): StatusLog {
    const file = statusLogOf(job.logOut);
    let log = this.statusLogs.get(file);
    if (!log) this.statusLogs.set(file, (log = new StatusLog(file)));
    return log;
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

  private stopIdlePolls(): void {
    if (!this.adoptedPoll && !this.outputPoll && !this.statusLogs.size) return; // the usual case: nothing to stop
    const procs = [...this.procs.values()];
    if (!procs.some((p) => p.adopted)) {
      clearInterval(this.adoptedPoll);
      this.adoptedPoll = undefined;
      this.statusLogs.clear();
    }
    if (!procs.some((p) => p.outputWatched)) {
      clearInterval(this.outputPoll);
      this.outputPoll = undefined;
    }
  }

  private stopPolls(): void {
    clearInterval(this.adoptedPoll);
    clearInterval(this.outputPoll);
    clearInterval(this.killWatch);
    this.adoptedPoll = this.outputPoll = this.killWatch = undefined;
  }
}

/** A job whose process ended while nothing that could record its exit status watched it: its end is unknown. */
const LOST_DETAIL = "lost";

const lostOutcome = (): Outcome => ({ exitCode: null, reason: "lost", detail: LOST_DETAIL });

const exitOutcome = (status: { exitCode?: number; endedAt?: number }): Outcome => ({
  exitCode: status.exitCode ?? null,
  ...(status.endedAt !== undefined ? { endedAt: status.endedAt } : {}),
});

/** Appends to a job's log, never through a link someone planted (as the spawner opens it). */
function appendNoFollow(file: string, text: string): void {
  const fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o666);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

export function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
