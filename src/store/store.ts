// The LevelDB store: one database, JSON values, keys prefixed by kind so each
// kind is one ordered range. Writes go through `write`: one line in the
// write-ahead journal (journal.ts), acknowledged once the line is written,
// and folded into LevelDB in batches a moment later. Reads see the journal's
// entries that are not folded yet.
import { readdirSync, rmSync } from "node:fs";
import { Level } from "level";
import { clearHolder, isLockedError, lockedError, writeHolder } from "./store-lock.js";
import { StoreError } from "./store-error.js";
import { type Entries, JournalFile, journalFiles, journalLine, readJournal } from "./journal.js";
import type { JobRecord, RunRecord, ScheduleRecord, Settings } from "../core/types.js";

export interface Counters {
  nextJobId: number;
  nextRunId: number;
}

/**
 * A prune under way (src/server/prune.ts): written before any of these runs'
 * log directories is removed, deleted in the write that deletes their records.
 * Found at open, it is finished before anything reads the store.
 */
export interface PruneIntent {
  runs: number[];
}

export interface StoreContents {
  settings?: Settings;
  counters: Counters;
  runs: RunRecord[];
  jobs: JobRecord[];
  schedules: ScheduleRecord[];
  prune?: PruneIntent;
}

/** One atomic write: records to put, schedules to delete. */
export interface StoreWrite {
  jobs?: Iterable<JobRecord>;
  runs?: Iterable<RunRecord>;
  schedules?: ScheduleRecord[];
  deleteSchedules?: string[];
  /** pruned runs (their jobset names their index key) and jobs (src/server/prune.ts) */
  deleteRuns?: Iterable<Pick<RunRecord, "id" | "jobset">>;
  deleteJobs?: Iterable<number>;
  /** a prune's intent; null deletes it */
  prune?: PruneIntent | null;
  settings?: Settings;
  counters?: Counters;
}

type Op =
  | { type: "put"; key: string; value: string; valueEncoding: "utf8" }
  | { type: "del"; key: string };

/** A fold waits at most this long after a write… */
const FOLD_MS = 200;
/** …or starts at once when this many bytes are waiting. */
const FOLD_BYTES = 4 << 20;
/** A failed fold is tried again after this long. */
const FOLD_RETRY_MS = 1_000;
/** LevelDB batch size when folding or replaying. */
const BATCH_ENTRIES = 5_000;

// Fixed-width numbers keep keys in numeric order.
const num = (n: number) => String(n).padStart(12, "0");
const K = {
  job: (id: number) => `job:${num(id)}`,
  run: (id: number) => `run:${num(id)}`,
  schedule: (name: string) => `schedule:${name}`,
  // `jobset:NAME` keys, written by older versions (source and graph of each file loaded), are never read: load ignores them.
  settings: "meta:settings",
  counters: "meta:counters",
  prune: "meta:prune",
  // Index keys, written in the same journal line as the records they index (see runIndex, jobIndex):
  /** a run not finished: what an open needs of the runs */
  active: (id: number) => `active:${num(id)}`,
  /** a jobset's runs in number order: its latest run, its history */
  runOf: (jobset: string, id: number) => `${jobsetPrefix(jobset)}${num(id)}`,
  /** the last success of a `fresh` job, by jobset and name: {at, runId} */
  fresh: (jobset: string, name: string) => `fresh:${jobset}\u0000${name}`,
  /** present once the index keys cover every record (stores of older versions are indexed at their first open) */
  indexed: "meta:indexed",
};
// NUL cannot be in a jobset's name, so one jobset's keys are never inside another's range ("a" and "a:b").
const jobsetPrefix = (jobset: string) => `jobset-run:${jobset}\u0000`;
const RUN_CHUNK = 5_000;
// ";" sorts right after ":", closing each prefix range.
const range = (prefix: string) => ({ gt: `${prefix}:`, lt: `${prefix};` });
/** The first key after every key that starts with `prefix`. */
const prefixEnd = (prefix: string) => prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);

