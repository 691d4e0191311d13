// What an event-stream client has not been sent yet because it reads slower
// than the engine changes (loading 100,000 jobs emits ~70 MB of job events in
// one go). Only the newest event of each job, run and of the settings is kept:
// it carries the whole record, so an older one of the same thing adds nothing.
// What is left is the original stream with superseded events taken out, in
// the original order — every consumer that keeps the latest record per id
// (`pll run`, `wait`, the shell) ends in the same state as with every event.
import type { EngineEvent } from "../core/types.js";

/**
 * The thing an event is the whole new state of — a job by its id (a number:
 * no key to allocate per event and client), a run or the settings — or
 * undefined for events that are news in themselves.
 */
function supersedes(e: EngineEvent): number | string | undefined {
  switch (e.type) {
    case "job":
      return e.job.id;
    case "run":
      return `run ${e.run.id}`;
    case "settings":
      return "settings";
    default:
      return undefined;
  }
}

export class EventBacklog {
  /** keyed by what the event supersedes; news events by a negative counter, apart from job ids */
  private readonly events = new Map<string | number, EngineEvent>();
  private nextOther = -1;
  private othersHeld = 0;

  get size(): number {
    return this.events.size;
  }

  /** Events held that no newer event can replace (notices, overruns, firings): what can grow without bound. */
  get unreplaceable(): number {
    return this.othersHeld;
  }

  push(e: EngineEvent): void {
    const key = supersedes(e);
    if (key === undefined) {
      this.events.set(this.nextOther--, e);
      this.othersHeld++;
      return;
    }
    // Delete first, so the newer event takes its own place in the order, not the older one's.
    this.events.delete(key);
    this.events.set(key, e);
  }

  /** Takes events, oldest first, while `more()` says the client can take them. */
  *take(more: () => boolean): Generator<EngineEvent> {
    for (const [key, e] of this.events) {
      if (!more()) return;
      this.events.delete(key);
      if (typeof key === "number" && key < 0) this.othersHeld--;
      yield e;
    }
  }
}
