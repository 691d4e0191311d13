// The plain, serialisable types every part of pll shares: the compiled job
// graph (lang → engine), the stored records (engine ↔ store), the engine's
// events (engine → API → shell), and the engine's control surface.
// Nothing here does I/O; everything here survives JSON.stringify/parse.

// ───────────────────────── compiled job graph (output of src/lang) ─────────

/** A position in a `.pll` source, 1-based. */
export interface SourceLoc {
  file: string;
  line: number;
  col: number;
}

/** Numeric priority: higher runs first. `high`=10, `normal`=0, `low`=-10; integers as written. */
export type Priority = number;
export const PRIORITY_NAMES: Record<string, Priority> = { high: 10, normal: 0, low: -10 };

export type HookEvent = "failure" | "success" | "done" | "overrun";

export interface HookSpec {
  on: HookEvent;
  command: string;
  loc: SourceLoc;
}

export interface RetrySpec {
  /** extra attempts after the first (retry 2 = up to 3 attempts) */
  count: number;
  /** delay before each automatic re-run, ms */
  backoffMs: number;
}

/** What a job is and how it runs: what the compiled spec and the stored record share. */
export interface JobSettings {
  key: string;
  /** what users call it: its label (with `{var}` expanded), else a generated name */
  name: string;
  command: string;
  /** absolute; default the directory of the .pll file */
  cwd: string;
  /** env modifiers and `for` variables; set over the run's submitted environment at spawn (src/exec/job-env.ts) */
  env: Record<string, string>;
  priority: Priority;
  timeoutMs?: number;
  retry: RetrySpec;
  expect?: { timeMs?: number; outputBytes?: number };
  /** skip if this job (same jobset + name) succeeded within this many ms */
  freshMs?: number;
  /** resource units held while running (default 1) */
  units: number;
  role?: string;
  /** hooks in scope, innermost first */
  hooks: HookSpec[];
}

/** One job of a compiled graph. `key` is unique within the graph. */
export interface JobSpec extends JobSettings {
  /** keys of jobs that must succeed (or be skipped) before this one starts */
  deps: string[];
  /** existing store job numbers this waits for (job lines typed in the shell: `after 12 $ …`) */
  afterIds?: number[];
  /** enclosing blocks, innermost first (keys into JobGraph.blocks) */
  blocks: string[];
  loc: SourceLoc;
}

export interface BlockSpec {
  key: string;
  /** its label, or a generated name */
  name: string;
  kind: "seq" | "par";
  /** enclosing block key; undefined for top-level blocks (the file is not a block here) */
  parent?: string;
  /** max jobs of this block running at once */
  pjc?: number;
  /** par only: barrier batches of N items (compiled into deps too) */
  batch?: number;
  /** keys of every job inside, at any depth */
  jobs: string[];
  loc: SourceLoc;
}

export type OverlapPolicy = "skip" | "queue" | "allow" | "replace";
export type CatchupPolicy = "none" | "once" | "all";

export interface ScheduleSpec {
  /** unique within the graph; `<jobset>` for a file-level schedule, else `<jobset>/<item name>` */
  name: string;
  /** job keys that one firing runs (the whole file, or one top-level item) */
  jobs: string[];
  every?: { ms: number; text: string };
  cron?: string;
  at?: string;
  /** IANA zone; undefined = the server's local zone */
  tz?: string;
  overlap: OverlapPolicy;
  catchup: CatchupPolicy;
  loc: SourceLoc;
}

export interface JobGraph {
  /** `jobset NAME`, else the file's base name without `.pll` */
  jobset: string;
  /** absolute path of the source, or "<stdin>" / "<shell>" */
  file: string;
  /** file-level `pjc` setting */
  pjc?: number;
  /** the submitter's environment, the base of every job's (src/exec/job-env.ts); none: jobs get only their `env` and pll's */
  env?: Record<string, string>;
  /** file-level `keep` setting (src/core/retention.ts has the defaults) */
  keep?: Retention;
  jobs: JobSpec[];
  blocks: BlockSpec[];
  schedules: ScheduleSpec[];
}

// ───────────────────────── stored records (src/store) ──────────────────────

export type JobState =
  | "pending"
  | "running"
  | "success"
  | "errored"
  | "blocked"
  | "skipped"
  | "cancelled";