/** The index entries of a run record: `active:` while it runs, its jobset's run key always. */
function runIndex(r: RunRecord): [string, string | null][] {
  return [
    [K.active(r.id), r.state === "running" ? "1" : null],
    [K.runOf(r.jobset, r.id), "1"],
  ];
}

/** The index entry of a job record: a success of a `fresh` job. */
function jobIndex(j: JobRecord): [string, string] | undefined {
  if (j.state !== "success" || j.freshMs === undefined) return undefined;
  return [K.fresh(j.jobset, j.name), JSON.stringify({ at: j.endedAt, runId: j.runId })];
}

/** A page of runs, newest first. */
export interface RunPage {
  /** runs numbered below this one (the page before); absent: from the newest */
  before?: number;
  limit: number;
}

interface Generation {
  journal: JournalFile;
  entries: Entries;
}

export class Store {
  /** the generation written to now */
  private current: Generation;
  /** older generations whose fold into LevelDB has not finished, oldest first */
  private readonly folding: Generation[] = [];
  private folder: Promise<void> = Promise.resolve();
  private foldTimer: NodeJS.Timeout | undefined;
  /** LevelDB refused the last fold */
  private foldFailing = false;
  /** the trouble last said on stderr, until things work again */
  private reported?: string;
  private closed = false;
  private closing?: Promise<void>;
  /**
   * A batch into LevelDB failed: its log may end in a torn record, and LevelDB
   * would append the next batches after it — where its recovery, at the next
   * open, drops them with the tear ("checksum mismatch"), after their journal
   * files were removed. So nothing more is written to this LevelDB until it has
   * been closed and opened again (its recovery cuts the tear off first).
   */
  private dbTorn = false;
  /** while LevelDB is being reopened, reads wait for it */
  private reopening?: Promise<void>;

  private constructor(
    private readonly db: Level<string, unknown>,
    readonly path: string,
    gen: number,
  ) {
    this.current = { journal: new JournalFile(path, gen), entries: new Map() };
  }

  /**
   * Opens (creating) the store and replays its journal; a store held by a live process → UserError (kind "locked") naming it.
   * `reindex`: build the index keys again from the records (after LevelDB's repair, which may have lost some of either).
   */
  static async open(path: string, opts: { reindex?: boolean } = {}): Promise<Store> {
    // A store that was there must still be there: with its CURRENT file gone LevelDB would quietly start an
    // empty one over the old files (and delete them as obsolete), so it is made only where none exists.
    const db = new Level<string, unknown>(path, { valueEncoding: "json", createIfMissing: !hasLevelFiles(path) });
    try {
      await db.open();
    } catch (err) {
      if (isLockedError(err)) throw lockedError(path);
      throw openError(path, err);
    }
    writeHolder(path);
    try {
      const files = journalFiles(path);
      const left: Entries = new Map();
      for (const f of files) readJournal(f.file, left);
      await batchAll(db, left);
      // A replayed file left behind would be replayed again later, over newer values folded since: fail instead.
      for (const f of files) rmSync(f.file, { force: true });
      if (opts.reindex || (await db.get(K.indexed)) === undefined) await buildIndex(db);
      return new Store(db, path, (files.at(-1)?.gen ?? 0) + 1);
    } catch (err) {
      clearHolder(path);
      await db.close();
      throw err instanceof Error && /IO error/.test(err.message) ? openError(path, err) : err;
    }
  }

  /** Everything the store holds. */
  load(): Promise<StoreContents> {
    return this.contents(async () => {
      const [runs, jobs] = await Promise.all([this.values<RunRecord>("run"), this.values<JobRecord>("job")]);
      return { runs, jobs };
    });
  }

  /** What a scheduler needs at open: the runs not finished and their jobs (with settings, counters, schedules, a prune's intent). */
  loadActive(): Promise<StoreContents> {
    return this.contents(async () => {
      const runs = await this.activeRuns();
      return { runs, jobs: (await Promise.all(runs.map((r) => this.jobsOf(r)))).flat() };
    });
  }

