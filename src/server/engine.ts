// The engine: wires the pure scheduler (src/core), the store and the job
// runner (src/exec/supervisor.ts, which owns the process side of each job).
// Everything happens in "ticks": apply what happened (job ends, user
// requests), let the scheduler decide, write every change in one batch, and
// only then act (launch, emit, run hooks). A job's end starts a tick at
// once, so the next job starts without any polling.
import { statfsSync } from "node:fs";
import path from "node:path";
import os from "node:os";
import { Scheduler, type Outcome } from "../core/scheduler.js";
import { UserError } from "../core/errors.js";
import {
  type EngineControl,
  type EngineEvent,
  type JobFilter,
  type JobGraph,
  type JobRecord,
  type Priority,
  type PruneOptions,
  type PruneResult,
  type RunRecord,
  type ScheduleRecord,
  type Settings,
  type Submitted,
  type SubmitOptions,
  type SubmittedRun,
  type WorkersView,
} from "../core/types.js";
import { unscheduledGraph } from "../core/recurrence-graph.js";
import { HookRunner } from "../exec/hooks.js";
import { jobEnv } from "../exec/job-env.js";
import type { JobRunner, StopReason } from "../exec/job-runner.js";
import type { LauncherFactory } from "../exec/launcher.js";
import { findSpawner, Spawner, type LauncherChoice } from "../exec/spawner.js";
import { Supervisor } from "../exec/supervisor.js";
import { homePaths, makeDirs } from "../home.js";
import { StoreError } from "../store/store-error.js";
import { countersBehindLogs } from "../store/integrity.js";
import { damagedError, Store, type Counters, type StoreContents } from "../store/store.js";
import { EventHub } from "./engine-events.js";
import { TickLoop } from "./engine-ticks.js";
import { filterJobs } from "./engine-queries.js";
import { scheduleHost } from "./engine-schedules.js";
import { instantiate } from "./engine-submit.js";
import { ScheduleRunner } from "./schedule-runner.js";
import { finishPrune, Pruner } from "./prune.js";
import { refuseUnrunnable } from "./unrunnable.js";
import type { QueueConfig } from "../remote/queue-url.js";
import type { RemoteRunner } from "../remote/remote-runner.js";
import { RoleRouter } from "../remote/role-router.js";
import { jobsetDir } from "../remote/worker-cwd.js";

export interface EngineOptions {
  home: string;
  /** global pjc to set (persisted); default: the stored one, else none */
  pjc?: number;
  /** SIGTERM → SIGKILL grace period for timeouts and kills, ms (default 5000) */
  killGraceMs?: number;
  clock?: () => number;
  /**
   * Which spawner starts jobs (default "auto": native, else Perl; the CLI and server pass `PLL_LAUNCHER`),
   * or a factory of launchers (tests wrap the real one to inject faults).
   */
  launcher?: LauncherChoice | LauncherFactory;
  /** an open store of this home to use (tests wrap its writes to inject faults); default: opened here. The engine closes it. */
  store?: Store;
  /** fire due schedules (default true); `pll run` without a server only registers them — it is not there to keep firing */
  fireSchedules?: boolean;
  /** this machine's name in pll: its jobs' PLL_WORKER (default: the host name) */
  name?: string;
  /** the queue `role` jobs go through to `pll worker`s (issue 15); without one, role jobs run here */
  queue?: QueueOptions;
}

export interface QueueOptions {
  config: QueueConfig;
  /** roles this machine serves itself (`pll serve --roles`) */
  roles?: string[];
  /** how often the workers' registry is read, ms (default 1000: the workers' heartbeat) */
  heartbeatMs?: number;
  /** a worker silent this long is gone and its jobs lost, ms (default 10000; PLL_WORKER_LOST_MS) */
  lostAfterMs?: number;
}

/** What the engine is made of: built by openEngine. */
export interface EngineParts {
  store: Store;
  contents: StoreContents;
  events: EventHub;
  schedules: ScheduleRunner;
  clock: () => number;
  logsDir: string;
  /** with a queue: the workers' runner (loaded only then: Redis's client is no part of a plain start) */
  Remote?: typeof RemoteRunner;
}

