// The local JobRunner: owns the process side of every job, from its dispatch
// to its recorded end, as one Phase per job (job-phase.ts). Jobs run as local
// processes, each in its own process group, output straight to its log files,
// exit status recorded on disk by a process other than the engine (the
// spawner, see launcher.ts) — so a later engine can adopt a job still running
// or learn how it ended. Stops signal the whole tree: SIGTERM, then SIGKILL if
// anything of it is still alive when the grace period ends; a stopped job ends
// as soon as its groups are gone (zombies awaiting init do not count), not at
// the end of the grace.
import type { Outcome } from "../core/scheduler.js";
import type { JobRecord } from "../core/types.js";
import { statusLogOf } from "./job-files.js";
import { JobLimits } from "./job-limits.js";
import type { JobRunner, JobRunnerEvents, StopReason } from "./job-runner.js";
import { exitOutcome, LOST, outcomeOf, UNSTARTED, type Exit, type Phase, type Stop } from "./job-phase.js";
import { LaunchRequests } from "./launch-request.js";
import type { Launcher, LauncherFactory } from "./launcher.js";
import { descendantGroups, isOurLeader, liveGroups, procInfo, signalGroup, StatusLog } from "./proc-status.js";
import { retireSpawner } from "./spawner.js";

const POLL_MS = 200;
/**
 * After the spawner died, how long a job it had not reported yet may take to
 * write its start line (its own process writes it just before exec): after
 * that, it never ran, and is pending again.
 */
const START_LINE_WAIT_MS = 2_000;
/** how long a job whose leader is gone may wait for its exit line (its reaper writes it right after) */
const EXIT_LINE_WAIT_MS = 1_000;
/** how long to wait for a SIGKILLed group to vanish */
const KILL_SETTLE_MS = 2_000;
/** how often a group being killed is checked for emptiness */
const KILL_WATCH_MS = 20;

export interface SupervisorOptions {
  launcher: LauncherFactory;
  /** SIGTERM → SIGKILL grace period, ms */
  killGraceMs: number;
  clock: () => number;
  /** the whole environment of a job's attempt (job-env.ts) */
  envOf: (job: JobRecord, attempt: number) => Record<string, string>;
  /** where the spawner's guardian is recorded, so that the next engine can retire it (see prepare) */
  spawnerPidFile?: string;
  /** this machine's name in pll (its jobs' PLL_WORKER) */
  workerName: string;
}

interface Entry {
  id: number;
  phase: Phase;
  /** stops waiting for the end to be recorded */
  waiters: (() => void)[];
}

type Polled = Extract<Phase, { state: "running" | "stopping" }>;

export class Supervisor implements JobRunner {
  private readonly jobs = new Map<number, Entry>();
  private readonly launcher: Launcher & { warm?(): void };
  private readonly requests: LaunchRequests;
  private readonly limits: JobLimits;
  /** status logs of runs with polled jobs */
  private readonly statusLogs = new Map<string, StatusLog>();
  private poll?: NodeJS.Timeout;
  private killWatch?: NodeJS.Timeout;
  /** an earlier engine's spawner was still there at recovery (and retired): its last jobs may still write start lines */
  private oldSpawner = false;

  constructor(
    private readonly events: JobRunnerEvents,
    private readonly opts: SupervisorOptions,
  ) {
    this.launcher = opts.launcher(
      {
        started: (id, pid) => this.started(id, pid, "launcher"),
        exited: (id, _pid, code, signal) => this.exited(id, { code, signal }),
        failed: (id, message) => this.failed(id, message),
        lost: () => this.launcherLost(),
      },
      opts.spawnerPidFile,
    );
    this.requests = new LaunchRequests(opts.clock, opts.envOf, opts.workerName);
    this.limits = new JobLimits(
      {
        timedOut: (id, detail) => this.ask(id, { reason: "timeout", detail }),
        overrun: (id, what, limit) => events.overrun(id, what, limit),
      },
      opts.clock,
    );
  }