  private async contents(records: () => Promise<Pick<StoreContents, "runs" | "jobs">>): Promise<StoreContents> {
    try {
      const [settings, counters, { runs, jobs }, schedules, prune] = await Promise.all([
        this.get<Settings>(K.settings),
        this.get<Counters>(K.counters),
        records(),
        this.values<ScheduleRecord>("schedule"),
        this.get<PruneIntent>(K.prune),
      ]);
      return { settings, counters: counters ?? { nextJobId: 1, nextRunId: 1 }, runs, jobs, schedules, ...(prune ? { prune } : {}) };
    } catch (err) {
      throw damagedError(this.path, `cannot be read: ${oneLine(err)}`);
    }
  }

  /** One atomic write, on disk (in the journal) when the promise resolves. */
  async write(w: StoreWrite): Promise<void> {
    const entries: [string, string | null][] = [];
    for (const j of w.jobs ?? []) {
      entries.push([K.job(j.id), JSON.stringify(j)]);
      const fresh = jobIndex(j);
      if (fresh) entries.push(fresh);
    }
    for (const r of w.runs ?? []) entries.push([K.run(r.id), JSON.stringify(r)], ...runIndex(r));
    for (const s of w.schedules ?? []) entries.push([K.schedule(s.name), JSON.stringify(s)]);
    for (const n of w.deleteSchedules ?? []) entries.push([K.schedule(n), null]);
    for (const id of w.deleteJobs ?? []) entries.push([K.job(id), null]);
    for (const r of w.deleteRuns ?? []) entries.push([K.run(r.id), null], [K.active(r.id), null], [K.runOf(r.jobset, r.id), null]);
    if (w.prune !== undefined) entries.push([K.prune, w.prune && JSON.stringify(w.prune)]);
    if (w.settings) entries.push([K.settings, JSON.stringify(w.settings)]);
    if (w.counters) entries.push([K.counters, JSON.stringify(w.counters)]);
    if (!entries.length) return;
    if (this.closed) throw new Error(`the store ${this.path} is closed`);
    if (this.current.journal.torn) this.rotate();
    try {
      this.current.journal.append(journalLine(entries));
    } catch (err) {
      throw writeError(this.path, err);
    }
    for (const [k, v] of entries) this.current.entries.set(k, v);
    // The write is done here. A fold that fails now only leaves its journal to replay, so its error is not this write's.
    if (this.current.journal.size >= FOLD_BYTES && !this.foldFailing) await this.fold().catch(() => {});
    else this.armFold(FOLD_MS);
  }

