// Coalescing ticks: any number of requests while a tick runs are served by
// one more tick after it, so a burst of job ends costs one round (one store
// batch), and every request resolves only after a tick that began after it.

export class TickLoop {
  private running = false;
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];

  constructor(
    private readonly tickOnce: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Resolves once a tick that started after this call has finished. */
  request(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.running) void this.run();
    return done;
  }

  /** A tick for its effects only (a job ended, a timer fired): failures are reported, not thrown. */
  nudge(): void {
    this.request().catch(() => {});
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.waiters.length) {
        const waiters = this.waiters;
        this.waiters = [];
        try {
          await this.tickOnce();
          for (const w of waiters) w.resolve();
        } catch (err) {
          for (const w of waiters) w.reject(err);
          this.onError(err);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
