// A run's final state from its jobs' states, once none is pending or running.
import type { JobState, RunState } from "./types.js";

export function runOutcome(states: Iterable<JobState>): RunState {
  let failed = false;
  for (const s of states) {
    if (s === "cancelled") return "cancelled";
    if (s === "errored" || s === "blocked") failed = true;
  }
  return failed ? "failed" : "success";
}