/**
 * What reopening found: jobs still running (adopted), jobs that ended meanwhile, jobs whose end is
 * unknown (lost), and jobs recorded as dispatched whose command never ran (requeued: pending again).
 */
export interface Recovery {
  adopted: number[];
  endedWhileAway: number[];
  lost: number[];
  requeued: number[];
}

export async function openEngine(opts: EngineOptions): Promise<Engine> {
  const paths = homePaths(opts.home);
  await makeDirs(opts.home); // not mkdir({recursive}): it never returns under /proc on Node 20
  await makeDirs(paths.logs); // each run makes its own directory in it, refusing a planted one (makeOwnDir)
  const store = opts.store ?? (await Store.open(paths.db));
  try {
    // A prune a crash cut short is finished first: nothing may read records whose logs are gone.
    const contents = await finishPrune(store, await store.load(), paths.logs);
    // Never run over a store that lost records: numbers (and so log files) would be handed out again.
    const behind = countersBehindLogs(contents.counters, paths.logs);
    if (behind) throw damagedError(paths.db, behind);
    const clock = opts.clock ?? Date.now;
    const events = new EventHub();
    let engine: Engine | undefined;
    const host = scheduleHost(() => engine!, store, clock, (e) => events.emit(e));
    const schedules = new ScheduleRunner(host, contents.schedules);
    const Remote = opts.queue ? (await import("../remote/remote-runner.js")).RemoteRunner : undefined;
    engine = new Engine({ store, contents, events, schedules, clock, logsDir: paths.logs, ...(Remote ? { Remote } : {}) }, opts);
    await engine.recover(opts.fireSchedules ?? true);
    return engine;
  } catch (err) {
    await store.close();
    throw err;
  }
}

export class Engine implements EngineControl {
  readonly recovery: Recovery = { adopted: [], endedWhileAway: [], lost: [], requeued: [] };
  private readonly sched: Scheduler;
  private readonly runner: JobRunner;
  /** with a queue: the runner of each job by its role, and the workers' side */
  private readonly router?: RoleRouter;
  private readonly remote?: RemoteRunner;
  /** this machine's name (PLL_WORKER of local jobs) */
  readonly name: string;
  private readonly queueShown?: string;
  private readonly localRoles: ReadonlySet<string>;
  private readonly hooks: HookRunner;
  private readonly store: Store;
  private readonly events: EventHub;
  private readonly schedules: ScheduleRunner;
  private readonly clock: () => number;
  private readonly logsDir: string;
  /** given to every job as PLL_HOME */
  private readonly home: string;
  private readonly pruner: Pruner;
  private counters: Counters;
  private settingsDirty = false;
  private closing = false;
  // tick machinery
  /** job ends to apply, each with what to call once it is recorded */
  private ends: [number, Outcome, () => void][] = [];
  /** ends a failed tick applied: recorded with the next write that succeeds */
  private unrecordedEnds: (() => void)[] = [];
  private toSpawn: JobRecord[] = [];
  private readonly ticks = new TickLoop(
    () => this.tickOnce(),
    // A store that cannot write is said once (storeTrouble), not at every retry.
    (err) => err instanceof StoreError || this.events.notice("error", `engine: ${(err as Error).message}`),
  );
  private backoffTimer?: { at: number; handle: NodeJS.Timeout };
  private lazyFlush?: NodeJS.Timeout;
  /** the last tick's write failed: dispatch waits, and a tick is tried again every second */
  private storeFailing = false;
  private storeRetry?: NodeJS.Timeout;

