// The one place where a client's view of the server is reconciled. A client
// that shows live state reads a snapshot (answers that carry records, each
// saying which event number `seq` it is consistent with) and follows the event
// stream (each event numbered, in order). One rule decides: a record — from a
// snapshot or an event — is taken only if its number is newer than the
// record known of the same job, run or settings; and an event is taken once,
// however often a reconnect replays it. While a snapshot is read, events wait,
// so the caller applies the snapshot first and then only what is newer.
// `pll run` (client/follow.ts), `wait` and the shell all reconcile here.
import type { EngineEvent, JobRecord, RunRecord } from "../core/types.js";
import { jobKey, recordKeyOf, runKey, SETTINGS_KEY, type RecordKey } from "../server/event-keys.js";
import type { Client, EventStream, StreamReady } from "./client.js";

/** Records an answer carried, and the event number it is consistent with (absent from servers before event numbers). */
export type SnapshotSeen = (jobs: JobRecord[], seq: number | undefined) => void;

export const jobKeyOf = (j: JobRecord): RecordKey => jobKey(j.id);
export const runKeyOf = (r: RunRecord): RecordKey => runKey(r.id);
export const settingsKey = (): RecordKey => SETTINGS_KEY;

export interface Subscribed {
  /** read a snapshot, `adopt` it and `release()`: the first time, and when the server could not replay what was missed */
  needsSnapshot: boolean;
  /** the stream ended (server stopped, or `close()`); rejects on a connection error */
  done: Promise<void>;
}

export class LiveState {
  /** the number of the newest record known per job, run and the settings */
  private readonly revisions = new Map<RecordKey, number>();
  /** the last event received, taken or not: a new subscription resumes after it */
  private lastSeq: number | undefined;
  /** events received while a snapshot is being read, in order */
  private held: [EngineEvent, number | undefined][] | undefined;
  private stream: EventStream | undefined;

  constructor(
    private readonly client: Client,
    /** each event that is news, in order */
    private readonly onEvent: (e: EngineEvent) => void,
  ) {}

  /**
   * Subscribes — after a lost stream, resuming after the last event received:
   * the server then replays what was missed, or says it cannot. Resolves once
   * subscribed; when a snapshot is needed, events wait until `release()`.
   */
  async subscribe(): Promise<Subscribed> {
    const resuming = this.lastSeq !== undefined;
    // A snapshot never finished (its stream was lost while it was read) is still needed, resumed or not.
    const unfinished = this.held !== undefined;
    let needsSnapshot = true;
    // Decided as `ready` arrives, before any event that follows it in the same chunk.
    const onReady = (ready: StreamReady) => {
      needsSnapshot = !resuming || ready.resumed !== true || unfinished;
      if (!needsSnapshot) return;
      // The numbers go on from the server's (a restarted server's are higher); events wait for the snapshot.
      if (ready.seq !== undefined) this.lastSeq = ready.seq;
      this.held ??= [];
    };
    this.stream?.close();
    const stream = (this.stream = this.client.events((e, seq) => this.receive(e, seq), resuming ? { lastEventId: this.lastSeq!, onReady } : { onReady }));
    await stream.ready;
    return { needsSnapshot, done: stream.done };
  }

  /**
   * The records of an answer consistent with event `seq` that are newer than
   * what is known of them — and are from now on what is known. Apply exactly
   * these: an event they already reflect will not be taken again.
   */
  adopt<T>(records: readonly T[], seq: number | undefined, keyOf: (record: T) => RecordKey): T[] {
    return records.filter((record) => {
      const key = keyOf(record);
      const known = this.revisions.get(key);
      // Without a number (an older server) a snapshot fills in only what no event has told.
      if (known !== undefined && (seq === undefined || seq <= known)) return false;
      this.revisions.set(key, seq ?? -Infinity);
      return true;
    });
  }

  /** The snapshot is applied: the events held meanwhile are taken now (those it does not already reflect), later ones as they come. */
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const [e, seq] of held) this.take(e, seq);
  }

  close(): void {
    this.stream?.close();
  }

  private receive(e: EngineEvent, seq: number | undefined): void {
    if (seq !== undefined) {
      if (this.lastSeq !== undefined && seq <= this.lastSeq) return; // replayed, and already received
      this.lastSeq = seq;
    }
    if (this.held) this.held.push([e, seq]);
    else this.take(e, seq);
  }

  private take(e: EngineEvent, seq: number | undefined): void {
    const key = recordKeyOf(e);
    if (key !== undefined && seq !== undefined) {
      const known = this.revisions.get(key);
      if (known !== undefined && seq <= known) return; // a snapshot taken after it already shows it
      this.revisions.set(key, seq);
    }
    this.onEvent(e);
  }
}
