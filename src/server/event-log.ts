// Every engine event the API server passes on, numbered. The number is the
// event's SSE `id:`; every answer that carries records says (`seq`) which
// number it is consistent with: it reflects every event up to it, and any
// event after it is newer. The last events are kept, so a client that
// reconnects with `Last-Event-ID` is sent what it missed — or, when those are
// no longer kept, told to take a new snapshot.
import type { EngineControl, EngineEvent } from "../core/types.js";

export interface NumberedEvent {
  seq: number;
  event: EngineEvent;
  /** its SSE frame, written once however many clients it goes to */
  frame?: string;
}

/** How many events are kept for replay ($PLL_EVENT_HISTORY; tests shorten it). */
const DEFAULT_HISTORY = 4096;

export class EventLog {
  /** the number of the last event: an answer built now reflects every event up to it */
  seq: number;
  private readonly ring: (NumberedEvent | undefined)[];
  private readonly first: number;
  private readonly listeners = new Set<(e: NumberedEvent) => void>();

  constructor(engine: EngineControl, private readonly capacity: number, now = Date.now()) {
    // Microseconds since the epoch at start: a restarted server numbers its events above any its predecessor
    // sent, so a client's old Last-Event-ID is never mistaken for one of the new server's events.
    this.seq = this.first = now * 1000;
    this.ring = new Array<NumberedEvent | undefined>(capacity);
    engine.subscribe((event) => this.record(event));
  }

  private record(event: EngineEvent): void {
    const numbered: NumberedEvent = { seq: ++this.seq, event };
    this.ring[numbered.seq % this.capacity] = numbered;
    for (const listener of this.listeners) {
      try {
        listener(numbered);
      } catch (err) {
        // One client's failure must not keep the event from the others.
        process.stderr.write(`pll server: an event-stream client failed: ${(err as Error)?.message ?? String(err)}\n`);
      }
    }
  }

  subscribe(listener: (e: NumberedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The events after `seq`, oldest first; undefined when they cannot all be
   * given: some are no longer kept, or `seq` is not a number this server gave.
   */
  since(seq: number): NumberedEvent[] | undefined {
    if (!Number.isSafeInteger(seq) || seq > this.seq || seq < this.first) return undefined;
    if (this.seq - seq > this.capacity) return undefined;
    const missed: NumberedEvent[] = [];
    for (let n = seq + 1; n <= this.seq; n++) missed.push(this.ring[n % this.capacity]!);
    return missed;
  }
}

const logs = new WeakMap<EngineControl, EventLog>();

/** The engine's event log, started on first use: no answer or event can carry a number before it. */
export function eventLog(engine: EngineControl): EventLog {
  let log = logs.get(engine);
  if (!log) {
    const history = Number(process.env.PLL_EVENT_HISTORY);
    log = new EventLog(engine, Number.isSafeInteger(history) && history > 0 ? history : DEFAULT_HISTORY);
    logs.set(engine, log);
  }
  return log;
}

/** The `seq` an answer carries: read when its records are read, never later (a later number would claim newer state). */
export const seqNow = (engine: EngineControl): number => eventLog(engine).seq;