  constructor(parts: EngineParts, opts: EngineOptions) {
    const { contents } = parts;
    this.store = parts.store;
    this.events = parts.events;
    this.schedules = parts.schedules;
    this.clock = parts.clock;
    this.logsDir = parts.logsDir;
    this.home = opts.home;
    this.counters = contents.counters;
    const settings: Settings = contents.settings ?? {
      pjc: null, // no global cap unless the user sets one: a file's pjc means what it says
      capacity: null,
      paused: [],
      jobsetPjc: {},
    };
    if (!contents.settings) this.settingsDirty = true;
    if (opts.pjc !== undefined && opts.pjc !== settings.pjc) {
      checkPjc(opts.pjc);
      settings.pjc = opts.pjc;
      this.settingsDirty = true;
    }
    this.sched = new Scheduler(settings, this.clock);
    // With a queue, a role no live worker serves has no slots until one comes (RemoteRunner reports them).
    if (opts.queue) this.sched.setRoleSlots(new Map((opts.queue.roles ?? []).map((r) => [r, Infinity])));
    const killGraceMs = opts.killGraceMs ?? 5_000;
    const launcher = opts.launcher ?? "auto";
    this.name = opts.name ?? os.hostname();
    this.localRoles = new Set(opts.queue?.roles ?? []);
    if (opts.queue) this.queueShown = opts.queue.config.shown;
    const runnerEvents = {
      started: (id: number, pid: number, worker?: string) => this.jobStarted(id, pid, worker),
      ended: (id: number, outcome: Outcome) => this.jobEnded(id, outcome),
      overrun: (jobId: number, what: "time" | "output", limit: number) => this.overrun(jobId, what, limit),
    };
    const local = new Supervisor(runnerEvents, {
      // A host that can start no job is found here, at start, in one line (findSpawner).
      launcher: typeof launcher === "function" ? launcher : spawnerLauncher(launcher),
      killGraceMs,
      clock: this.clock,
      spawnerPidFile: spawnerPidFileOf(this.logsDir),
      envOf: (job, attempt) => this.envOf(job, attempt),
      workerName: this.name,
    });
    if (opts.queue) {
      if (!parts.Remote) throw new Error("a queue without its runner (openEngine loads it)");
      const localRoles = this.localRoles;
      this.remote = new parts.Remote(runnerEvents, {
        queue: opts.queue.config,
        heartbeatMs: opts.queue.heartbeatMs ?? 1_000,
        lostAfterMs: opts.queue.lostAfterMs ?? 10_000,
        envOf: (job, attempt) => this.envOf(job, attempt),
        baseOf: (job) => jobsetDir(this.sched.runs.get(job.runId)),
        // Roles served here are not limited by the workers' slots.
        slots: (byRole) => {
          for (const role of localRoles) byRole.set(role, Infinity);
          this.sched.setRoleSlots(byRole);
          this.ticks.nudge();
        },
        notice: (level, text) => this.events.notice(level, text),
      });
      this.router = new RoleRouter(local, this.remote, localRoles, (id) => this.sched.jobs.get(id));
      this.runner = this.router;
    } else this.runner = local;
    this.hooks = new HookRunner(undefined, killGraceMs, (job, hook) => this.events.emit({ type: "hook", jobId: job.id, hook }));
    const byRun = new Map<number, JobRecord[]>();
    for (const job of contents.jobs) {
      const list = byRun.get(job.runId);
      if (list) list.push(job);
      else byRun.set(job.runId, [job]);
    }
    for (const run of contents.runs) this.sched.addRun(run, byRun.get(run.id) ?? []);
    const sched = this.sched;
    this.pruner = new Pruner(
      {
        runs: () => sched.runs.values(),
        job: (id) => sched.jobs.get(id),
        // Not while the store cannot write: a failed tick's changes wait in the scheduler to be written again.
        prunable: (id) => !this.storeFailing && sched.prunable(id),
        forget: (id) => sched.removeRun(id),
        restore: (run, jobs) => sched.addRun(run, jobs),
        now: this.clock,
        notice: (level, message) => this.events.notice(level, message),
      },
      this.store,
      this.logsDir,
    );
  }

  /** Adopts jobs a previous engine left running, learns how the others ended, then resumes dispatching. */
  async recover(fireSchedules = true): Promise<void> {
    this.runner.prepare();
    for (const job of this.sched.jobs.values()) {
      if (job.state !== "running") continue;
      const ended = this.runner.adopt(job);
      if (!ended) this.recovery.adopted.push(job.id);
      else {
        const list = ended.reason === "lost" ? "lost" : ended.reason === "unstarted" ? "requeued" : "endedWhileAway";
        this.recovery[list].push(job.id);
        this.ends.push([job.id, ended, () => {}]);
      }
    }
    // The workers are known before the first dispatch (and the first submit's notices): a role is not said to have none.
    // Read after adopting: knowing them starts a tick, and nothing is dispatched before what runs is adopted.
    await this.remote?.known(2_000);
    await this.tick();
    if (fireSchedules) await this.schedules.start();
    this.pruner.start();
  }

