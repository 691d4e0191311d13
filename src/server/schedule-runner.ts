// The server's schedule runner: keeps every ScheduleRecord, arms ONE timer for
// the nearest firing (no polling), and turns due firings into runs through the
// host (the engine). The decisions — when, what was missed, overlap — are the
// pure functions of src/core/recurrence.ts; this file only sequences effects:
// persist first, then fire, so a restart never fires the same firing twice.
import { checkSchedule, decideOverlap, describeSchedule, everyProblem, firstFireAt, formatTime, parseAt, planFirings, zoneOf, type MissCause } from "../core/recurrence.js";
import { firingGraph } from "../core/recurrence-graph.js";
import { UserError } from "../core/errors.js";
import type { EngineEvent, JobGraph, RunRecord, RunState, ScheduleRecord } from "../core/types.js";
import { didYouMean } from "../lang/suggest.js";

/** What the runner needs from the engine. `fire` creates and starts a run of `rec.graph` with `schedule: rec.name`; it must not call back into the runner. */
export interface ScheduleHost {
  now(): number;
  /** call `fn` once at wall time `at` (the runner never asks for more than ~24.8 days ahead); returns a cancel function */
  setTimer(at: number, fn: () => void): () => void;
  saveSchedule(rec: ScheduleRecord): Promise<void>;
  deleteSchedule(name: string): Promise<void>;
  fire(rec: ScheduleRecord, at: number): Promise<RunRecord>;
  runState(runId: number): RunState | undefined;
  cancelRun(runId: number): Promise<void>;
  emit(e: EngineEvent): void;
}

/** setTimeout's largest delay (2^31-1 ms, ~24.8 days); longer waits wake early and re-arm. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** skipped entries kept per schedule (each may stand for many firings) */
const SKIPPED_KEPT = 100;

/** A ScheduleHost.setTimer on Node's timers, for the engine to use. */
export function wallTimer(now: () => number): ScheduleHost["setTimer"] {
  return (at, fn) => {
    const handle = setTimeout(fn, Math.min(MAX_TIMER_MS, Math.max(0, at - now())));
    return () => clearTimeout(handle);
  };
}

export class ScheduleRunner {
  private readonly records = new Map<string, ScheduleRecord>();
  private cancelTimer: (() => void) | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly cancelling = new Set<Promise<void>>();
  /**
   * Records changed in memory only: a firing skipped under `overlap` writes
   * nothing (a save is the whole record, firing graph included, and a long run
   * under `every 1s` skips thousands). Saved with the record's next write, or
   * at stop. A crash before that loses only skip entries and an advanced
   * nextFireAt; the restart then treats those firings as missed (catch-up
   * policy), never runs one twice.
   */
  private readonly unsaved = new Set<string>();
  /** per schedule, the skip reason last announced: a streak of skips for one held run is one event */
  private readonly announcedSkip = new Map<string, string>();
  private started = false;
  private stopped = false;

  constructor(private readonly host: ScheduleHost, stored: ScheduleRecord[]) {
    for (const rec of stored) this.records.set(rec.name, structuredClone(rec));
  }

  /** Apply the catch-up policy to firings missed while no server ran, resume queued firings, and arm the timer. */
  start(): Promise<void> {
    return this.serialize(async () => {
      this.started = true;
      const now = this.host.now();
      for (const rec of this.records.values()) {
        // stored by an older version that allowed it (say, `every 1ms`): parked, not fired
        const problem = rec.nextFireAt === null || !rec.spec.every ? undefined : everyProblem(rec.spec.every.ms, rec.spec.every.text);
        if (problem) await this.park(rec, now, `${problem}; load the file again to fix it`);
      }
      for (const rec of this.byNextFire()) await this.handleDue(rec, now, { kind: "downtime" });
      for (const rec of this.records.values()) await this.drainQueue(rec);
      this.arm();
    });
  }

