// The shell's view-model: everything the screen shows, computed from the
// server's jobs, runs, settings and events — no terminal, no I/O, an
// injected clock — so it is tested on its own and stays fast with 100,000
// jobs (the order is kept incrementally; only the visible window is read).
import { FINAL_STATES, type EngineEvent, type JobRecord, type JobState, type RunRecord, type Settings } from "../core/types.js";
import { currentRunsOf } from "../core/ref-syntax.js";
import { limitsBrief, runLimits } from "../core/pjc-limits.js";
import { JobOrder, sortKeyOf } from "./job-order.js";

export const JOB_STATES: readonly JobState[] = ["running", "pending", "blocked", "success", "errored", "skipped", "cancelled"];

export interface ViewFilter {
  jobset?: string;
  state?: JobState;
}

export interface Notice {
  level: "info" | "warn" | "error";
  message: string;
  at: number;
}

/** One chart sample: jobs running at `at`, and jobs finished since the previous sample. */
export interface Sample {
  at: number;
  running: number;
  finished: number;
}

export interface TableWindow {
  rows: JobRecord[];
  /** index (in the filtered list) of rows[0] */
  first: number;
  /** index of the selected job within rows, or -1 */
  selected: number;
  total: number;
}

export interface HeaderInfo {
  jobsets: string[];
  /** the global pjc (null: none); undefined until known */
  pjc: number | null | undefined;
  /** the newest active run's effective pjc and what binds it: `run 4: 2 (global pjc binds; run 3)` */
  runPjc?: string;
  busy: number;
  counts: Record<JobState, number>;
  done: number;
  total: number;
  elapsedMs: number | undefined;
  etaMs: number | undefined;
  paused: string[];
  /** overrun warnings seen in this session */
  overruns: number;
}

const SAMPLES_KEPT = 120;
/** ETA uses the throughput of the last this-many samples. */
const ETA_SAMPLES = 30;
const NOTICES_KEPT = 200;

const emptyCounts = (): Record<JobState, number> =>
  Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;

export class ShellModel {
  readonly jobs = new Map<number, JobRecord>();
  readonly runs = new Map<number, RunRecord>();
  settings: Settings | undefined;
  readonly notices: Notice[] = [];
  /** overrun warnings seen since the shell started: kept on the status line, like failures */
  overruns = 0;
  /** bumped on every change, so the screen re-renders only when something moved */
  version = 0;

  private readonly order = new JobOrder();
  private readonly counts = emptyCounts();
  /** per run: its jobs seen, finished, and per state — the header and the failure line count the current runs */
  private readonly runProgress = new Map<number, { total: number; done: number; counts: Record<JobState, number> }>();
  private readonly sampleList: Sample[] = [];
  private finishedSinceSample = 0;
  private filterValue: ViewFilter = {};
  private filtered: { jobsVersion: number; ids: readonly number[] } | undefined;
  /** bumped only when a job changes: the filtered list is recomputed on that, not on cursor moves */
  private jobsVersion = 0;
  private selectedId: number | undefined;
  private cursor = 0;
  private top = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Records read from the server (at start-up, or after a stream the server
   * could not resume): only those newer than what events said — the caller
   * reconciles them with the stream (client/live-state.ts).
   */
  loadSnapshot(snapshot: { jobs?: JobRecord[]; runs?: RunRecord[]; settings?: Settings }): void {
    for (const run of snapshot.runs ?? []) this.runs.set(run.id, run);
    for (const job of snapshot.jobs ?? []) this.upsertJob(job, false);
    if (snapshot.settings) this.settings = snapshot.settings;
    this.version++;
  }