  // ───────────────────────── submitting ─────────────────────────

  submit(graph: JobGraph, source: string, opts?: SubmitOptions & { allowNoRun?: false }): Promise<SubmittedRun>;
  submit(graph: JobGraph, source: string, opts: SubmitOptions & { allowNoRun: true }): Promise<Submitted>;
  async submit(graph: JobGraph, source: string, opts: SubmitOptions = {}): Promise<Submitted> {
    this.refuseIfClosing();
    refuseUnrunnable(graph, this.sched.settings, this.clock());
    const notices: string[] = [];
    let schedules: ScheduleRecord[] | undefined;
    // A file load replaces its jobset's schedules, with none too: a reload drops the schedules the file no longer has.
    // A job line typed in the shell leaves its jobset's schedules alone unless it brings its own.
    if ((graph.file !== "<shell>" && !opts.keepSchedules) || graph.schedules.length) {
      const registered = await this.schedules.register(graph);
      notices.push(...registered.notices);
      schedules = registered.records;
    }
    const immediate = graph.schedules.length ? unscheduledGraph(graph) : graph;
    notices.push(...this.roleNotices(immediate));
    if (opts.allowNoRun && immediate.jobs.length === 0 && graph.schedules.length) {
      // Only schedules: nothing runs until they fire, so no (empty) run is made.
      return { jobs: [], notices, ...(schedules ? { schedules } : {}) };
    }
    const { run, jobs } = await this.createRun(immediate, { haltOnFailure: opts.haltOnFailure, ...(opts.pjc !== undefined ? { pjc: opts.pjc } : {}) });
    return { run, jobs, notices, ...(schedules ? { schedules } : {}) };
  }

  /** Creates and starts a run of `graph` (also what a schedule firing does). */
  async createRun(
    graph: JobGraph,
    opts: { schedule?: string; haltOnFailure?: boolean; pjc?: number } = {},
  ): Promise<{ run: RunRecord; jobs: JobRecord[] }> {
    this.refuseIfClosing();
    const ids = { runId: this.counters.nextRunId, firstJobId: this.counters.nextJobId };
    const made = instantiate(graph, ids, this.logsDir, this.clock(), (id) => this.sched.jobs.has(id), opts);
    const before = this.counters;
    const counters = { nextRunId: ids.runId + 1, nextJobId: ids.firstJobId + made.jobs.length };
    this.counters = counters; // taken now: a submit arriving while this one writes gets the next numbers
    try {
      await this.store.writeRun(made.jobs, { runs: [made.run], counters });
    } catch (err) {
      // Nothing recorded (a full disk): the numbers go back unless a later submit took numbers after them.
      if (this.counters === counters) this.counters = before;
      throw err;
    }
    this.sched.addRun(made.run, made.jobs);
    this.events.emit({ type: "run", run: made.run });
    for (const job of made.jobs) this.events.emit({ type: "job", job });
    // The run is on disk: it is made, whatever its first dispatch meets. A tick whose write fails (a full
    // disk) has said so and tries again; failing this submit for it would report a recorded run as refused.
    await this.tick().catch(() => {});
    // Records are immutable values: what the tick did to them (dispatch) is in the current ones.
    return { run: this.sched.runs.get(made.run.id)!, jobs: made.jobs.map((j) => this.need(j.id)) };
  }

  // ───────────────────────── reads ─────────────────────────
  // The scheduler's records are immutable values: handed out as they are, never copied.

  listJobs(filter?: JobFilter): JobRecord[] {
    return filterJobs(this.sched.jobs, this.sched.runs, filter);
  }

  getJob(id: number): JobRecord | undefined {
    return this.sched.jobs.get(id);
  }

  settings(): Settings {
    return this.sched.settings;
  }

  listRuns(): RunRecord[] {
    return [...this.sched.runs.values()];
  }

  getRun(id: number): RunRecord | undefined {
    return this.sched.runs.get(id);
  }