  /**
   * Before adopting: an earlier engine's native spawner that is still there (its engine crashed or
   * stopped) may yet launch requests it read but had not forked, after this engine has re-queued those
   * jobs for want of a start line. So it is killed first; its guardian goes on recording its jobs' exits,
   * and what it had not launched never runs. A job it forked just before may still write its start
   * line: such jobs are awaited a moment before they are re-queued. Then our own spawner is started.
   */
  prepare(): void {
    this.oldSpawner = this.opts.spawnerPidFile ? retireSpawner(this.opts.spawnerPidFile) : false;
    this.launcher.warm?.();
  }

  dispatched(jobId: number): void {
    this.jobs.set(jobId, { id: jobId, phase: { state: "dispatched" }, waiters: [] });
  }

  launch(job: JobRecord): void {
    const entry = this.jobs.get(job.id) ?? { id: job.id, phase: { state: "dispatched" }, waiters: [] };
    this.jobs.set(job.id, entry);
    const stop = entry.phase.state === "dispatched" ? entry.phase.stop : undefined;
    try {
      this.launcher.launch(this.requests.of(job));
    } catch (err) {
      this.end(entry, outcomeOf({ code: null, signal: null }, stop ?? { reason: "spawn", detail: `could not start: ${(err as Error).message}` }));
      return;
    }
    // A stop that came while the dispatch was written is carried out once the launcher reports the pid.
    entry.phase = { state: "launching", job, watch: { by: "launcher" }, ...(stop ? { stop } : {}) };
    this.limits.arm(job, job.startedAt ?? this.opts.clock());
  }

  unrecorded(jobId: number): void {
    const entry = this.jobs.get(jobId);
    if (entry?.phase.state !== "dispatched") return;
    const { stop } = entry.phase;
    this.end(entry, stop ? { exitCode: null, reason: stop.reason, detail: stop.detail } : { exitCode: null, reason: "unstarted" });
  }

  adopt(job: JobRecord): Outcome | undefined {
    const attempt = job.attempts[job.attempts.length - 1];
    if (!attempt) return { exitCode: null, reason: "unstarted" };
    const status = this.statusLog(job).refresh().of(job.id, attempt.n);
    if (status?.exitCode !== undefined) return exitOutcome(status);
    // The job's own process writes its start line before it runs the command: with none, it never ran —
    // unless the retired spawner forked it a moment ago: then its line is awaited a while (pollWatched).
    const pid = status?.pid;
    if (!pid && !this.oldSpawner) return { exitCode: null, reason: "unstarted" };
    if (!pid) {
      this.watch(job.id, { state: "launching", job, watch: { by: "startLine", until: Date.now() + START_LINE_WAIT_MS } });
      return undefined;
    }
    if (!isOurLeader(pid, attempt.startedAt) && !procInfo(pid)?.zombie) return outcomeOf({ code: null, signal: null }, LOST);
    this.watch(job.id, { state: "running", job, pid, watch: { by: "poll" } });
    this.limits.arm(job, attempt.startedAt);
    return undefined;
  }

  stop(jobId: number, reason: StopReason): Promise<void> {
    const entry = this.jobs.get(jobId);
    // No process here and none coming: its end is recorded now (a duplicate of one already queued changes nothing).
    if (!entry) return this.events.ended(jobId, { exitCode: null, reason });
    if (entry.phase.state === "ended") return entry.phase.recorded;
    const ended = new Promise<void>((resolve) => entry.waiters.push(resolve));
    this.ask(jobId, { reason, detail: reason });
    return ended;
  }

  detachAll(): void {
    this.limits.clearAll();
    this.jobs.clear();
    this.launcher.close();
    clearInterval(this.poll);
    clearInterval(this.killWatch);
    this.poll = this.killWatch = undefined;
  }

  // ───────────────────────── transitions ─────────────────────────

  /** A stop (kill, cancel, timeout): carried out now if there is a process to signal, else on the next step. The first one wins. */
  private ask(jobId: number, stop: Stop): void {
    const entry = this.jobs.get(jobId);
    const phase = entry?.phase;
    if (!phase) return;
    if (phase.state === "dispatched" || phase.state === "launching") phase.stop ??= stop;
    else if (phase.state === "running") this.terminate(entry!, phase, stop);
  }

