// What local and remote `pll run` share: the renderer for the chosen output
// mode, Ctrl-C handling, the --halt-on-failure notice and the exit status.
import type { EngineEvent, JobRecord, RunRecord, ScheduleRecord } from "../../core/types.js";
import type { RunOptions } from "./command.js";
import { closeSync, openSync, writeSync } from "node:fs";
import { UserError } from "../../core/errors.js";
import { JOBLOG_HEADER, joblogLine, seqOf } from "../../commands/joblog-format.js";
import { JobOutput } from "./job-output.js";
import { RunProgress } from "./progress.js";
import { renderSchedulesOnly, renderSummary } from "./summary.js";

export interface RunControl {
  /** cancel these jobs (pending/blocked: at once; running: kill their trees) */
  cancel(ids: number[]): Promise<unknown>;
}

export class RunFollower {
  readonly startedAt = Date.now();
  progress?: RunProgress;
  private output?: JobOutput;
  /** --joblog FILE: its descriptor, and the jobs written to it */
  private joblog?: { fd: number; seq: (job: JobRecord) => number; written: Set<number> };
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
    this.tty = Boolean(this.report.isTTY) && !opts.json;
    this.color = this.tty && !process.env.NO_COLOR;
    if (opts.joblog !== undefined) {
      let fd: number;
      try {
        fd = openSync(opts.joblog, "w");
      } catch (err) {
        throw new UserError("usage", `--joblog: can't write ${opts.joblog}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      writeSync(fd, JOBLOG_HEADER);
      this.joblog = { fd, seq: () => 0, written: new Set() };
    }
  }

  /** Where progress and the summary go. */
  private get report(): NodeJS.WriteStream {
    return this.opts.reportTo === "stderr" ? process.stderr : process.stdout;
  }

  /** The run exists: start rendering from this snapshot of its jobs. */
  begin(run: RunRecord, jobs: JobRecord[]): void {
    this.run = run;
    if (this.joblog) this.joblog.seq = seqOf(run);
    for (const j of jobs) this.open.set(j.id, j.state);
    this.progress = new RunProgress({
      runId: run.id,
      mode: this.opts.json ? "json" : this.tty ? "tty" : "lines",
      write: (text) => this.report.write(text),
      color: this.color,
    });
    const mode = this.opts.output ?? (this.opts.json ? "none" : this.tty ? "tag" : "group");
    this.output = new JobOutput(mode, this.opts.keepOrder === true, {
      write: async (stream, text) => {
        // The event lines so far come first; the live progress line gives way and is drawn again under the output.
        this.progress?.makeRoom();
        await writeOut(stream === "out" ? process.stdout : process.stderr, text);
      },
    });
    this.progress.init(jobs, run);
    this.output.init(jobs);
    if (this.interrupted) this.cancelAll();
  }

  onEvent = (e: EngineEvent): void => {
    this.progress?.onEvent(e);
    if (e.type !== "job" || e.job.runId !== this.run?.id) return;
    this.output?.update(e.job);
    this.logJob(e.job);
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

  /** Writes what job output is left, renders the summary and returns the exit status. */
  async end(run: RunRecord, jobs: JobRecord[]): Promise<number> {
    for (const j of jobs) {
      this.output?.update(j);
      this.logJob(j);
    }
    await this.output?.finish();
    if (this.joblog) closeSync(this.joblog.fd);
    this.progress?.stop();
    if (!this.opts.json) this.report.write(renderSummary(run, jobs, { color: this.color, elapsedMs: Date.now() - this.startedAt }));
    if (this.interrupted) return 130;
    if (this.opts.countFailures) return Math.min(101, jobs.filter((j) => j.state !== "success" && j.state !== "skipped").length);
    return run.state === "success" && jobs.every((j) => j.state === "success" || j.state === "skipped") ? 0 : 1;
  }

  /** The file held only schedules: no run to follow. Exit status 0 (unless interrupted). */
  schedulesOnly(schedules: ScheduleRecord[], where: "server" | "this process"): number {
    if (this.opts.json) for (const schedule of schedules) process.stdout.write(`${JSON.stringify({ type: "schedule", schedule })}\n`);
    else this.report.write(renderSchedulesOnly(this.opts.file, schedules, where));
    return this.interrupted ? 130 : 0;
  }

  /** --joblog: a job's line once it has ended for good (a job waiting to retry has not). */
  private logJob(job: JobRecord): void {
    const log = this.joblog;
    if (!log || log.written.has(job.id) || !["success", "errored", "cancelled"].includes(job.state)) return;
    const line = joblogLine(job, log.seq(job));
    if (line === undefined) return;
    log.written.add(job.id);
    writeSync(log.fd, line);
  }

  private cancelAll(): void {
    void this.control.cancel(this.idsIn("pending", "blocked", "running")).catch(() => {});
  }

  private idsIn(...states: JobRecord["state"][]): number[] {
    return [...this.open].filter(([, s]) => states.includes(s)).map(([id]) => id);
  }
}

/** Writes and waits while the stream's buffer is full; a closed stream (`| head`) takes nothing more. */
async function writeOut(stream: NodeJS.WriteStream, text: string | Buffer): Promise<void> {
  if (stream.destroyed || stream.writableEnded) return;
  if (stream.write(text)) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      stream.off("drain", done).off("close", done).off("error", done);
      resolve();
    };
    stream.on("drain", done).on("close", done).on("error", done);
  });
}