  listSchedules(): ScheduleRecord[] {
    return this.schedules.list();
  }

  /** The `pll worker`s serving this server's queue, as last read. */
  workers(): WorkersView {
    return {
      queue: this.queueShown ?? null,
      localRoles: [...this.localRoles],
      workers: (this.remote?.workerList() ?? []).map((w) => ({ name: w.name, host: w.host, roles: w.roles, slots: w.slots, running: w.running.map((r) => r.jobId), live: w.live, lastHeartbeat: w.at })),
    };
  }

  /** What the roles of a graph's jobs will do here: run on this machine for want of a queue, or wait for a worker. */
  private roleNotices(graph: JobGraph): string[] {
    const roles = [...new Set(graph.jobs.flatMap((j) => (j.role !== undefined ? [j.role] : [])))].sort();
    if (!this.remote) return roles.length ? [`role ${roles.join(", ")}: this server has no queue (--queue URL or PLL_QUEUE), so these jobs run on its own machine`] : [];
    const live = new Set(this.remote.workerList().flatMap((w) => (w.live ? w.roles : [])));
    return roles.filter((r) => !live.has(r) && !this.localRoles.has(r)).map((r) => `role ${r}: no live worker serves it yet, so its jobs wait for one (\`pll worker --role ${r}\`; \`pll workers\` lists them)`);
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    return this.events.subscribe(listener);
  }

  // ───────────────────────── user requests ─────────────────────────

  async retry(ids: number[]): Promise<JobRecord[]> {
    this.sched.retry(ids);
    await this.tick();
    return ids.map((id) => this.need(id));
  }

  async kill(targets: number[]): Promise<JobRecord[]> {
    for (const id of targets) {
      const job = this.need(id);
      if (job.state !== "running") throw new UserError("conflict", `job #${id} is ${job.state}, not running`);
    }
    await this.stopProcesses(targets, "killed");
    return targets.map((id) => this.need(id));
  }

  async start(id: number): Promise<JobRecord> {
    this.refuseIfClosing();
    const job = this.sched.forceStart(id);
    this.toSpawn.push(job);
    this.runner.dispatched(job.id);
    await this.tick();
    return this.need(id);
  }

  async cancel(ids: number[]): Promise<JobRecord[]> {
    const { toKill } = this.sched.cancel(ids);
    await this.tick();
    await this.stopProcesses(
      toKill.map((j) => j.id),
      "cancelled",
    );
    return ids.map((id) => this.need(id));
  }

  /** Cancels every open job of a run (Ctrl-C, `overlap replace`). */
  async cancelRun(runId: number): Promise<void> {
    const run = this.sched.runs.get(runId);
    if (!run) throw new UserError("not-found", `no run ${runId}`);
    const open = run.jobIds.filter((id) => {
      const s = this.sched.jobs.get(id)?.state;
      return s === "pending" || s === "running" || s === "blocked";
    });
    await this.cancel(open);
  }

  async setPriority(id: number, priority: Priority): Promise<JobRecord> {
    this.sched.setPriority(id, priority);
    await this.tick();
    return this.need(id);
  }

  async pause(jobset?: string): Promise<Settings> {
    const key = jobset ?? "*";
    const paused = this.sched.settings.paused;
    return this.changeSettings({ paused: paused.includes(key) ? paused : [...paused, key] });
  }

  async resume(jobset?: string): Promise<Settings> {
    const paused = this.sched.settings.paused.filter((p) => (jobset === undefined ? false : p !== jobset));
    return this.changeSettings({ paused });
  }

  async setPjc(n: number | null, jobset?: string): Promise<Settings> {
    if (n !== null) checkPjc(n);
    if (jobset === undefined) return this.changeSettings({ pjc: n });
    const { [jobset]: _old, ...others } = this.sched.settings.jobsetPjc;
    return this.changeSettings({ jobsetPjc: n === null ? others : { ...others, [jobset]: n } });
  }

  async setCapacity(n: number | null): Promise<Settings> {
    if (n !== null && !(Number.isInteger(n) && n >= 0))
      throw new UserError("usage", `capacity: expected a whole number of units, got ${n}`);
    return this.changeSettings({ capacity: n });
  }