  /**
   * Writes a new run: its jobs in chunks (a 100k-job run would otherwise be
   * one huge write encoded at once), then the run record with `rest` in one
   * last write. Jobs whose run record never got written are ignored on load
   * and their numbers handed out again, since the counters move only with it.
   */
  async writeRun(jobs: JobRecord[], rest: StoreWrite): Promise<void> {
    for (let i = 0; i < jobs.length; i += RUN_CHUNK) await this.write({ jobs: jobs.slice(i, i + RUN_CHUNK) });
    await this.write(rest);
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

  // ── reads over the index keys: what is not in memory is read here, a range at a time ──

  getRun(id: number): Promise<RunRecord | undefined> {
    return this.get<RunRecord>(K.run(id));
  }

  getJob(id: number): Promise<JobRecord | undefined> {
    return this.get<JobRecord>(K.job(id));
  }

  /** The runs not finished, in number order. */
  async activeRuns(): Promise<RunRecord[]> {
    const keys = await this.entriesIn("active:");
    return this.getMany<RunRecord>(keys.map(([k]) => K.run(Number(k.slice("active:".length)))));
  }

  /** A run's jobs, in job order (a job whose record is missing is left out). */
  jobsOf(run: Pick<RunRecord, "jobIds">): Promise<JobRecord[]> {
    return this.getMany<JobRecord>([...run.jobIds].sort((a, b) => a - b).map(K.job));
  }

  /** Runs newest first, a page at a time; with `jobset`, that jobset's only. */
  async runsNewestFirst(page: RunPage, jobset?: string): Promise<RunRecord[]> {
    const prefix = jobset === undefined ? "run:" : jobsetPrefix(jobset);
    const below = page.before === undefined ? undefined : `${prefix}${num(page.before)}`;
    const keys = await this.entriesIn(prefix, { reverse: true, limit: page.limit, ...(below ? { below } : {}) });
    if (jobset === undefined) return keys.map(([, v]) => v as RunRecord);
    return this.getMany<RunRecord>(keys.map(([k]) => K.run(Number(k.slice(prefix.length)))));
  }

  /** The last success recorded of a `fresh` job of `jobset` named `name`. */
  lastSuccess(jobset: string, name: string): Promise<{ at: number; runId: number } | undefined> {
    return this.get(K.fresh(jobset, name));
  }

  /** Folds what the journal holds into LevelDB and closes both; a fold that fails leaves its journal for the next open. */
  close(): Promise<void> {
    return (this.closing ??= this.closeOnce());
  }

  private async closeOnce(): Promise<void> {
    this.closed = true;
    clearTimeout(this.foldTimer);
    // No new generation: the last one is folded as it is (a file created now could race a removal of the home).
    this.current.journal.close();
    if (this.current.entries.size || this.current.journal.torn) this.folding.push(this.current);
    else this.current.journal.remove();
    try {
      await this.foldOlder();
    } catch {
      // kept in the journal files, replayed on the next open
    }
    clearHolder(this.path);
    await this.db.close();
  }

  /**
   * Starts a new generation and folds every older one into LevelDB, oldest
   * first; resolves when they are all folded. A failed fold (disk full, a
   * LevelDB error) keeps its generation, journal file and all, and is tried
   * again a second later; meanwhile writes go on in the current generation
   * rather than in a new file per attempt. Never throws: it rejects.
   */
  fold(): Promise<void> {
    if (this.closed) return Promise.resolve();
    clearTimeout(this.foldTimer);
    this.foldTimer = undefined;
    if ((this.current.entries.size || this.current.journal.torn) && !this.foldFailing) {
      try {
        this.rotate();
        this.recovered();
      } catch (err) {
        // No next journal file (EMFILE, ENOSPC, EACCES): keep appending to this one, fold the older ones.
        this.trouble(`cannot start a new journal file (${(err as Error).message})`);
      }
    }
    return this.foldOlder();
  }

  private foldOlder(): Promise<void> {
    const done = this.folder.then(async () => {
      while (this.folding.length) {
        const gen = this.folding[0]!;
        if (this.dbTorn) await this.reopenDb();
        // Synced: its journal file goes next, and a machine that loses power must not lose both.
        try {
          await batchAll(this.db, gen.entries);
        } catch (err) {
          this.dbTorn = true;
          throw err;
        }
        gen.journal.remove();
        this.folding.shift();
        this.foldFailing = false;
        this.recovered();
      }
    });
    // The chain goes on after a failure; this caller hears of it.
    this.folder = done.catch((err) => {
      this.foldFailing = true; // no new generation per attempt meanwhile: writes stay in the current one
      this.trouble(`cannot fold its journal into LevelDB (${(err as Error)?.message ?? String(err)})`);
    });
    return done;
  }

  /** Says what went wrong (once, not at every retry) and tries again in a second; writes go on in the journal. */
  private trouble(what: string): void {
    if (this.reported !== what) process.stderr.write(`pll: the store ${what}; writes go on in the journal, retrying every second\n`);
    this.reported = what;
    this.armFold(FOLD_RETRY_MS);
  }

  private recovered(): void {
    if (this.reported === undefined) return;
    this.reported = undefined;
    process.stderr.write("pll: the store folds its journal into LevelDB again\n");
  }

  private armFold(ms: number): void {
    if (this.closed) return;
    this.foldTimer ??= setTimeout(() => void this.fold().catch(() => {}), ms).unref();
  }

  /** Closes and opens LevelDB, whose recovery drops a torn last record; reads wait meanwhile. */
  private async reopenDb(): Promise<void> {
    const done = (async () => {
      if (this.db.status === "open") await this.db.close();
      await this.db.open();
    })();
    this.reopening = done.catch(() => {});
    try {
      await done;
      this.dbTorn = false;
    } finally {
      this.reopening = undefined;
    }
  }

  private rotate(): void {
    const next = new JournalFile(this.path, this.current.journal.gen + 1);
    this.current.journal.close();
    this.folding.push(this.current);
    this.current = { journal: next, entries: new Map() };
  }

  /** The newest value of `key`: the journal's generations, newest first, then LevelDB. */
  private async get<T>(key: string): Promise<T | undefined> {
    await this.reopening;
    for (const e of this.overlays(true)) {
      const v = e.get(key);
      if (v !== undefined) return v === null ? undefined : (JSON.parse(v) as T);
    }
    return (await this.db.get(key)) as T | undefined;
  }

  private async values<T>(prefix: string): Promise<T[]> {
    await this.reopening;
    const overlays = this.overlays(false).filter((e) => e.size);
    if (!overlays.length) return (await this.db.values(range(prefix)).all()) as T[];
    const merged = new Map<string, unknown>(await this.db.iterator(range(prefix)).all());
    for (const e of overlays)
      for (const [k, v] of e) if (k.startsWith(`${prefix}:`)) v === null ? merged.delete(k) : merged.set(k, JSON.parse(v));
    // LevelDB's order is the bytes' order, not JavaScript's (UTF-16) one.
    return [...merged.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))).map((k) => merged.get(k) as T);
  }

  /** The newest values of `keys`, those that exist, in the order asked. */
  private async getMany<T>(keys: string[]): Promise<T[]> {
    await this.reopening;
    const overlays = this.overlays(true);
    const found: (string | null | undefined)[] = keys.map((k) => {
      for (const e of overlays) {
        const v = e.get(k);
        if (v !== undefined) return v;
      }
      return undefined;
    });
    const fromDb = keys.filter((_, i) => found[i] === undefined);
    const stored = fromDb.length ? await this.db.getMany(fromDb) : [];
    let next = 0;
    const out: T[] = [];
    for (const v of found) {
      const value = v === undefined ? stored[next++] : v === null ? undefined : JSON.parse(v);
      if (value !== undefined) out.push(value as T);
    }
    return out;
  }

  /**
   * The entries whose keys start with `prefix` (and sort before `below`), in key order or reversed,
   * at most `limit`: LevelDB's, with the journal's newer values over them.
   */
  private async entriesIn(prefix: string, opts: { reverse?: boolean; limit?: number; below?: string } = {}): Promise<[string, unknown][]> {
    await this.reopening;
    const end = opts.below ?? prefixEnd(prefix);
    const inRange = (k: string) => k.startsWith(prefix) && Buffer.compare(Buffer.from(k), Buffer.from(end)) < 0;
    const newer = new Map<string, string | null>();
    for (const e of this.overlays(false)) for (const [k, v] of e) if (inRange(k)) newer.set(k, v);
    let deleted = 0;
    for (const v of newer.values()) if (v === null) deleted++;
    // Each deletion in the journal may hide one of LevelDB's entries: read that many more.
    const limit = opts.limit === undefined ? -1 : opts.limit + deleted;
    const fromDb = await this.db.iterator({ gte: prefix, lt: end, reverse: opts.reverse ?? false, limit }).all();
    if (!newer.size) return fromDb;
    const merged = new Map<string, unknown>(fromDb);
    for (const [k, v] of newer) v === null ? merged.delete(k) : merged.set(k, JSON.parse(v));
    const keys = [...merged.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    if (opts.reverse) keys.reverse();
    return keys.slice(0, opts.limit ?? keys.length).map((k) => [k, merged.get(k)]);
  }

  private overlays(newestFirst: boolean): Entries[] {
    const all = [...this.folding.map((g) => g.entries), this.current.entries];
    return newestFirst ? all.reverse() : all;
  }
}