  apply(event: EngineEvent): void {
    switch (event.type) {
      case "job":
        this.upsertJob(event.job, true);
        break;
      case "run":
        this.runs.set(event.run.id, event.run);
        break;
      case "settings":
        this.settings = event.settings;
        break;
      case "overrun": {
        this.overruns++;
        const name = this.jobs.get(event.jobId)?.name ?? "";
        this.notify("warn", `#${event.jobId} ${name} overran its expected ${event.what} (${event.limit})`);
        break;
      }
      case "schedule":
        if (event.skippedReason) this.notify("warn", `schedule ${event.schedule.name} skipped: ${event.skippedReason}`);
        else if (event.fired !== undefined) this.notify("info", `schedule ${event.schedule.name} fired run ${event.fired}`);
        break;
      case "notice":
        this.notify(event.level, event.message);
        break;
    }
    this.version++;
  }

  notify(level: Notice["level"], message: string): void {
    this.notices.push({ level, message, at: this.now() });
    if (this.notices.length > NOTICES_KEPT) this.notices.splice(0, this.notices.length - NOTICES_KEPT);
    this.version++;
  }

  private upsertJob(job: JobRecord, live: boolean): void {
    const old = this.jobs.get(job.id);
    const wasFinal = old !== undefined && FINAL_STATES.has(old.state);
    const isFinal = FINAL_STATES.has(job.state);
    if (old) this.counts[old.state]--;
    this.counts[job.state]++;
    let progress = this.runProgress.get(job.runId);
    if (!progress) this.runProgress.set(job.runId, (progress = { total: 0, done: 0, counts: emptyCounts() }));
    if (!old) progress.total++;
    if (old) progress.counts[old.state]--;
    progress.counts[job.state]++;
    progress.done += Number(isFinal) - Number(wasFinal);
    this.jobs.set(job.id, job);
    this.order.set(job.id, sortKeyOf(job));
    this.jobsVersion++;
    if (live && isFinal && !wasFinal) this.finishedSinceSample++;
    if (live && job.state === "errored" && old?.state !== "errored") {
      this.notify("error", `#${job.id} ${job.name} failed${job.reason ? `: ${job.reason}` : ""}`);
    }
  }

  /** Jobs in `state` in the current runs (see currentRuns): what the status line's failure count says. */
  countOf(state: JobState): number {
    return this.scopeCounts()[state];
  }

  /** Per state, the jobs of the current runs (all jobs while no run is known yet). */
  private scopeCounts(): Record<JobState, number> {
    if (this.runs.size === 0) return { ...this.counts };
    const counts = emptyCounts();
    for (const run of this.currentRuns()) {
      const p = this.runProgress.get(run.id);
      if (p) for (const s of JOB_STATES) counts[s] += p.counts[s];
    }
    return counts;
  }

  // ───────────── filter, selection and the visible window ─────────────

  get filter(): ViewFilter {
    return this.filterValue;
  }

  setFilter(filter: ViewFilter): void {
    this.filterValue = filter;
    this.filtered = undefined;
    this.top = 0;
    this.version++;
  }

  /** The ids shown, in order; the unfiltered order is used as is, a filter is re-applied only after changes. */
  private visibleIds(): readonly number[] {
    const { jobset, state } = this.filterValue;
    if (jobset === undefined && state === undefined) return this.order.all();
    if (this.filtered?.jobsVersion !== this.jobsVersion) {
      const ids = this.order.all().filter((id) => {
        const job = this.jobs.get(id)!;
        return (jobset === undefined || job.jobset === jobset) && (state === undefined || job.state === state);
      });
      this.filtered = { jobsVersion: this.jobsVersion, ids };
    }
    return this.filtered.ids;
  }

  /** Where the selected job is now (it moves as its state changes); falls back to the last cursor. */
  private cursorIndex(ids: readonly number[]): number {
    if (this.selectedId !== undefined) {
      const unfiltered = ids === this.order.all();
      const i = unfiltered ? this.order.indexOf(this.selectedId) : ids.indexOf(this.selectedId);
      if (i >= 0) return (this.cursor = i);
    }
    return (this.cursor = Math.max(0, Math.min(this.cursor, ids.length - 1)));
  }

  selected(): JobRecord | undefined {
    const ids = this.visibleIds();
    const id = ids[this.cursorIndex(ids)];
    return id === undefined ? undefined : this.jobs.get(id);
  }

