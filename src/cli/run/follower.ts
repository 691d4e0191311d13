// What local and remote `pll run` share: the renderer for the chosen output
// mode, Ctrl-C handling, the --halt-on-failure notice and the exit status.
import type { EngineEvent, JobRecord, RunRecord, ScheduleRecord } from "../../core/types.js";
import type { RunOptions } from "./command.js";
import { RunProgress } from "./progress.js";
import { renderSchedulesOnly, renderSummary } from "./summary.js";

export interface RunControl {
  /** cancel these jobs (pending/blocked: at once; running: kill their trees) */
  cancel(ids: number[]): Promise<unknown>;
}

export class RunFollower {
  readonly startedAt = Date.now();
  progress?: RunProgress;
  interrupted = false;
  private halted = false;
  private run?: RunRecord;
  private readonly tty: boolean;
  private readonly color: boolean;
  private readonly open = new Map<number, JobRecord["state"]>();

  constructor(
    private readonly opts: RunOptions,
    private readonly control: RunControl,
  ) {
    this.tty = Boolean(process.stdout.isTTY) && !opts.json;
    this.color = this.tty && !process.env.NO_COLOR;
  }

  /** The run exists: start rendering from this snapshot of its jobs. */
  begin(run: RunRecord, jobs: JobRecord[]): void {
    this.run = run;
    for (const j of jobs) this.open.set(j.id, j.state);
    this.progress = new RunProgress({
      runId: run.id,
      mode: this.opts.json ? "json" : this.tty ? "tty" : "lines",
      write: (text) => process.stdout.write(text),
      color: this.color,
    });
    this.progress.init(jobs, run);
    if (this.interrupted) this.cancelAll();
  }

  onEvent = (e: EngineEvent): void => {
    this.progress?.onEvent(e);
    if (e.type !== "job" || e.job.runId !== this.run?.id) return;
    this.open.set(e.job.id, e.job.state);
    // The engine halts the run (it was submitted with haltOnFailure); here it is only told.
    if (this.opts.haltOnFailure && !this.halted && e.job.state === "errored") {
      this.halted = true;
      process.stderr.write(`pll run: #${e.job.id} ${e.job.name} failed; --halt-on-failure: starting nothing more\n`);
    }
  };

  /** SIGINT/SIGTERM: cancel the run (kills running trees); the run then ends as cancelled. */
  watchSignals(): () => void {
    const stop = (): void => {
      if (this.interrupted) return;
      this.interrupted = true;
      this.progress?.stop();
      process.stderr.write("pll run: interrupted: stopping the run's jobs…\n");
      if (this.run) this.cancelAll();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    return () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    };
  }

  /** Renders the summary and returns the exit status. */
  end(run: RunRecord, jobs: JobRecord[]): number {
    this.progress?.stop();
    if (!this.opts.json) process.stdout.write(renderSummary(run, jobs, { color: this.color, elapsedMs: Date.now() - this.startedAt }));
    if (this.interrupted) return 130;
    if (this.opts.countFailures) return Math.min(101, jobs.filter((j) => j.state !== "success" && j.state !== "skipped").length);
    return run.state === "success" && jobs.every((j) => j.state === "success" || j.state === "skipped") ? 0 : 1;
  }

  /** The file held only schedules: no run to follow. Exit status 0 (unless interrupted). */
  schedulesOnly(schedules: ScheduleRecord[], where: "server" | "this process"): number {
    if (this.opts.json) for (const schedule of schedules) process.stdout.write(`${JSON.stringify({ type: "schedule", schedule })}\n`);
    else process.stdout.write(renderSchedulesOnly(this.opts.file, schedules, where));
    return this.interrupted ? 130 : 0;
  }

  private cancelAll(): void {
    void this.control.cancel(this.idsIn("pending", "blocked", "running")).catch(() => {});
  }

  private idsIn(...states: JobRecord["state"][]): number[] {
    return [...this.open].filter(([, s]) => states.includes(s)).map(([id]) => id);
  }
}