  /** Replace the schedules of `graph.jobset` with the graph's schedules. */
  register(graph: JobGraph): Promise<{ records: ScheduleRecord[]; notices: string[] }> {
    return this.serialize(async () => {
      for (const spec of graph.schedules) {
        const problem = checkSchedule(spec);
        if (problem) throw new UserError("usage", `${spec.loc.file}:${spec.loc.line}:${spec.loc.col}: ${problem}`);
      }
      const now = this.host.now();
      const notices: string[] = [];
      const old = [...this.records.values()].filter((r) => r.jobset === graph.jobset);
      const keep = new Set(graph.schedules.map((s) => s.name));
      for (const rec of old) {
        if (keep.has(rec.name)) continue;
        this.forget(rec.name);
        await this.host.deleteSchedule(rec.name);
      }
      if (old.length > 0) notices.push(`replaced the schedules of jobset ${graph.jobset} (${old.map((r) => r.name).join(", ")})`);
      const records: ScheduleRecord[] = [];
      for (const spec of graph.schedules) {
        const prev = this.records.get(spec.name);
        const rec: ScheduleRecord = {
          name: spec.name,
          jobset: graph.jobset,
          spec,
          graph: firingGraph(graph, spec),
          nextFireAt: firstFireAt(spec, now),
          skipped: [],
          queued: [],
          // the last run stays known, so `overlap` still applies to a run started before the reload
          ...(prev?.lastRunId === undefined ? {} : { lastRunId: prev.lastRunId }),
          ...(prev?.lastFireAt === undefined ? {} : { lastFireAt: prev.lastFireAt }),
          ...(prev?.lastResult === undefined ? {} : { lastResult: prev.lastResult }),
        };
        const tz = zoneOf(spec);
        if (rec.nextFireAt === null) {
          const at = parseAt(spec.at ?? "", tz);
          this.recordSkips(rec, [{ at: typeof at === "number" ? at : now, reason: "the `at` time had already passed when the schedule was loaded" }]);
          notices.push(`schedule ${spec.name}: ${describeSchedule(spec)} is in the past; it will not fire`);
        } else {
          notices.push(`schedule ${spec.name}: ${describeSchedule(spec)} (${tz}), next firing ${formatTime(rec.nextFireAt, tz)}`);
        }
        this.records.set(rec.name, rec);
        this.announcedSkip.delete(rec.name);
        await this.save(rec);
        this.emitSchedule(rec);
        records.push(structuredClone(rec));
      }
      this.arm();
      return { records, notices };
    });
  }

  unschedule(name: string): Promise<void> {
    return this.serialize(async () => {
      if (!this.records.has(name)) {
        throw new UserError("not-found", `no schedule named \`${name}\`${didYouMean(name, this.records.keys())}`);
      }
      this.forget(name);
      await this.host.deleteSchedule(name);
      this.host.emit({ type: "notice", level: "info", message: `unscheduled ${name}` });
      this.arm();
    });
  }

  /** Every schedule, by name, with the last run's result as the host knows it now. */
  list(): ScheduleRecord[] {
    return [...this.records.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((rec) => {
        const state = rec.lastRunId === undefined ? undefined : this.host.runState(rec.lastRunId);
        return structuredClone(state === undefined ? rec : { ...rec, lastResult: state });
      });
  }

  /** The engine calls this when any run ends: records the result and starts a queued firing. */
  onRunEnded(run: RunRecord): void {
    if (run.schedule === undefined) return;
    const name = run.schedule;
    void this.serialize(async () => {
      const rec = this.records.get(name);
      if (!rec || rec.lastRunId !== run.id) return;
      rec.lastResult = run.state;
      await this.save(rec);
      this.emitSchedule(rec);
      await this.drainQueue(rec);
    }).catch((e) => this.report(e));
  }

  /** Cancel the timer; nothing fires after this. What only memory held is saved (await `settled`). */
  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    void this.serialize(async () => {
      for (const name of [...this.unsaved]) {
        const rec = this.records.get(name);
        if (rec) await this.save(rec);
      }
    }).catch((e) => this.report(e));
  }