/** LevelDB's "failed to open", with its cause said in one line, and what to do. */
function openError(path: string, err: unknown): Error {
  const cause = oneLine(err);
  if (/No space left|ENOSPC/i.test(cause)) return new StoreError("store-full", `cannot open the store ${path}: ${cause} — the disk is full: free some space and try again`);
  if (/create_if_missing is false/.test(cause)) return damagedError(path, "has lost its CURRENT file (LevelDB's index of its files)");
  return damagedError(path, `cannot be opened: ${cause}`);
}

/** A store that is damaged: what is wrong, and what to do (pll doctor keeps a copy before it repairs). */
export function damagedError(path: string, what: string): StoreError {
  return new StoreError("store-damaged", `the store ${path} ${what} — nothing was changed; \`pll doctor\` says more, \`pll doctor --repair\` repairs it and keeps a copy`);
}

const oneLine = (err: unknown): string => {
  const e = err as { message?: string; cause?: { message?: string } } | undefined;
  return (e?.cause?.message ?? e?.message ?? String(err)).replace(/\s+/g, " ");
};

/** Does `path` hold a LevelDB's files (a store that existed), not just nothing or a stray lock? */
export function hasLevelFiles(path: string): boolean {
  try {
    return readdirSync(path).some((n) => n === "CURRENT" || /^MANIFEST-|\.(ldb|sst|log)$/.test(n));
  } catch {
    return false;
  }
}

