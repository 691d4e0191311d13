// What an event-stream client has not been sent yet because it reads slower
// than the engine changes (loading 100,000 jobs emits ~70 MB of job events in
// one go). Only the newest event of each job, run and of the settings is kept:
// it carries the whole record, so an older one of the same thing adds nothing.
// What is left is the original stream with superseded events taken out, in
// the original order — every consumer that keeps the latest record per id
// (`pll run`, `wait`, the shell) ends in the same state as with every event.
// Events keep their numbers: what is skipped shows as a gap in the ids, never as an id out of order.
import type { NumberedEvent } from "./event-log.js";
import { recordKeyOf, type RecordKey } from "./event-keys.js";

export class EventBacklog {
  /** keyed by what the event supersedes; news events by a negative counter, apart from job ids */
  private readonly events = new Map<RecordKey, NumberedEvent>();
  private nextOther = -1;
  private othersHeld = 0;

  get size(): number {
    return this.events.size;
  }

  /** Events held that no newer event can replace (notices, overruns, firings): what can grow without bound. */
  get unreplaceable(): number {
    return this.othersHeld;
  }

  push(e: NumberedEvent): void {
    const key = recordKeyOf(e.event);
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
  *take(more: () => boolean): Generator<NumberedEvent> {
    for (const [key, e] of this.events) {
      if (!more()) return;
      this.events.delete(key);
      if (typeof key === "number" && key < 0) this.othersHeld--;
      yield e;
    }
  }
}