  /** Resolves when work already begun (saves, firings) is done: await it before closing the store. */
  async settled(): Promise<void> {
    await this.chain;
    await Promise.all(this.cancelling);
  }

  // ── effects, in order ────────────────────────────────────────────────────

  private async handleDue(rec: ScheduleRecord, now: number, cause: MissCause): Promise<void> {
    let plan;
    try {
      plan = planFirings(rec.spec, rec.nextFireAt, now, cause);
    } catch (e) {
      // A stored spec that no longer computes (say, a zone the system dropped)
      // must not spin the timer on a past time: park it, loudly.
      return this.park(rec, now, `cannot compute its firings any more (${(e as Error).message}); load the file again to fix it`);
    }
    if (plan.fire.length === 0 && plan.skip.length === 0) return;
    rec.nextFireAt = plan.nextFireAt;
    this.unsaved.add(rec.name);
    for (const message of plan.notices) this.host.emit({ type: "notice", level: "warn", message });
    // Missed firings (downtime, a late timer) are rare and announced: saved now.
    if (plan.skip.length > 0) await this.skipFirings(rec, plan.skip, { save: true });
    for (const at of plan.fire) await this.fireOne(rec, at);
  }

  /** Stop firing a schedule that cannot fire as stored, and say why. */
  private async park(rec: ScheduleRecord, now: number, reason: string): Promise<void> {
    const at = rec.nextFireAt ?? now;
    rec.nextFireAt = null;
    await this.skipFirings(rec, [{ at, reason }], { save: true, notice: "error" });
  }

  private async fireOne(rec: ScheduleRecord, at: number): Promise<void> {
    const running = rec.lastRunId !== undefined && this.host.runState(rec.lastRunId) === "running";
    const decision = decideOverlap(rec.spec.overlap, running, rec.queued?.length ?? 0, rec.lastRunId);
    switch (decision.act) {
      case "fire":
        return this.launch(rec, at);
      case "replace":
        if (rec.lastRunId !== undefined) this.replaceRun(rec, rec.lastRunId);
        return this.launch(rec, at);
      case "queue":
        (rec.queued ??= []).push(at);
        // a queued firing must survive a restart: saved (with the advanced nextFireAt) in one write
        await this.save(rec);
        this.emitSchedule(rec);
        // the previous run may have ended between the check and now
        return this.drainQueue(rec);
      case "skip": {
        // In memory only, and announced once per streak (the reason names the held run).
        const announced = this.announcedSkip.get(rec.name) === decision.reason;
        this.announcedSkip.set(rec.name, decision.reason);
        return this.skipFirings(rec, [{ at, reason: decision.reason }], { save: false, announce: !announced });
      }
    }
  }

  /** Cancels the last run without waiting for its processes to stop (a kill grace would hold up every schedule); the cancel itself starts now. */
  private replaceRun(rec: ScheduleRecord, runId: number): void {
    const done = this.host.cancelRun(runId).then(
      () => this.host.emit({ type: "notice", level: "info", message: `schedule ${rec.name}: overlap replace cancelled run ${runId}` }),
      // the new run still starts: a firing is not lost to a failed cancel
      (e) => this.host.emit({ type: "notice", level: "warn", message: `schedule ${rec.name}: overlap replace could not cancel run ${runId}: ${(e as Error).message}` }),
    );
    this.cancelling.add(done);
    void done.finally(() => this.cancelling.delete(done));
  }

  private async launch(rec: ScheduleRecord, at: number): Promise<void> {
    // Persisted before firing: a crash from here on loses this firing rather
    // than running it twice after the restart.
    if (this.unsaved.has(rec.name)) await this.save(rec);
    this.announcedSkip.delete(rec.name);
    let run: RunRecord;
    try {
      run = await this.host.fire(rec, at);
    } catch (e) {
      return this.skipFirings(rec, [{ at, reason: `could not start a run: ${(e as Error).message}` }], { save: true, notice: "error" });
    }
    rec.lastFireAt = at;
    rec.lastRunId = run.id;
    rec.lastResult = run.state;
    await this.save(rec);
    this.emitSchedule(rec, { fired: run.id });
  }

