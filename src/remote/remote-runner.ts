// The JobRunner of `role` jobs (issue 15): each goes to a live `pll worker`
// serving its role with a free slot (the one with the most), as a BullMQ
// request on that worker's own queue; its reports (started, log chunks,
// overrun, ended) come back on the reports queue and are applied in order —
// a log chunk is appended to the job's log files here, and acknowledged so
// that the worker may send more (protocol.ts, LOG_WINDOW). The registry of
// workers is read every heartbeat: the live workers' slots per role become
// the scheduler's role limits, and a worker silent for `lostAfterMs` (by our
// clock, counted only while Redis answers us) has its jobs end as lost.
import { appendFileSync, closeSync, constants, openSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { makeOwnDir } from "../home-check.js";
import { Queue, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Outcome } from "../core/scheduler.js";
import type { JobRecord } from "../core/types.js";
import type { JobRunner, JobRunnerEvents, StopReason } from "../exec/job-runner.js";
import { ackKey, controlKey, registryKey, REPORTS, requestId, workerQueue, type Report, type RunRequest, type StopOrder, type WorkerInfo } from "./protocol.js";
import { connectQueue } from "./connect.js";
import type { QueueConfig } from "./queue-url.js";

export interface RemoteOptions {
  queue: QueueConfig;
  /** how often the registry is read (the workers' heartbeat period) */
  heartbeatMs: number;
  /** a worker silent this long is gone: its jobs are lost */
  lostAfterMs: number;
  /** the whole environment of a job's attempt (job-env.ts), sent with it */
  envOf(job: JobRecord, attempt: number): Record<string, string>;
  /** the directory of the job's jobset file, which a worker's `--cwd` stands for (worker-cwd.ts) */
  baseOf(job: JobRecord): string | undefined;
  /** the live workers' slots per role changed */
  slots(byRole: Map<string, number>): void;
  notice(level: "info" | "warn" | "error", text: string): void;
}

type Entry =
  | { state: "dispatched"; stop?: StopReason }
  /** launched, no worker had a free slot yet */
  | { state: "waiting"; job: JobRecord; attempt: number }
  /** its request is on `worker`'s queue (or it runs there: `pid`) */
  | { state: "sent"; job: JobRecord; attempt: number; worker: string; sentAt: number; pid?: number; stopSent?: boolean }
  /** adopted from an earlier engine: its worker is learnt from the registry or its reports */
  | { state: "adopted"; job: JobRecord; attempt: number; until: number };

interface Live {
  info: WorkerInfo;
  /** our clock when its beat last changed */
  seen: number;
}

export class RemoteRunner implements JobRunner {
  private readonly jobs = new Map<number, Entry>();
  private readonly workers = new Map<string, Live>();
  private readonly queues = new Map<string, Queue>();
  private readonly redis: Redis;
  private reports?: Worker;
  private poll?: NodeJS.Timeout;
  private redisDown = false;
  private closed = false;
  private lastSlots = "";
  private readonly madeDirs = new Set<string>();

  constructor(
    private readonly events: JobRunnerEvents,
    private readonly opts: RemoteOptions,
  ) {
    this.redis = this.connect();
  }

  /** Every connection is ours to close (BullMQ leaves the ones it is given open). */
  private readonly conns: Redis[] = [];

  private connect(): Redis {
    return connectQueue(this.opts.queue, this.conns, () => this.trouble());
  }

  prepare(): void {
    this.reports = new Worker(REPORTS, (job) => this.apply(job), {
      connection: this.connect(),
      prefix: this.opts.queue.prefix,
      concurrency: 1,
      removeOnComplete: { count: 0 },
      removeOnFail: { count: 0 },
    });
    this.reports.on("error", () => this.trouble());
    this.poll = setInterval(() => void this.readRegistry(), this.opts.heartbeatMs);
    this.firstRead = this.readRegistry();
  }

  private firstRead: Promise<void> = Promise.resolve();

  /** Resolves once the registry was read (the workers and their slots are known), or after `ms` if Redis does not answer. */
  known(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([this.firstRead, new Promise<void>((r) => (timer = setTimeout(r, ms)))]).finally(() => clearTimeout(timer));
  }

  dispatched(jobId: number): void {
    this.jobs.set(jobId, { state: "dispatched" });
  }

  launch(job: JobRecord): void {
    const entry = this.jobs.get(job.id);
    if (entry?.state === "dispatched" && entry.stop) return void this.end(job.id, { exitCode: null, reason: entry.stop });
    try {
      makeLogs(job, this.madeDirs);
    } catch (err) {
      return void this.end(job.id, { exitCode: null, reason: "spawn", detail: `could not start: ${(err as Error).message}` });
    }
    this.jobs.set(job.id, { state: "waiting", job, attempt: job.attempts.length });
    this.assign();
  }

  unrecorded(jobId: number): void {
    const entry = this.jobs.get(jobId);
    if (entry?.state !== "dispatched") return;
    void this.end(jobId, entry.stop ? { exitCode: null, reason: entry.stop } : { exitCode: null, reason: "unstarted" });
  }

  adopt(job: JobRecord): Outcome | undefined {
    const attempt = job.attempts.at(-1);
    if (!attempt) return { exitCode: null, reason: "unstarted" };
    // Its worker (or its end, waiting in the reports queue) is found once Redis has been read.
    this.jobs.set(job.id, { state: "adopted", job, attempt: job.attempts.length, until: Date.now() + this.opts.lostAfterMs });
    return undefined;
  }

  stop(jobId: number, reason: StopReason): Promise<void> {
    const entry = this.jobs.get(jobId);
    if (!entry) return this.events.ended(jobId, { exitCode: null, reason });
    if (entry.state === "dispatched") {
      entry.stop ??= reason;
      return new Promise((resolve) => this.waiters(jobId).push(resolve));
    }
    if (entry.state === "waiting" || entry.state === "adopted") return this.end(jobId, { exitCode: null, reason });
    if (!entry.stopSent) {
      entry.stopSent = true;
      const order: StopOrder = { jobId, attempt: entry.attempt, reason };
      void this.redis.rpush(controlKey(this.opts.queue.prefix, entry.worker), JSON.stringify(order));
    }
    return new Promise((resolve) => this.waiters(jobId).push(resolve));
  }

  detachAll(): void {
    this.closed = true;
    clearInterval(this.poll);
    // What is in Redis stays there for the next server (reconcile); nothing of ours keeps this process alive.
    void this.reports?.close(true).catch(() => {});
    for (const q of this.queues.values()) void q.close().catch(() => {});
    // The namespace is free at once for the next server (it would else wait out the claim's expiry).
    const key = `${this.opts.queue.prefix}:server`;
    void this.redis
      .eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0", 1, key, this.claimId)
      .catch(() => {})
      .finally(() => {
        for (const r of this.conns) r.disconnect();
      });
  }

  /** The workers as last read from the registry, with whether each is live. */
  workerList(): (WorkerInfo & { live: boolean })[] {
    const now = Date.now();
    return [...this.workers.values()].map(({ info, seen }) => ({ ...info, live: now - seen < this.opts.lostAfterMs }));
  }

  // ───────────────────────── internals ─────────────────────────

  private readonly stopWaiters = new Map<number, (() => void)[]>();

  private waiters(jobId: number): (() => void)[] {
    let list = this.stopWaiters.get(jobId);
    if (!list) this.stopWaiters.set(jobId, (list = []));
    return list;
  }

  private async end(jobId: number, outcome: Outcome): Promise<void> {
    this.jobs.delete(jobId);
    await this.events.ended(jobId, outcome);
    for (const resolve of this.stopWaiters.get(jobId) ?? []) resolve();
    this.stopWaiters.delete(jobId);
    this.assign();
  }

  /** A worker's queue of requests (or, named, another queue). */
  private queueOf(worker: string, name = workerQueue(worker)): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.redis, prefix: this.opts.queue.prefix });
      q.on("error", () => this.trouble());
      this.queues.set(name, q);
    }
    return q;
  }

  private isLive(w: Live, now = Date.now()): boolean {
    return now - w.seen < this.opts.lostAfterMs;
  }

  /** Sends waiting jobs, in the order they were launched (the scheduler's priority order), to workers with free slots. */
  private assign(): void {
    if (this.closed || this.redisDown) return;
    const used = new Map<string, number>();
    for (const e of this.jobs.values()) if (e.state === "sent") used.set(e.worker, (used.get(e.worker) ?? 0) + 1);
    const now = Date.now();
    for (const [jobId, entry] of this.jobs) {
      if (entry.state !== "waiting") continue;
      let best: Live | undefined;
      let bestFree = 0;
      for (const w of this.workers.values()) {
        if (!this.isLive(w, now) || !w.info.roles.includes(entry.job.role!)) continue;
        const free = w.info.slots - (used.get(w.info.name) ?? 0);
        if (free > bestFree) [best, bestFree] = [w, free];
      }
      if (!best) continue;
      const { name, incarnation } = best.info;
      used.set(name, (used.get(name) ?? 0) + 1);
      this.jobs.set(jobId, { state: "sent", job: entry.job, attempt: entry.attempt, worker: name, sentAt: now });
      const req: RunRequest = { incarnation, attempt: entry.attempt, job: entry.job, env: this.opts.envOf(entry.job, entry.attempt), base: this.opts.baseOf(entry.job) };
      this.queueOf(name)
        .add("run", req, { jobId: requestId(jobId, entry.attempt), removeOnComplete: true, removeOnFail: true })
        .catch(() => this.trouble());
    }
  }

  /** One report from a worker, applied in the order sent; resolves once what it changes is recorded. */
  private async apply(bullJob: Job): Promise<void> {
    const r = bullJob.data as Report;
    let entry = this.jobs.get(r.jobId);
    if (!entry || entry.state === "dispatched" || entry.attempt !== r.attempt) return; // an attempt already written off
    // A report is proof enough of where an adopted job runs (a waiting one has no worker: a stale report).
    if (entry.state === "waiting") return;
    if (entry.state === "adopted") {
      entry = { state: "sent", job: entry.job, attempt: entry.attempt, worker: r.worker, sentAt: 0 };
      this.jobs.set(r.jobId, entry);
    }
    switch (r.type) {
      case "started":
        entry.pid = r.pid;
        this.events.started(r.jobId, r.pid, r.worker);
        return;
      case "log": {
        const key = ackKey(this.opts.queue.prefix, r.jobId, r.attempt);
        const acked = Number((await this.redis.hget(key, r.stream)) ?? 0);
        if (r.offset < acked) return; // applied before a restart
        const data = Buffer.from(r.data, "base64");
        appendFileSync(r.stream === "out" ? entry.job.logOut : entry.job.logErr, data);
        await this.redis.hset(key, r.stream, r.offset + data.length);
        await this.redis.pexpire(key, 86_400_000);
        return;
      }
      case "overrun":
        this.events.overrun(r.jobId, r.what, r.limit);
        return;
      case "ended":
        await this.redis.del(ackKey(this.opts.queue.prefix, r.jobId, r.attempt));
        await this.end(r.jobId, r.outcome);
        return;
    }
  }

  private polling = false;

  private async readRegistry(): Promise<void> {
    if (this.closed || this.polling) return;
    this.polling = true;
    try {
      await this.pollOnce();
    } catch (err) {
      // Only a Redis that does not answer is trouble with Redis (it resets the workers' silence when it is over).
      if (this.redis.status === "ready") this.opts.notice("error", `queue: ${(err as Error).message}`);
      else this.trouble();
    } finally {
      this.polling = false;
    }
  }

  /** this server's claim on its namespace (two servers on one would take each other's reports) */
  private readonly claimId = `${os.hostname()}:${process.pid}:${Date.now()}`;
  private clashSaid = false;
  private foreignSince?: number;

  private async pollOnce(): Promise<void> {
    // While Redis is away this waits (its client queues the command) and the next polls are skipped.
    const all = await this.redis.hgetall(registryKey(this.opts.queue.prefix));
    await this.claimNamespace();
    const now = Date.now();
    if (this.redisDown) {
      this.redisDown = false;
      // Nobody could beat while Redis was away: silence is counted from now.
      for (const w of this.workers.values()) w.seen = now;
      this.opts.notice("info", `the queue's Redis answers again (${this.opts.queue.shown}); role jobs are dispatched again`);
    }
    for (const [name, json] of Object.entries(all)) {
      const info = JSON.parse(json) as WorkerInfo;
      const known = this.workers.get(name);
      if (!known || known.info.beat !== info.beat || known.info.incarnation !== info.incarnation) {
        if (known && known.info.incarnation !== info.incarnation) this.writeOff(known.info, "restarted");
        this.workers.set(name, { info, seen: now });
      }
    }
    for (const w of this.workers.values()) {
      if (!this.isLive(w, now)) this.writeOff(w.info, "silent");
      else this.claim(w.info);
    }
    this.publishSlots(now);
    this.assign();
    await this.reconcile(now);
  }

  /**
   * Jobs that no worker holds: adopted ones no worker claimed, sent ones their (live) worker does not
   * list, a while after — their request is gone from Redis (a Redis restarted without its data), or
   * never got there (the server died first). Once no report waits to be applied (it could be their
   * end), one whose request is still queued is left to its worker; any other never ran (pending
   * again) or, if it had started, is lost.
   */
  private async reconcile(now: number): Promise<void> {
    const suspects: [number, Entry & { state: "adopted" | "sent" }][] = [];
    for (const [jobId, e] of this.jobs) {
      if (e.state === "adopted" && now > e.until) suspects.push([jobId, e]);
      else if (e.state === "sent" && now - e.sentAt > this.opts.lostAfterMs) {
        const w = this.workers.get(e.worker);
        if (w && this.isLive(w, now) && !w.info.running.some((r) => r.jobId === jobId && r.attempt === e.attempt) && w.seen > e.sentAt) suspects.push([jobId, e]);
      }
    }
    if (suspects.length === 0 || !this.reports) return;
    const counts = await this.queueOf("", REPORTS).getJobCounts("wait", "active", "prioritized", "delayed");
    if (Object.values(counts).some((n) => n > 0)) return;
    for (const [jobId, e] of suspects) {
      if (this.jobs.get(jobId) !== e) continue;
      const holders = e.state === "sent" ? [e.worker] : [...this.workers.keys()];
      let queued: string | undefined;
      for (const w of holders) if (await this.queueOf(w).getJob(requestId(jobId, e.attempt))) queued = w;
      if (this.jobs.get(jobId) !== e) continue;
      if (queued) {
        if (e.state === "adopted") this.jobs.set(jobId, { state: "sent", job: e.job, attempt: e.attempt, worker: queued, sentAt: now });
        else e.sentAt = now;
        continue;
      }
      const pid = e.state === "sent" ? e.pid : e.job.attempts.at(-1)?.pid;
      void this.end(jobId, pid === undefined ? { exitCode: null, reason: "unstarted" } : { exitCode: null, reason: "lost", detail: `lost: no worker runs it any more${e.state === "sent" ? ` (it ran on ${e.worker})` : ""}` });
    }
  }

  /** Holds the namespace for this server (renewed at every poll); says once if another server holds it. */
  private async claimNamespace(): Promise<void> {
    const key = `${this.opts.queue.prefix}:server`;
    const ttl = Math.max(3 * this.opts.heartbeatMs, 3_000);
    const got = await this.redis.set(key, this.claimId, "PX", ttl, "NX");
    if (got === "OK") return void (this.foreignSince = undefined);
    const holder = await this.redis.get(key);
    if (holder === this.claimId) return void (await this.redis.pexpire(key, ttl));
    // A server killed a moment ago holds it until its claim expires: only a claim that is renewed is another server.
    this.foreignSince ??= Date.now();
    if (this.clashSaid || Date.now() - this.foreignSince < ttl) return;
    this.clashSaid = true;
    this.opts.notice("error", `another pll server (${holder}) uses the namespace ${this.opts.queue.prefix} on this Redis: their role jobs' reports mix; give each server its own ?ns=NAME`);
  }

  /** Adopted jobs the worker says it runs are its. */
  private claim(info: WorkerInfo): void {
    for (const { jobId, attempt } of info.running) {
      const e = this.jobs.get(jobId);
      if (e?.state === "adopted" && e.attempt === attempt) this.jobs.set(jobId, { state: "sent", job: e.job, attempt, worker: info.name, sentAt: 0 });
    }
  }

  /** The worker is gone (silent, or started again): every job sent to it ends as lost, and is retried if its `retry` allows. */
  private writeOff(info: WorkerInfo, why: "silent" | "restarted"): void {
    const detail =
      why === "silent"
        ? `lost: worker ${info.name} (${info.host}) sent no heartbeat for ${this.opts.lostAfterMs / 1000} s`
        : `lost: worker ${info.name} (${info.host}) restarted while running it`;
    for (const [jobId, e] of this.jobs) {
      if (e.state !== "sent" || e.worker !== info.name) continue;
      void this.queueOf(info.name).remove(requestId(jobId, e.attempt)).catch(() => {});
      void this.end(jobId, { exitCode: null, reason: "lost", detail });
    }
    if (why === "silent") {
      this.workers.delete(info.name);
      void this.redis.hdel(registryKey(this.opts.queue.prefix), info.name).catch(() => {});
      this.opts.notice("warn", `worker ${info.name} (${info.host}) sent no heartbeat for ${this.opts.lostAfterMs / 1000} s: its jobs are lost`);
    }
  }

  private publishSlots(now: number): void {
    const byRole = new Map<string, number>();
    for (const w of this.workers.values()) {
      if (!this.isLive(w, now)) continue;
      for (const role of w.info.roles) byRole.set(role, (byRole.get(role) ?? 0) + w.info.slots);
    }
    const key = JSON.stringify([...byRole].sort());
    if (key === this.lastSlots) return;
    this.lastSlots = key;
    this.opts.slots(byRole);
  }

  private trouble(): void {
    if (this.redisDown || this.closed) return;
    this.redisDown = true;
    this.opts.notice("error", `cannot reach the queue's Redis (${this.opts.queue.shown}): role jobs wait for it; local jobs go on`);
  }
}

/** The job's log files here, as a local launch makes them (in its run's own directory), filled by the worker's log chunks. */
function makeLogs(job: JobRecord, madeDirs: Set<string>): void {
  const dir = path.dirname(job.logOut);
  if (!madeDirs.has(dir)) {
    makeOwnDir(dir);
    madeDirs.add(dir);
  }
  for (const file of [job.logOut, job.logErr]) closeSync(openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o666));
}
