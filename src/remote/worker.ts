// `pll worker`: runs the role jobs a server sends it (issue 15), with the
// same Supervisor and spawner as the server's own jobs — process group,
// timeout that kills the tree, kill with grace, exit code and signal,
// `expect` bounds — and reports back through Redis: its start, its output
// (log-shipper.ts), its end. It takes at most `slots` requests at once (the
// concurrency of its BullMQ queue), heartbeats into the registry, and
// carries out the stop orders the server pushes on its control list.
import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Queue, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Outcome } from "../core/scheduler.js";
import type { JobRecord } from "../core/types.js";
import { findSpawner, Spawner, type LauncherChoice } from "../exec/spawner.js";
import { Supervisor } from "../exec/supervisor.js";
import { descendantGroups, isOurLeader, signalGroup } from "../exec/proc-status.js";
import { homePaths, makeDirs } from "../home.js";
import { LogShipper } from "./log-shipper.js";
import { controlKey, registryKey, REPORTS, requestId, workerQueue, type Report, type RunRequest, type StopOrder, type WorkerInfo } from "./protocol.js";
import { connectQueue } from "./connect.js";
import { workerCwd } from "./worker-cwd.js";
import type { QueueConfig } from "./queue-url.js";

export interface WorkerOptions {
  queue: QueueConfig;
  home: string;
  name: string;
  roles: string[];
  slots: number;
  /** what stands for the directory of a job's jobset file (worker-cwd.ts) */
  cwd: string;
  launcher: LauncherChoice;
  heartbeatMs: number;
  killGraceMs: number;
}

interface Running {
  req: RunRequest;
  shipper: LogShipper;
  done: () => void;
}

const say = (line: string) => process.stderr.write(`pll worker: ${line}\n`);

export class PllWorker {
  private readonly incarnation = randomUUID();
  private readonly redis: Redis;
  private readonly control: Redis;
  private readonly reports: Queue;
  private readonly supervisor: Supervisor;
  private readonly running = new Map<number, Running>();
  /** stop orders that came before their request (jobId.attempt → reason) */
  private readonly stopFirst = new Map<string, string>();
  private bull?: Worker;
  private beat = 0;
  private heartbeat?: NodeJS.Timeout;
  private closing = false;
  private redisDown = false;
  /** every connection, ours to close (BullMQ leaves the ones it is given open) */
  private readonly conns: Redis[] = [];

  private connect(): Redis {
    return connectQueue(this.opts.queue, this.conns, () => this.trouble());
  }

  constructor(private readonly opts: WorkerOptions) {
    this.redis = this.connect();
    this.control = this.connect();
    this.reports = new Queue(REPORTS, { connection: this.connect(), prefix: opts.queue.prefix });
    this.reports.on("error", () => this.trouble());
    const program = findSpawner(opts.launcher);
    this.supervisor = new Supervisor(
      {
        started: (id, pid) => {
          this.ledger.set(id, { jobId: id, attempt: this.attemptOf(id), pid, at: Date.now() });
          this.writeLedger();
          void this.report({ type: "started", jobId: id, attempt: this.attemptOf(id), worker: opts.name, pid });
        },
        ended: (id, outcome) => this.ended(id, outcome),
        overrun: (id, what, limit) => void this.report({ type: "overrun", jobId: id, attempt: this.attemptOf(id), worker: opts.name, what, limit }),
      },
      {
        launcher: (events, pidFile) => new Spawner(program, events, pidFile),
        killGraceMs: opts.killGraceMs,
        clock: Date.now,
        spawnerPidFile: path.join(opts.home, "spawner.pid"),
        // What the server sent with the request: a job runs in its submitter's environment here too.
        envOf: (job) => this.running.get(job.id)?.req.env ?? {},
        workerName: opts.name,
      },
    );
  }

  async start(): Promise<void> {
    await makeDirs(this.opts.home);
    await makeDirs(homePaths(this.opts.home).logs);
    this.supervisor.prepare();
    this.killLeftovers();
    await this.sendBeat();
    this.heartbeat = setInterval(() => void this.sendBeat(), this.opts.heartbeatMs);
    this.bull = new Worker(workerQueue(this.opts.name), (job) => this.run(job), {
      connection: this.connect(),
      prefix: this.opts.queue.prefix,
      concurrency: this.opts.slots,
      // A request whose worker died is not run again by BullMQ: the server decides (lost, then retried or not).
      maxStalledCount: 0,
      removeOnComplete: { count: 0 },
      removeOnFail: { count: 0 },
    });
    this.bull.on("error", () => this.trouble());
    void this.controlLoop();
    say(`${this.opts.name} serving ${this.opts.roles.join(",")} with ${this.opts.slots} slot${this.opts.slots === 1 ? "" : "s"} on ${this.opts.queue.shown}`);
  }

