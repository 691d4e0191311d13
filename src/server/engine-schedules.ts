// The engine's side of the schedules contract: it hosts the ScheduleRunner
// (src/server/schedules.ts) by giving it time, timers, the store and the
// power to start and cancel runs.
import type { EngineEvent, JobGraph, RunRecord, RunState, ScheduleRecord } from "../core/types.js";
import type { Store } from "../store/store.js";
import { ScheduleRunner, wallTimer, type ScheduleHost } from "./schedules.js";

/** What the wiring needs from the engine. */
export interface RunStarter {
  createRun(graph: JobGraph, opts?: { schedule?: string }): Promise<{ run: RunRecord }>;
  getRun(id: number): RunRecord | undefined;
  cancelRun(id: number): Promise<void>;
}

export class ScheduleWiring {
  private readonly runner: ScheduleRunner;

  constructor(engine: RunStarter, store: Store, stored: ScheduleRecord[], now: () => number, emit: (e: EngineEvent) => void) {
    const host: ScheduleHost = {
      now,
      setTimer: wallTimer(now),
      saveSchedule: (rec) => store.putSchedule(rec),
      deleteSchedule: (name) => store.deleteSchedule(name),
      fire: async (rec) => (await engine.createRun(rec.graph, { schedule: rec.name })).run,
      runState: (id): RunState | undefined => engine.getRun(id)?.state,
      cancelRun: (id) => engine.cancelRun(id),
      emit,
    };
    this.runner = new ScheduleRunner(host, stored);
  }

  start(): Promise<void> {
    return this.runner.start();
  }

  register(graph: JobGraph): Promise<{ records: ScheduleRecord[]; notices: string[] }> {
    return this.runner.register(graph);
  }

  list(): ScheduleRecord[] {
    return this.runner.list();
  }

  unschedule(name: string): Promise<void> {
    return this.runner.unschedule(name);
  }

  onRunEnded(run: RunRecord): void {
    this.runner.onRunEnded(run);
  }

  async stop(): Promise<void> {
    this.runner.stop();
    await this.runner.settled();
  }
}
