// The engine's event stream. Listeners get every state change in order; a
// listener that throws is reported on stderr and never breaks the engine.
// Job and run records are immutable values (the scheduler makes a new one per
// change), so a listener that keeps one sees the state of that moment without
// a copy; settings are copied.
import type { EngineEvent } from "../core/types.js";

type Listener = (event: EngineEvent) => void;

export class EventHub {
  private readonly listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: EngineEvent): void {
    if (this.listeners.size === 0) return;
    const e = snapshot(event);
    for (const listener of this.listeners) {
      try {
        listener(e);
      } catch (err) {
        process.stderr.write(`pll: an event listener failed: ${(err as Error)?.stack ?? String(err)}\n`);
      }
    }
  }

  notice(level: "info" | "warn" | "error", message: string): void {
    this.emit({ type: "notice", level, message });
  }
}

function snapshot(e: EngineEvent): EngineEvent {
  switch (e.type) {
    case "settings":
      return { type: "settings", settings: structuredClone(e.settings) };
    default:
      return e;
  }
}