  private terminate(entry: Entry, running: Extract<Phase, { state: "running" }>, stop: Stop): void {
    const { pid } = running;
    // Found before the signal: once the job's shell is gone, its descendants' parentage is gone with it.
    const groups = [pid, ...descendantGroups(pid)];
    for (const g of groups) signalGroup(g, "SIGTERM");
    entry.phase = { ...running, state: "stopping", stop, term: { groups, killAt: Date.now() + this.opts.killGraceMs }, leader: { exited: false } };
    this.killWatch ??= setInterval(() => this.watchKilled(), KILL_WATCH_MS);
  }

  private started(jobId: number, pid: number, from: "launcher" | "startLine"): void {
    const entry = this.jobs.get(jobId);
    const phase = entry?.phase;
    if (phase?.state !== "launching" || phase.watch.by !== from) return;
    const running: Extract<Phase, { state: "running" }> = { state: "running", job: phase.job, pid, watch: { by: from === "launcher" ? "launcher" : "poll" } };
    entry!.phase = running;
    this.events.started(jobId, pid);
    if (phase.stop) this.terminate(entry!, running, phase.stop);
  }

  private exited(jobId: number, exit: Exit): void {
    const entry = this.jobs.get(jobId);
    const phase = entry?.phase;
    if (!phase || phase.state === "dispatched" || phase.state === "ended" || phase.watch.by !== "launcher") return;
    if (phase.state !== "stopping") return this.end(entry!, outcomeOf(exit, phase.state === "launching" ? phase.stop : undefined));
    // A stopped job ends when its whole tree is gone (watchKilled), at the latest when the grace period's SIGKILL lands.
    phase.leader = { exited: true, exit };
    if (liveGroups(phase.term.groups).size === 0) this.end(entry!, outcomeOf(exit, phase.stop));
  }

  private failed(jobId: number, message: string): void {
    const entry = this.jobs.get(jobId);
    const phase = entry?.phase;
    if (!phase || phase.state === "dispatched" || phase.state === "ended" || phase.watch.by !== "launcher") return;
    const stop = phase.state === "running" ? undefined : phase.stop;
    this.end(entry!, outcomeOf({ code: null, signal: null }, stop ?? { reason: "spawn", detail: `could not start: ${message}` }));
  }

  /**
   * Without its launcher a job is like an adopted one: watched through /proc and the status log, where
   * the spawner's guardian writes the exits of the jobs it leaves behind. A job whose start was not
   * reported yet may still be starting: its start line is awaited for a while (see START_LINE_WAIT_MS).
   */
  private launcherLost(): void {
    for (const { phase } of this.jobs.values()) {
      if (phase.state === "dispatched" || phase.state === "ended" || phase.watch.by !== "launcher") continue;
      if (phase.state === "launching") phase.watch = { by: "startLine", until: Date.now() + START_LINE_WAIT_MS };
      else phase.watch = { by: "poll" };
      this.poll ??= setInterval(() => this.pollWatched(), POLL_MS);
    }
  }

  private end(entry: Entry, outcome: Outcome): void {
    if (this.jobs.get(entry.id) !== entry || entry.phase.state === "ended") return;
    this.limits.clear(entry.id);
    const recorded = this.events.ended(entry.id, outcome);
    entry.phase = { state: "ended", recorded };
    void recorded.then(() => {
      for (const resolve of entry.waiters) resolve();
      if (this.jobs.get(entry.id) === entry) this.jobs.delete(entry.id);
    });
    this.stopIdlePoll();
  }

  // ───────────────────────── watching ─────────────────────────

  private watch(jobId: number, phase: Phase): void {
    this.jobs.set(jobId, { id: jobId, phase, waiters: [] });
    this.poll ??= setInterval(() => this.pollWatched(), POLL_MS);
  }