  async unschedule(name: string): Promise<void> {
    return this.schedules.unschedule(name);
  }

  async prune(opts: PruneOptions): Promise<PruneResult> {
    this.refuseIfClosing();
    return this.pruner.prune(opts);
  }

  /** Resolves once the retention a run's end set off (and any prune asked before) has finished. */
  retentionSettled(): Promise<void> {
    return this.pruner.settled();
  }

  async close(opts: { killJobs?: boolean } = {}): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.schedules.stop();
    await this.schedules.settled();
    await this.pruner.stop();
    clearTimeout(this.backoffTimer?.handle);
    clearTimeout(this.lazyFlush);
    clearTimeout(this.storeRetry);
    if (opts.killJobs) {
      const running = this.listJobs({ state: "running" }).map((j) => j.id);
      await this.stopProcesses(running, "cancelled");
      this.hooks.killAll();
    }
    await this.tick();
    this.runner.detachAll();
    await this.store.close();
  }

  // ───────────────────────── the tick ─────────────────────────

  /** Resolves once everything requested so far is decided, persisted and acted on. */
  private tick(): Promise<void> {
    return this.ticks.request();
  }

  private async tickOnce(): Promise<void> {
    const ends = this.ends;
    this.ends = [];
    const finished: JobRecord[] = [];
    const recorded = this.unrecordedEnds;
    this.unrecordedEnds = [];
    for (const [id, outcome, done] of ends) {
      // A stale duplicate end changes nothing (and must not fail the others).
      if (this.sched.jobs.get(id)?.state === "running") finished.push(this.sched.finish(id, outcome));
      recorded.push(done);
    }
    // While the store cannot write, nothing new starts: a job must not run before its start is recorded.
    const start = this.closing || this.storeFailing ? [] : this.sched.dispatch().start;
    const forced = this.toSpawn;
    this.toSpawn = [];
    const launches = [...forced, ...start];
    for (const job of start) this.runner.dispatched(job.id); // forced jobs are there since start()
    const changes = this.sched.takeChanges();
    const settings = this.settingsDirty ? this.sched.settings : undefined;
    this.settingsDirty = false;
    // Write-ahead: nothing below happens unless this batch is on disk.
    try {
      await this.store.write({ jobs: changes.jobs, runs: changes.runs, settings });
    } catch (err) {
      // Nothing of it is on disk: the changes are written with the next tick, dispatched jobs wait again
      // (their start was never recorded, so they never started), and dispatch waits until a write succeeds.
      this.sched.untake(changes);
      if (settings) this.settingsDirty = true;
      for (const job of launches) this.runner.unrecorded(job.id);
      this.unrecordedEnds = recorded;
      this.storeTrouble(err);
      throw err;
    }
    if (this.storeFailing) this.storeRecovered();
    for (const job of launches) this.runner.launch(job);
    if (settings) this.events.emit({ type: "settings", settings });
    for (const job of changes.jobs) this.events.emit({ type: "job", job });
    for (const run of changes.runs) {
      this.events.emit({ type: "run", run });
      if (run.state !== "running") {
        this.schedules.onRunEnded(run);
        this.pruner.soon();
      }
    }
    for (const job of finished) {
      if (job.state === "success") this.fireHooks(job, "success", "done");
      else if (job.state === "errored") this.fireHooks(job, "failure", "done");
    }
    for (const done of recorded) done();
    this.armBackoff();
  }

  /** A tick's write failed (a full disk): said once, and tried again every second until it works. */
  private storeTrouble(err: unknown): void {
    if (!this.storeFailing) this.events.notice("error", `the store cannot record changes, so no job starts until it can: ${(err as Error).message}`);
    this.storeFailing = true;
    clearTimeout(this.storeRetry);
    if (!this.closing) this.storeRetry = setTimeout(() => this.ticks.nudge(), 1_000);
  }

  private storeRecovered(): void {
    this.storeFailing = false;
    clearTimeout(this.storeRetry);
    this.events.notice("info", "the store records changes again; jobs start again");
    this.ticks.nudge(); // dispatch what waited
  }

  private jobStarted(id: number, pid: number, worker?: string): void {
    if (!this.sched.started(id, pid, worker)) return;
    // The status log holds the pid already (adoption reads it there), so the store and the
    // event stream learn it lazily: within 200 ms, or with the job's next change, whichever
    // is first. A short job's pid thus costs no record of its own (2,000 trivial jobs wrote
    // 3,865 "running" records, one per job more than their state changes).
    this.lazyFlush ??= setTimeout(() => {
      this.lazyFlush = undefined;
      if (this.sched.pidsDue() > 0 && !this.closing) this.ticks.nudge();
    }, 200);
  }

  /** Resolves once the end is recorded (what a stop waits for). */
  private jobEnded(id: number, outcome: Outcome): Promise<void> {
    const recorded = new Promise<void>((resolve) => this.ends.push([id, outcome, resolve]));
    if (this.router) void recorded.then(() => this.router!.forget(id));
    this.ticks.nudge();
    if (outcome.exitCode !== 0 && diskFull(this.logsDir)) {
      // What the job wrote meanwhile (its own "No space left on device" among it) could not reach its log.
      this.events.notice("warn", `job #${id} failed while the disk holding its logs was full: its output may be incomplete`);
    }
    return recorded;
  }

  private overrun(jobId: number, what: "time" | "output", limit: number): void {
    const job = this.sched.jobs.get(jobId);
    this.events.emit({ type: "overrun", jobId, what, limit });
    if (job) this.fireHooks(job, "overrun");
  }

  /** A job's whole environment: its run's submitter's, its `env`, pll's own (job-env.ts). */
  private envOf(job: JobRecord, attempt: number, extra: Record<string, string> = {}): Record<string, string> {
    return jobEnv(this.home, this.sched.runs.get(job.runId)?.env ?? {}, job, attempt, extra);
  }

  private fireHooks(job: JobRecord, ...events: ("success" | "failure" | "done" | "overrun")[]): void {
    if (!job.hooks.length || this.closing) return;
    for (const e of events) this.hooks.fire(job, e, (extra) => this.envOf(job, job.attempts.length, extra));
  }

  /** One timer, for the earliest retry backoff. */
  private armBackoff(): void {
    const at = this.sched.dispatchAt();
    if (this.backoffTimer && this.backoffTimer.at === at) return;
    clearTimeout(this.backoffTimer?.handle);
    this.backoffTimer = undefined;
    if (at === undefined || this.closing) return;
    const handle = setTimeout(() => {
      this.backoffTimer = undefined;
      this.ticks.nudge();
    }, Math.max(0, at - this.clock()));
    this.backoffTimer = { at, handle };
  }

  /** Stops the jobs' processes; resolves once their ends are recorded. */
  private async stopProcesses(ids: number[], reason: StopReason): Promise<void> {
    await Promise.all(ids.map((id) => this.runner.stop(id, reason)));
  }

  private async changeSettings(change: Partial<Settings>): Promise<Settings> {
    this.sched.updateSettings({ ...this.sched.settings, ...change });
    this.settingsDirty = true;
    await this.tick();
    return this.sched.settings;
  }

  private need(id: number): JobRecord {
    const job = this.sched.jobs.get(id);
    if (!job) throw new UserError("not-found", `no job #${id}`);
    return job;
  }

  private refuseIfClosing(): void {
    if (this.closing) throw new UserError("unavailable", "the engine is shutting down");
  }
}

/** Launchers of the spawner `choice` names; throws (one line) if this host has none. */
function spawnerLauncher(choice: LauncherChoice): LauncherFactory {
  const program = findSpawner(choice);
  return (events, pidFile) => new Spawner(program, events, pidFile);
}

/** Where the engine records its spawner's guardian: beside the logs, in the home. */
const spawnerPidFileOf = (logsDir: string) => path.join(path.dirname(logsDir), "spawner.pid");

/** Is the file system holding `dir` out of space (for us)? Asked only when a job fails: one statfs. */
function diskFull(dir: string): boolean {
  try {
    return statfsSync(dir).bavail === 0;
  } catch {
    return false;
  }
}

function checkPjc(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new UserError("usage", `pjc: expected a whole number of at least 1, got ${n}`);
}