/** A journal append that failed: nothing of that write was recorded (the file is cut back to its last whole line). */
function writeError(path: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === "ENOSPC" || code === "EDQUOT")
    return new StoreError("store-full", `cannot record the change: the disk holding ${path} is full (${code}); nothing was changed — free some space and try again`);
  return new StoreError("store-unwritable", `cannot record the change in ${path}: ${(err as Error)?.message ?? String(err)}; nothing was changed`);
}

/**
 * Writes the index keys of every run and job record again (a store of an older version has none;
 * a repaired one may have lost some), then marks it indexed. Streams the records; a crash halfway
 * only means it is done again at the next open.
 */
async function buildIndex(db: Level<string, unknown>): Promise<void> {
  await db.batch([{ type: "del", key: K.indexed }], { sync: true }); // first: a crash below means "not indexed"
  for (const prefix of ["active:", "jobset-run:", "fresh:"]) await db.clear({ gte: prefix, lt: prefixEnd(prefix) });
  const pending = new Map<string, string | null>();
  const flush = async () => {
    await batchAll(db, pending);
    pending.clear();
  };
  for await (const [, run] of db.iterator(range("run"))) {
    for (const [k, v] of runIndex(run as RunRecord)) pending.set(k, v);
    if (pending.size >= BATCH_ENTRIES) await flush();
  }
  const fresh = new Map<string, { at: number; runId: number }>();
  // Read as text: only the few records of `fresh` jobs are worth parsing.
  for await (const [, text] of db.iterator<string, string>({ ...range("job"), valueEncoding: "utf8" })) {
    if (!text.includes('"freshMs"')) continue;
    const entry = jobIndex(JSON.parse(text) as JobRecord);
    if (!entry) continue;
    const value = JSON.parse(entry[1]) as { at: number; runId: number };
    if ((fresh.get(entry[0])?.at ?? -Infinity) <= value.at) fresh.set(entry[0], value);
  }
  for (const [k, v] of fresh) pending.set(k, JSON.stringify(v));
  pending.set(K.indexed, "1");
  await flush();
}

/** Puts `entries` into LevelDB, on disk (fsync) when this resolves: its journal file may go next. */
async function batchAll(db: Level<string, unknown>, entries: Entries): Promise<void> {
  let ops: Op[] = [];
  let left = entries.size;
  for (const [key, value] of entries) {
    ops.push(value === null ? { type: "del", key } : { type: "put", key, value, valueEncoding: "utf8" });
    left--;
    // LevelDB writes its log in order: syncing the last batch puts the earlier ones on disk too.
    if (ops.length >= BATCH_ENTRIES || left === 0) {
      await db.batch(ops, { sync: left === 0 });
      ops = [];
    }
  }
}