  /**
   * Stopped jobs: one whose leader has exited ends once nothing of its tree is
   * alive; at the grace's end what is still alive gets SIGKILL (delivered
   * asynchronously, so its end is awaited too, up to a bound).
   */
  private watchKilled(): void {
    const stopping = [...this.jobs.values()].filter((e) => e.phase.state === "stopping");
    if (stopping.length === 0) {
      clearInterval(this.killWatch);
      this.killWatch = undefined;
      return;
    }
    const live = liveGroups(stopping.flatMap((e) => (e.phase as Extract<Phase, { state: "stopping" }>).term.groups));
    const now = Date.now();
    for (const entry of stopping) {
      const phase = entry.phase as Extract<Phase, { state: "stopping" }>;
      const { term } = phase;
      const alive = term.groups.some((g) => live.has(g));
      if (phase.leader.exited && (!alive || (term.settleBy !== undefined && now > term.settleBy))) this.end(entry, outcomeOf(phase.leader.exit, phase.stop));
      else if (term.settleBy === undefined && now >= term.killAt) {
        for (const g of term.groups) if (live.has(g)) signalGroup(g, "SIGKILL");
        term.settleBy = now + KILL_SETTLE_MS;
      }
    }
  }

  /** Polled jobs are not watched by a launcher: watch their leaders through /proc, then read their status logs. */
  private pollWatched(): void {
    for (const log of this.statusLogs.values()) log.refresh();
    const leaderGone: [Entry, Polled, Exit, Stop | undefined][] = [];
    const now = Date.now();
    for (const entry of [...this.jobs.values()]) {
      const { phase } = entry;
      if (phase.state === "launching" && phase.watch.by === "startLine") {
        const status = this.statusOf(phase.job);
        if (status?.pid !== undefined) this.started(entry.id, status.pid, "startLine");
        // It ended before its command ran (no log, no cwd: exit 126/127), recorded by its reaper.
        else if (status?.exitCode !== undefined) this.end(entry, outcomeOf({ code: status.exitCode, signal: null, at: status.endedAt }, phase.stop));
        // Its start line never came: the command never ran, so it waits its turn again (or ends as the stop asked).
        else if (now >= phase.watch.until) this.end(entry, outcomeOf({ code: null, signal: null }, phase.stop ?? UNSTARTED));
        continue;
      }
      if ((phase.state !== "running" && phase.state !== "stopping") || phase.watch.by === "launcher") continue;
      const attempt = phase.job.attempts[phase.job.attempts.length - 1]!;
      if (isOurLeader(phase.pid, attempt.startedAt)) continue;
      const status = this.statusOf(phase.job);
      const exitCode = status?.exitCode;
      if (exitCode === undefined) {
        // Its reaper (the spawner, or its guardian) writes the exit line right after reaping; a zombie is not reaped yet.
        if (procInfo(phase.pid)?.zombie) continue;
        if (phase.watch.by === "poll") phase.watch = { by: "exitLine", until: now + EXIT_LINE_WAIT_MS };
        if (now < phase.watch.until) continue;
      }
      // The status log's time: the poll sees the end up to a poll interval late.
      const exit: Exit = { code: exitCode ?? null, signal: null, at: status?.endedAt };
      leaderGone.push([entry, phase, exit, exitCode === undefined ? LOST : undefined]);
    }
    if (leaderGone.length === 0) return;
    const live = liveGroups(leaderGone.map(([, phase]) => phase.pid));
    for (const [entry, phase, exit, lost] of leaderGone) {
      if (phase.state === "stopping") phase.leader = { exited: true, exit }; // watchKilled ends it once its tree is gone
      else if (!live.has(phase.pid)) this.end(entry, outcomeOf(exit, lost));
    }
  }

  private statusOf(job: JobRecord) {
    return this.statusLog(job).of(job.id, job.attempts[job.attempts.length - 1]!.n);
  }

  private statusLog(job: JobRecord): StatusLog {
    const file = statusLogOf(job.logOut);
    let log = this.statusLogs.get(file);
    if (!log) this.statusLogs.set(file, (log = new StatusLog(file)));
    return log;
  }

  private stopIdlePoll(): void {
    if (!this.poll && !this.statusLogs.size) return; // the usual case: nothing to stop
    const polled = [...this.jobs.values()].some(({ phase }) => phase.state !== "dispatched" && phase.state !== "ended" && phase.watch.by !== "launcher");
    if (polled) return;
    clearInterval(this.poll);
    this.poll = undefined;
    this.statusLogs.clear();
  }
}
