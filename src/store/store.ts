// The LevelDB store: one database, JSON values, keys prefixed by kind so each
// kind is one ordered range. Writes go through `write`, one db.batch per
// call, so a burst of transitions costs one disk write.
import { Level } from "level";
import { clearHolder, isLockedError, lockedError, writeHolder } from "./store-lock.js";
import type { JobGraph, JobRecord, RunRecord, ScheduleRecord, Settings } from "../core/types.js";

export interface Counters {
  nextJobId: number;
  nextRunId: number;
}

export interface JobsetRecord {
  name: string;
  file: string;
  source: string;
  /** absent for very large graphs: compile `source` to get it back */
  graph?: JobGraph;
  updatedAt: number;
}

export interface StoreContents {
  settings?: Settings;
  counters: Counters;
  runs: RunRecord[];
  jobs: JobRecord[];
  schedules: ScheduleRecord[];
}

/** One atomic write: records to put, schedules to delete. */
export interface StoreWrite {
  jobs?: Iterable<JobRecord>;
  runs?: Iterable<RunRecord>;
  jobsets?: JobsetRecord[];
  schedules?: ScheduleRecord[];
  deleteSchedules?: string[];
  settings?: Settings;
  counters?: Counters;
}

type Op = { type: "put"; key: string; value: unknown } | { type: "del"; key: string };

// Fixed-width numbers keep keys in numeric order.
const num = (n: number) => String(n).padStart(12, "0");
const K = {
  job: (id: number) => `job:${num(id)}`,
  run: (id: number) => `run:${num(id)}`,
  jobset: (name: string) => `jobset:${name}`,
  schedule: (name: string) => `schedule:${name}`,
  settings: "meta:settings",
  counters: "meta:counters",
};
const RUN_CHUNK = 5_000;
// ";" sorts right after ":", closing each prefix range.
const range = (prefix: string) => ({ gt: `${prefix}:`, lt: `${prefix};` });

export class Store {
  private constructor(
    private readonly db: Level<string, unknown>,
    readonly path: string,
  ) {}

  /** Opens (creating) the store; a store held by a live process → UserError naming it. */
  static async open(path: string): Promise<Store> {
    const db = new Level<string, unknown>(path, { valueEncoding: "json" });
    try {
      await db.open();
    } catch (err) {
      if (isLockedError(err)) throw lockedError(path);
      throw err;
    }
    writeHolder(path);
    return new Store(db, path);
  }

  async load(): Promise<StoreContents> {
    const [settings, counters, runs, jobs, schedules] = await Promise.all([
      this.db.get(K.settings) as Promise<Settings | undefined>,
      this.db.get(K.counters) as Promise<Counters | undefined>,
      this.values<RunRecord>("run"),
      this.values<JobRecord>("job"),
      this.values<ScheduleRecord>("schedule"),
    ]);
    return { settings, counters: counters ?? { nextJobId: 1, nextRunId: 1 }, runs, jobs, schedules };
  }

  async write(w: StoreWrite): Promise<void> {
    const ops: Op[] = [];
    for (const j of w.jobs ?? []) ops.push({ type: "put", key: K.job(j.id), value: j });
    for (const r of w.runs ?? []) ops.push({ type: "put", key: K.run(r.id), value: r });
    for (const s of w.jobsets ?? []) ops.push({ type: "put", key: K.jobset(s.name), value: s });
    for (const s of w.schedules ?? []) ops.push({ type: "put", key: K.schedule(s.name), value: s });
    for (const n of w.deleteSchedules ?? []) ops.push({ type: "del", key: K.schedule(n) });
    if (w.settings) ops.push({ type: "put", key: K.settings, value: w.settings });
    if (w.counters) ops.push({ type: "put", key: K.counters, value: w.counters });
    if (ops.length) await this.db.batch(ops);
  }

  /**
   * Writes a new run: its jobs in chunks (a 100k-job run would otherwise be
   * one huge batch encoded at once), then the run record with `rest` in one
   * last batch. Jobs whose run record never got written are ignored on load
   * and their numbers handed out again, since the counters move only with it.
   */
  async writeRun(jobs: JobRecord[], rest: StoreWrite): Promise<void> {
    for (let i = 0; i < jobs.length; i += RUN_CHUNK) await this.write({ jobs: jobs.slice(i, i + RUN_CHUNK) });
    await this.write(rest);
  }

  getJobset(name: string): Promise<JobsetRecord | undefined> {
    return this.db.get(K.jobset(name)) as Promise<JobsetRecord | undefined>;
  }

  // For the schedules module: its records live here too.
  putSchedule(rec: ScheduleRecord): Promise<void> {
    return this.write({ schedules: [rec] });
  }

  deleteSchedule(name: string): Promise<void> {
    return this.write({ deleteSchedules: [name] });
  }

  listSchedules(): Promise<ScheduleRecord[]> {
    return this.values<ScheduleRecord>("schedule");
  }

  async close(): Promise<void> {
    clearHolder(this.path);
    await this.db.close();
  }

  private async values<T>(prefix: string): Promise<T[]> {
    return (await this.db.values(range(prefix)).all()) as T[];
  }
}