export const FINAL_STATES: ReadonlySet<JobState> = new Set(["success", "errored", "skipped", "cancelled"]);

/**
 * One attempt of a job. Records are immutable values: the scheduler makes a
 * new one for every change, so a reference handed out never changes under
 * its holder.
 */
export type Attempt = RunningAttempt | EndedAttempt;

export interface RunningAttempt {
  readonly n: number;
  readonly startedAt: number;
  /** learnt after the spawn (see `Scheduler.started`) */
  readonly pid?: number;
  /** the `pll worker` that ran it (absent: the server's own machine) */
  readonly worker?: string;
}

/** Has this attempt ended (it has an exit, and more, only then)? */
export const attemptEnded = (a: Attempt): a is EndedAttempt => "endedAt" in a && a.endedAt !== undefined;

export interface EndedAttempt extends RunningAttempt {
  readonly endedAt: number;
  readonly exitCode: number | null;
  readonly signal?: string | null;
  /** why it ended other than by its own exit: "timeout" | "killed" | "lost" | "spawn" */
  readonly reason?: string;
}

/** The fields every job record has, whatever its state. */
export interface JobCommon extends Readonly<JobSettings> {
  /** store-wide, ever-increasing, never reused */
  readonly id: number;
  readonly runId: number;
  readonly jobset: string;
  /** job ids this one waits for */
  readonly deps: readonly number[];
  /** scoped block ids (`<runId>:<blockKey>`), innermost first */
  readonly blocks: readonly string[];
  /** the attempts started so far, oldest first */
  readonly attempts: readonly Attempt[];
  readonly createdAt: number;
  /** $PLL_HOME/logs/<runId>/<id>.out|.err */
  readonly logOut: string;
  readonly logErr: string;
}

/**
 * What a job waiting to run again keeps of its latest attempt: its start,
 * end and exit, and after an automatic retry why it ended ("exit 1",
 * "timeout 10s"). Stored records and the API have always carried them.
 */
interface EarlierAttempt {
  readonly startedAt?: number;
  readonly endedAt?: number;
  readonly exitCode?: number | null;
}

/** Waiting for its dependencies, a slot, or its retry backoff. */
export interface PendingJob extends JobCommon, EarlierAttempt {
  readonly state: "pending";
  /** short human reason its last attempt ended, while it waits to retry automatically */
  readonly reason?: string;
  /** not before this time (retry backoff), ms since epoch */
  readonly notBefore?: number;
}

export interface RunningJob extends JobCommon {
  readonly state: "running";
  /** when the current attempt started */
  readonly startedAt: number;
  /** learnt after the spawn; stored lazily (see `Scheduler.started`) */
  readonly pid?: number;
  /** why the attempt before this one ended, when this one is an automatic retry */
  readonly reason?: string;
}

/** A dependency failed for good; it runs again only if that one is retried. */
export interface BlockedJob extends JobCommon, EarlierAttempt {
  readonly state: "blocked";
  /** "blocked by #12" */
  readonly reason: string;
}

/** Ran to its end: exit 0, or a failure with its retries spent. */
export interface DoneJob extends JobCommon {
  readonly state: "success" | "errored";
  readonly startedAt: number;
  readonly endedAt: number;
  readonly exitCode: number | null;
  /** short human reason for a failure: "exit 1", "timeout 10s", "killed", "lost" */
  readonly reason?: string;
}

/** Ended without a run of its own: cancelled (maybe while running), or skipped as fresh. */
export interface DroppedJob extends JobCommon, EarlierAttempt {
  readonly state: "cancelled" | "skipped";
  readonly endedAt: number;
  /** "cancelled", "halted: #3 failed", "fresh: succeeded in run 4" */
  readonly reason: string;
}

/** A job's stored record: its fields depend on its state (pueue's `TaskStatus` is the model). */
export type JobRecord = PendingJob | RunningJob | BlockedJob | DoneJob | DroppedJob;

/**
 * Any job record read as its JSON has it, every lifecycle field optional: for readers that look
 * across states without narrowing (tests checking stored records).
 */