  /** SIGTERM: stop taking requests; running jobs are stopped and reported. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.heartbeat);
    const stopping = [...this.running.keys()].map((id) => this.supervisor.stop(id, "cancelled"));
    await Promise.all(stopping);
    await this.redis.hdel(registryKey(this.opts.queue.prefix), this.opts.name).catch(() => {});
    this.supervisor.detachAll();
    await Promise.race([Promise.all([this.bull?.close(true), this.reports.close()]).catch(() => {}), new Promise((r) => setTimeout(r, 2_000))]);
    for (const r of this.conns) r.disconnect();
  }

  private async run(bullJob: Job): Promise<void> {
    const req = bullJob.data as RunRequest;
    if (req.incarnation !== this.incarnation) return; // meant for an earlier run of this worker: the server has written it off
    const early = this.stopFirst.get(requestId(req.job.id, req.attempt));
    if (early) {
      // Stopped before it was taken: it never runs.
      this.stopFirst.delete(requestId(req.job.id, req.attempt));
      await this.report({ type: "ended", jobId: req.job.id, attempt: req.attempt, worker: this.opts.name, outcome: { exitCode: null, reason: early } });
      return;
    }
    const job = this.localJob(req);
    const files = { out: job.logOut, err: job.logErr };
    const ids = { jobId: job.id, attempt: req.attempt, prefix: this.opts.queue.prefix, worker: this.opts.name };
    await LogShipper.begin(this.redis, ids);
    const done = new Promise<void>((resolve) => {
      const shipper = new LogShipper(files, ids, this.redis, (r) => this.report(r));
      this.running.set(job.id, { req, shipper, done: resolve });
    });
    this.supervisor.dispatched(job.id);
    this.supervisor.launch(job);
    await done;
  }

  /** The job as it runs here: its logs in this worker's home, its cwd here. */
  private localJob({ job, base }: RunRequest): JobRecord {
    const dir = path.join(homePaths(this.opts.home).logs, `job-${job.id}.${job.attempts.length}`);
    const cwd = workerCwd(job.cwd, base, this.opts.cwd);
    return { ...job, cwd, logOut: path.join(dir, `${job.id}.out`), logErr: path.join(dir, `${job.id}.err`) };
  }

  /** The jobs this worker runs, with their pids, on its disk: what a restart after a crash finds there. */
  private readonly ledger = new Map<number, { jobId: number; attempt: number; pid: number; at: number }>();

  private get ledgerFile(): string {
    return path.join(this.opts.home, "worker-jobs.json");
  }

  private writeLedger(): void {
    writeFileSync(this.ledgerFile, JSON.stringify([...this.ledger.values()]));
  }

  /**
   * Jobs an earlier run of this worker left running (it was SIGKILLed, or its machine stopped): the
   * server has written them off as lost (and maybe run them again elsewhere), so they are killed —
   * an attempt never goes on unseen. Their trees get SIGKILL at once.
   */
  private killLeftovers(): void {
    let left: { jobId: number; attempt: number; pid: number; at: number }[] = [];
    try {
      left = JSON.parse(readFileSync(this.ledgerFile, "utf8"));
    } catch {
      // none recorded
    }
    for (const j of left) {
      if (!isOurLeader(j.pid, j.at)) continue;
      for (const g of [j.pid, ...descendantGroups(j.pid)]) signalGroup(g, "SIGKILL");
      say(`killed job #${j.jobId} (attempt ${j.attempt}), left running by this worker's previous run: the server has written it off as lost`);
    }
    this.writeLedger();
  }

  private attemptOf(jobId: number): number {
    return this.running.get(jobId)?.req.attempt ?? 0;
  }

  private async ended(jobId: number, outcome: Outcome): Promise<void> {
    const entry = this.running.get(jobId);
    if (!entry) return;
    await entry.shipper.finish();
    await this.report({ type: "ended", jobId, attempt: entry.req.attempt, worker: this.opts.name, outcome });
    this.running.delete(jobId);
    this.ledger.delete(jobId);
    this.writeLedger();
    entry.done();
    void this.sendBeat();
  }

  private report(r: Report): Promise<unknown> {
    return this.reports.add(r.type, r, { removeOnComplete: true, removeOnFail: true });
  }

  private async controlLoop(): Promise<void> {
    const key = controlKey(this.opts.queue.prefix, this.opts.name);
    while (!this.closing) {
      let popped: [string, string] | null;
      try {
        popped = await this.control.blpop(key, 1);
      } catch {
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (!popped) continue;
      const order = JSON.parse(popped[1]) as StopOrder;
      const reason = order.reason === "killed" ? "killed" : "cancelled";
      const entry = this.running.get(order.jobId);
      if (entry && entry.req.attempt === order.attempt) void this.supervisor.stop(order.jobId, reason);
      else if (!entry) this.stopFirst.set(requestId(order.jobId, order.attempt), reason);
    }
  }

  private async sendBeat(): Promise<void> {
    const info: WorkerInfo = {
      name: this.opts.name,
      host: os.hostname(),
      pid: process.pid,
      roles: this.opts.roles,
      slots: this.opts.slots,
      incarnation: this.incarnation,
      beat: ++this.beat,
      at: Date.now(),
      running: [...this.running.values()].map(({ req }) => ({ jobId: req.job.id, attempt: req.attempt })),
    };
    try {
      await this.redis.hset(registryKey(this.opts.queue.prefix), this.opts.name, JSON.stringify(info));
      if (this.redisDown) say(`Redis answers again at ${this.opts.queue.shown}`);
      this.redisDown = false;
    } catch {
      this.trouble();
    }
  }

  private trouble(): void {
    if (this.redisDown || this.closing) return;
    this.redisDown = true;
    say(`cannot reach Redis at ${this.opts.queue.shown}; running jobs go on, and their reports wait until it answers`);
  }
}