  /** `overlap queue`: start the oldest waiting firing once the previous run is no longer running. */
  private async drainQueue(rec: ScheduleRecord): Promise<void> {
    // once stopped, queued firings stay stored for the next start
    if (this.stopped || !rec.queued?.length || !this.records.has(rec.name)) return;
    if (rec.lastRunId !== undefined && this.host.runState(rec.lastRunId) === "running") return;
    const at = rec.queued.shift()!;
    this.unsaved.add(rec.name);
    await this.launch(rec, at);
  }

  private onTimer(): void {
    this.cancelTimer = undefined;
    void this.serialize(async () => {
      if (this.stopped) return;
      const now = this.host.now();
      for (const rec of this.byNextFire()) {
        if (rec.nextFireAt === null || rec.nextFireAt > now) continue;
        // A timer that wakes far past its time means the wall clock jumped
        // (or the machine slept): planFirings applies catch-up, never a burst.
        await this.handleDue(rec, now, { kind: "late", lateMs: now - rec.nextFireAt });
      }
    })
      .catch((e) => this.report(e))
      .finally(() => this.arm());
  }

  /** One timer, for the nearest firing; waits past setTimeout's limit wake early and re-arm. */
  private arm(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (!this.started || this.stopped) return;
    const next = Math.min(...[...this.records.values()].map((r) => r.nextFireAt ?? Infinity));
    if (next === Infinity) return;
    this.cancelTimer = this.host.setTimer(Math.min(next, this.host.now() + MAX_TIMER_MS), () => this.onTimer());
  }

  /**
   * Firings that will not run: kept on the record and announced, each as a
   * schedule event (and a notice, for those a user must act on). Written now
   * when rare and worth a write (missed, parked, failed to start); else, like
   * an overlap skip, with the record's next write or at stop.
   */
  private async skipFirings(
    rec: ScheduleRecord,
    skips: { at: number; reason: string }[],
    how: { save: boolean; announce?: boolean; notice?: "error" },
  ): Promise<void> {
    this.recordSkips(rec, skips);
    if (how.save) await this.save(rec);
    else this.unsaved.add(rec.name);
    if (how.announce === false) return;
    for (const s of skips) {
      this.emitSchedule(rec, { skippedReason: s.reason });
      if (how.notice) this.host.emit({ type: "notice", level: how.notice, message: `schedule ${rec.name}: ${s.reason}` });
    }
  }

  /** In place: a skipped firing allocates its entry and nothing else. */
  private recordSkips(rec: ScheduleRecord, skips: { at: number; reason: string }[]): void {
    rec.skipped.push(...skips);
    if (rec.skipped.length > SKIPPED_KEPT) rec.skipped.splice(0, rec.skipped.length - SKIPPED_KEPT);
  }

  private async save(rec: ScheduleRecord): Promise<void> {
    this.unsaved.delete(rec.name);
    await this.host.saveSchedule(rec);
  }

  private forget(name: string): void {
    this.records.delete(name);
    this.unsaved.delete(name);
    this.announcedSkip.delete(name);
  }

  private emitSchedule(rec: ScheduleRecord, extra: { fired?: number; skippedReason?: string } = {}): void {
    this.host.emit({ type: "schedule", schedule: structuredClone(rec), ...extra });
  }

  private report(e: unknown): void {
    this.host.emit({ type: "notice", level: "error", message: `schedules: ${(e as Error)?.message ?? String(e)}` });
  }

  private byNextFire(): ScheduleRecord[] {
    return [...this.records.values()].sort((a, b) => (a.nextFireAt ?? Infinity) - (b.nextFireAt ?? Infinity));
  }

  /** Runs `fn` after everything queued before it, so timer firings, loads and run ends never interleave. */
  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.chain.then(fn);
    this.chain = result.catch(() => undefined);
    return result;
  }
}