export type WireJob = JobCommon & {
  readonly state: JobState;
  readonly startedAt?: number;
  readonly endedAt?: number;
  readonly exitCode?: number | null;
  readonly reason?: string;
  readonly notBefore?: number;
  readonly pid?: number;
};
export type WireAttempt = RunningAttempt & Partial<EndedAttempt>;

/** The job's record in state `S`: `JobIn<"running">` is a `RunningJob`, `JobIn<"success">` a `DoneJob`. */
export type JobIn<S extends JobState> = JobRecord extends infer J ? (J extends { readonly state: infer T } ? (S extends T ? J : never) : never) : never;

export type RunState = "running" | "success" | "failed" | "cancelled";

/** A run's record; immutable like the job records (the scheduler makes a new one per change). */
/**
 * How much of a jobset's finished history is kept (`keep` in a file): a
 * finished run older than `ageMs`, or not among its jobset's newest `runs`
 * finished runs, is pruned. Neither set: kept forever.
 */
export interface Retention {
  ageMs?: number;
  runs?: number;
}

export interface RunRecord {
  readonly id: number;
  readonly jobset: string;
  readonly file: string;
  /** schedule that fired it, if any */
  readonly schedule?: string;
  readonly state: RunState;
  readonly createdAt: number;
  readonly endedAt?: number;
  readonly jobIds: readonly number[];
  /** pjc per scoped block id, and the run's own pjc under key "" (see pjcFrom) */
  readonly blockPjc: Readonly<Record<string, number>>;
  /** where the run's own pjc came from: `pll run --pjc N`, the file's `pjc`, or the default (the CPU count); absent in runs of older versions */
  readonly pjcFrom?: "option" | "file" | "default";
  /** the environment of the process that submitted it, without its PLL_* (src/exec/job-env.ts) */
  readonly env?: Readonly<Record<string, string>>;
  /** `pll run --halt-on-failure`: a job's failure (retries spent) cancels the run's pending and blocked jobs */
  readonly haltOnFailure?: boolean;
  /** the file's `keep`, if it had one (else the defaults apply: src/core/retention.ts) */
  readonly keep?: Retention;
}

export interface ScheduleRecord {
  name: string;
  jobset: string;
  spec: ScheduleSpec;
  /** the graph one firing instantiates (the scheduled jobs only) */
  graph: JobGraph;
  nextFireAt: number | null;
  lastFireAt?: number;
  lastRunId?: number;
  lastResult?: RunState;
  /** firings not run, with why — never skipped silently */
  skipped: { at: number; reason: string }[];
  /** `overlap queue`: firing times waiting for the previous run to end, oldest first */
  queued?: number[];
}

export interface Settings {
  /** the global pjc, a cap over every job: null (the default) = none; `pll pjc N` sets it, `pll pjc reset` clears it */
  pjc: number | null;
  /** units capacity; default: unlimited (Infinity is stored as null) */
  capacity: number | null;
  /** paused jobsets; "*" = all */
  paused: string[];
  /** per-jobset pjc, a cap over all runs of the jobset together, set by `pll pjc N JOBSET` (`pll pjc reset JOBSET` clears it) */
  jobsetPjc: Record<string, number>;
}

// ───────────────────────── events (engine → subscribers) ───────────────────

/** One run of a job's hook (src/exec/hook-log.ts keeps them beside the job's logs). */
export interface HookRun {
  /** its number among the job's hook runs, from 1 */
  n: number;
  on: HookEvent;
  command: string;
  /** the job's attempt it ran after */
  attempt: number;
  startedAt: number;
  endedAt?: number;
  /** null: ended by a signal (`signal`), or it could not start (`error`) */
  exitCode?: number | null;
  signal?: string | null;
  error?: string;
  /** the file its output went to */
  log: string;
  /** the output's last 16 KiB, as text (in answers only; not on disk) */
  output?: string;
}

export type EngineEvent =
  | { type: "run"; run: RunRecord }
  | { type: "job"; job: JobRecord }
  | { type: "settings"; settings: Settings }
  | { type: "overrun"; jobId: number; what: "time" | "output"; limit: number }
  | { type: "hook"; jobId: number; hook: HookRun }
  | { type: "schedule"; schedule: ScheduleRecord; fired?: number; skippedReason?: string }
  | { type: "notice"; level: "info" | "warn" | "error"; message: string };

// ───────────────────────── control surface (engine ↔ server/API) ───────────

