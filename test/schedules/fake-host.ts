// A ScheduleHost on a fake clock: timers fire only when a test moves time, runs
// are records whose end the test decides. Pure and instant — no processes.
import type { ScheduleHost } from "../../src/server/schedule-runner.js";
import { ScheduleRunner } from "../../src/server/schedule-runner.js";
import type { EngineEvent, JobGraph, RunRecord, RunState, ScheduleRecord, ScheduleSpec } from "../../src/core/types.js";

export const loc = { file: "/x/tick.pll", line: 2, col: 1 };

interface Timer { at: number; fn: () => void; live: boolean }

export class FakeHost implements ScheduleHost {
  readonly saved = new Map<string, ScheduleRecord>();
  /** saveSchedule calls: each is a store write of the whole record */
  saves = 0;
  readonly runs = new Map<number, RunRecord>();
  readonly events: EngineEvent[] = [];
  readonly cancelled: number[] = [];
  /** the most timers ever live at once (the runner promises one) */
  maxLiveTimers = 0;
  /** nextFireAt as stored when each firing happened (persist-before-fire check) */
  readonly storedNextAtFire: (number | null)[] = [];
  failNextFire: string | undefined;
  private timers: Timer[] = [];
  private nextRunId = 1;
  runner!: ScheduleRunner;

  constructor(public t: number) {}

  now(): number {
    return this.t;
  }

  setTimer(at: number, fn: () => void): () => void {
    const timer = { at, fn, live: true };
    this.timers.push(timer);
    this.maxLiveTimers = Math.max(this.maxLiveTimers, this.liveTimers().length);
    return () => {
      timer.live = false;
    };
  }

  liveTimers(): Timer[] {
    return this.timers.filter((x) => x.live);
  }

  async saveSchedule(rec: ScheduleRecord): Promise<void> {
    this.saves++;
    this.saved.set(rec.name, structuredClone(rec));
  }

  async deleteSchedule(name: string): Promise<void> {
    this.saved.delete(name);
  }

  async fire(rec: ScheduleRecord, at: number): Promise<RunRecord> {
    if (this.failNextFire) {
      const message = this.failNextFire;
      this.failNextFire = undefined;
      throw new Error(message);
    }
    this.storedNextAtFire.push(this.saved.get(rec.name)?.nextFireAt ?? null);
    const run: RunRecord = { id: this.nextRunId++, jobset: rec.jobset, file: rec.graph.file, schedule: rec.name, state: "running", createdAt: at, jobIds: [], blockPjc: {} };
    this.runs.set(run.id, run);
    return { ...run };
  }

  runState(runId: number): RunState | undefined {
    return this.runs.get(runId)?.state;
  }

  async cancelRun(runId: number): Promise<void> {
    this.cancelled.push(runId);
    this.endRun(runId, "cancelled");
  }

  emit(e: EngineEvent): void {
    this.events.push(e);
  }

  /** A run ends; the engine would tell the runner. */
  endRun(runId: number, state: RunState): void {
    const run = this.runs.get(runId);
    if (!run) throw new Error(`no run ${runId}`);
    this.runs.set(runId, { ...run, state });
    this.runner.onRunEnded({ ...run, state });
  }

  /** Let time pass until `to`, firing each timer at its time, as a steady clock would. */
  async advance(to: number): Promise<void> {
    for (;;) {
      await this.runner.settled();
      const due = this.liveTimers().filter((x) => x.at <= to).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.live = false;
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = to;
    await this.runner.settled();
  }

  /** The wall clock jumps to `to` while a timer is pending; the timer then fires at its (monotonic) deadline and sees the new time. */
  async jumpThenWake(to: number): Promise<void> {
    this.t = to;
    for (const x of this.liveTimers()) {
      x.live = false;
      x.fn();
    }
    await this.runner.settled();
  }

  /** Runs fired per schedule name, in order. */
  firedRuns(name?: string): RunRecord[] {
    return [...this.runs.values()].filter((r) => name === undefined || r.schedule === name);
  }

  notices(): string[] {
    return this.events.flatMap((e) => (e.type === "notice" ? [e.message] : []));
  }
}

/** A host and a started runner over `stored` records. */
export async function startRunner(t: number, stored: ScheduleRecord[] = [], host = new FakeHost(t)): Promise<FakeHost> {
  host.t = t;
  host.runner = new ScheduleRunner(host, stored);
  await host.runner.start();
  return host;
}

/** A compiled graph of jobset `tick` whose one schedule runs job `a`. */
export function tickGraph(schedule: Partial<ScheduleSpec>, jobset = "tick"): JobGraph {
  return {
    jobset,
    file: `/x/${jobset}.pll`,
    jobs: [{ key: "a", name: "a", command: "echo tick", cwd: "/x", env: {}, priority: 0, deps: [], blocks: [], retry: { count: 0, backoffMs: 0 }, units: 1, hooks: [], loc }],
    blocks: [],
    schedules: [{ name: jobset, jobs: ["a"], overlap: "skip", catchup: "once", loc, ...schedule }],
  };
}
