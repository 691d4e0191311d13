// What an event or a snapshot record is the whole new state of: a job (by its
// id, a number — no key to allocate per event), a run, or the settings. The
// server's per-client backlog replaces an older event of the same key, and a
// client keeps the newest revision per key; both must agree, so it is here once.
import type { EngineEvent } from "../core/types.js";

export type RecordKey = number | string;

export const jobKey = (id: number): RecordKey => id;
export const runKey = (id: number): RecordKey => `run ${id}`;
export const SETTINGS_KEY: RecordKey = "settings";

/** The record an event carries whole, or undefined for events that are news in themselves (notices, overruns, firings). */
export function recordKeyOf(e: EngineEvent): RecordKey | undefined {
  switch (e.type) {
    case "job":
      return jobKey(e.job.id);
    case "run":
      return runKey(e.run.id);
    case "settings":
      return SETTINGS_KEY;
    default:
      return undefined;
  }
}