export interface JobFilter {
  runId?: number;
  state?: JobState;
  /** page: jobs with id > afterId, at most limit */
  afterId?: number;
  limit?: number;
}

/** How a graph is loaded: `allowNoRun` (see `EngineControl.submit`), `haltOnFailure` (see `RunRecord`). */
export interface SubmitOptions {
  allowNoRun?: boolean;
  haltOnFailure?: boolean;
  /** `pll run --pjc N`: this run's own pjc, over the file's (never stored for the jobset) */
  pjc?: number;
  /** `rerun`: a new run of a stored graph, which leaves its jobset's schedules as they are */
  keepSchedules?: boolean;
}

/** What loading a graph did. */
export interface Submitted {
  /** the run started at load; absent (with `allowNoRun`) when every job of the graph is scheduled */
  run?: RunRecord;
  jobs: JobRecord[];
  notices: string[];
  /** the schedules this load registered (a file load replaces its jobset's schedules, also with none) */
  schedules?: ScheduleRecord[];
}
export type SubmittedRun = Submitted & { run: RunRecord };

/**
 * What the engine offers its callers (the HTTP API, `pll run`, tests).
 * Reads are synchronous (the engine holds the live graph in memory);
 * writes are async because they are persisted before they are acted on.
 * Wrong input (unknown job, wrong state) rejects with a UserError (src/core/errors.ts).
 */
/** What `pll prune` / `POST /prune` asks: by age (else by each jobset's retention), of one jobset (else all). */
export interface PruneOptions {
  olderThanMs?: number;
  jobset?: string;
  /** say what would go, remove nothing */
  dryRun?: boolean;
}

export interface PruneResult {
  /** the runs pruned (or that would be, with dryRun), oldest first */
  runs: number[];
  /** how many jobs they held */
  jobs: number;
  dryRun: boolean;
}

/** The `pll worker`s of a server's queue (issue 15), as `GET /workers` gives them. */
export interface WorkersView {
  /** the queue's URL without its password; null: no queue, role jobs run on the server's machine */
  queue: string | null;
  /** roles the server's machine serves itself */
  localRoles: string[];
  workers: { name: string; host: string; roles: string[]; slots: number; running: number[]; live: boolean; lastHeartbeat: number }[];
}

export interface EngineControl {
  /**
   * Store a compiled graph as a new run of its jobset and start it; a file's load (re)registers its jobset's schedules.
   * A graph whose every job is scheduled makes an empty run, or — for callers that pass `allowNoRun` — no run at all.
   */
  submit(graph: JobGraph, source: string, opts?: SubmitOptions & { allowNoRun?: false }): Promise<SubmittedRun>;
  submit(graph: JobGraph, source: string, opts: SubmitOptions & { allowNoRun: true }): Promise<Submitted>;
  listJobs(filter?: JobFilter): JobRecord[];
  getJob(id: number): JobRecord | undefined;
  retry(ids: number[]): Promise<JobRecord[]>;
  kill(ids: number[]): Promise<JobRecord[]>;
  /** start a pending job now, past pjc limits but not past its dependencies */
  start(id: number): Promise<JobRecord>;
  cancel(ids: number[]): Promise<JobRecord[]>;
  setPriority(id: number, priority: Priority): Promise<JobRecord>;
  pause(jobset?: string): Promise<Settings>;
  resume(jobset?: string): Promise<Settings>;
  /** null clears the limit (global, or the jobset's) */
  setPjc(n: number | null, jobset?: string): Promise<Settings>;
  setCapacity(n: number | null): Promise<Settings>;
  settings(): Settings;
  listRuns(): RunRecord[];
  getRun(id: number): RunRecord | undefined;
  listSchedules(): ScheduleRecord[];
  workers(): WorkersView;
  unschedule(name: string): Promise<void>;
  /** forget finished runs (records and logs): those older than `olderThanMs`, else those retention lets go */
  prune(opts: PruneOptions): Promise<PruneResult>;
  /** every state change, in order; returns an unsubscribe function */
  subscribe(listener: (event: EngineEvent) => void): () => void;
  /** stop dispatching and timers and close the store; `killJobs` also stops running jobs (else they are adopted next time) */
  close(opts?: { killJobs?: boolean }): Promise<void>;
}
