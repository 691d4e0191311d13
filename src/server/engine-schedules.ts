// The engine's side of the schedules contract: the ScheduleHost that gives the
// ScheduleRunner (src/server/schedule-runner.ts) time, timers, the store and the
// power to start and cancel runs. Built once, where the engine is opened.
import type { EngineEvent, JobGraph, RunRecord, RunState } from "../core/types.js";
import type { Store } from "../store/store.js";
import { wallTimer, type ScheduleHost } from "./schedule-runner.js";

/** What the host needs from the engine. */
export interface RunStarter {
  createRun(graph: JobGraph, opts?: { schedule?: string }): Promise<{ run: RunRecord }>;
  getRun(id: number): RunRecord | undefined;
  cancelRun(id: number): Promise<void>;
}

/** `engine()` is asked at each call: the runner is made before the engine that hosts it. */
export function scheduleHost(engine: () => RunStarter, store: Store, now: () => number, emit: (e: EngineEvent) => void): ScheduleHost {
  return {
    now,
    setTimer: wallTimer(now),
    saveSchedule: (rec) => store.putSchedule(rec),
    deleteSchedule: (name) => store.deleteSchedule(name),
    fire: async (rec) => (await engine().createRun(rec.graph, { schedule: rec.name })).run,
    runState: (id): RunState | undefined => engine().getRun(id)?.state,
    cancelRun: (id) => engine().cancelRun(id),
    emit,
  };
}