  /** Move the selection by `delta` rows (page moves pass the page height). */
  move(delta: number): void {
    const ids = this.visibleIds();
    if (ids.length === 0) return;
    const i = Math.max(0, Math.min(ids.length - 1, this.cursorIndex(ids) + delta));
    this.cursor = i;
    this.selectedId = ids[i];
    this.version++;
  }

  moveTo(where: "first" | "last"): void {
    this.move(where === "first" ? -Infinity : Infinity);
  }

  select(id: number): void {
    this.selectedId = id;
    this.version++;
  }

  /** The rows that fit in `height` lines, scrolled so the selection shows. */
  window(height: number): TableWindow {
    const ids = this.visibleIds();
    const cursor = this.cursorIndex(ids);
    const h = Math.max(1, height);
    if (cursor < this.top) this.top = cursor;
    if (cursor >= this.top + h) this.top = cursor - h + 1;
    this.top = Math.max(0, Math.min(this.top, Math.max(0, ids.length - h)));
    const rows: JobRecord[] = [];
    for (let i = this.top; i < Math.min(ids.length, this.top + h); i++) rows.push(this.jobs.get(ids[i]!)!);
    return { rows, first: this.top, selected: ids.length ? cursor - this.top : -1, total: ids.length };
  }

  // ───────────── chart samples, header, ETA ─────────────

  /** Called once a second by the screen's timer (tests call it with their own clock). */
  sample(): void {
    this.sampleList.push({ at: this.now(), running: this.counts.running, finished: this.finishedSinceSample });
    this.finishedSinceSample = 0;
    if (this.sampleList.length > SAMPLES_KEPT) this.sampleList.shift();
    this.version++;
  }

  samples(): readonly Sample[] {
    return this.sampleList;
  }

  /** The newest active run's effective pjc and what binds it (src/core/pjc-limits.ts). */
  private runPjc(active: RunRecord[]): { runPjc?: string } {
    const run = active[0]; // currentRunsOf: newest first
    return run && this.settings ? { runPjc: `run ${run.id}: ${limitsBrief(runLimits(run, this.settings))}` } : {};
  }

  /** Runs still going; when none, the newest run (so a finished jobset still shows its totals) — the commands' default scope. */
  private currentRuns(): RunRecord[] {
    return currentRunsOf(this.runs.values());
  }

  header(): HeaderInfo {
    const runs = this.currentRuns();
    let done = 0;
    let total = 0;
    for (const run of runs) {
      const p = this.runProgress.get(run.id);
      total += Math.max(run.jobIds.length, p?.total ?? 0);
      done += p?.done ?? 0;
    }
    const active = runs.filter((r) => r.state === "running");
    // A finished run keeps showing how long it took (its ETA then reads 0).
    const ended = runs.length === 1 && runs[0]!.endedAt !== undefined ? runs[0]!.endedAt - runs[0]!.createdAt : undefined;
    const elapsedMs = active.length ? this.now() - Math.min(...active.map((r) => r.createdAt)) : ended;
    return {
      jobsets: [...new Set(runs.map((r) => r.jobset))],
      pjc: this.settings?.pjc,
      ...this.runPjc(active),
      busy: this.counts.running,
      counts: this.scopeCounts(),
      done,
      total,
      elapsedMs,
      etaMs: active.length ? this.eta() : ended !== undefined ? 0 : undefined,
      overruns: this.overruns,
      paused: this.settings?.paused ?? [],
    };
  }

  /** Time left at the recent throughput; undefined until something has finished. */
  eta(): number | undefined {
    const remaining = this.counts.pending + this.counts.running;
    if (remaining === 0) return 0;
    const recent = this.sampleList.slice(-ETA_SAMPLES);
    if (recent.length < 2) return undefined;
    const finished = recent.slice(1).reduce((n, s) => n + s.finished, 0);
    const spanMs = recent[recent.length - 1]!.at - recent[0]!.at;
    if (finished === 0 || spanMs <= 0) return undefined;
    return (remaining / finished) * spanMs;
  }
}
