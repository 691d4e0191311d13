// `pll shell` on a terminal: the full-screen UI. Every line typed goes
// through the command language's execute(); the screen is a view of the
// server's events, re-rendered at most ~10 times a second. Nothing typed can
// crash it: every failure lands in the status line.
import os from "node:os";
import path from "node:path";
import type { Widgets } from "blessed";
import type { Client } from "../client/client.js";
import { clientEnv } from "../client/env.js";
import type { EngineEvent, JobRecord, WorkersView } from "../core/types.js";
import type { CommandContext, ExecuteResult } from "../commands/types.js";
import { homePaths } from "../home.js";
import { CommandLine } from "./command-line.js";
import { appendHistory, loadHistory } from "./history.js";
import { handleKey, type KeyActions } from "./keys.js";
import { createScreen, ShellLayout } from "./layout.js";
import { LiveData, LogFollower } from "./live-data.js";
import { JOB_STATES, ShellModel, type ViewFilter } from "./model.js";
import { renderChart, renderScreen, type Pane, type UiState } from "./render.js";
import { appendToPane, filterFromText, helpScreen, outputNotice, paneLine, placeOutput, textPane, welcomePane } from "./panes.js";
import { divertStderr } from "./stderr-log.js";
import { escapeTags } from "./format.js";
import { WORKERS_TITLE, workersPaneText } from "./workers-pane.js";

/** The command language, as the shell uses it (src/commands/index.ts). */
export interface ShellCommands {
  execute(line: string, ctx: CommandContext): Promise<ExecuteResult>;
  complete(partial: string, ctx: CommandContext): Promise<string[]>;
  helpText(cmd?: string): string;
}

export interface ShellOptions {
  client: Client;
  home: string;
  /** defaults to src/commands/index.ts */
  commands?: ShellCommands;
}

const FRAME_MS = 100;
const SAMPLE_MS = 1000;
const FOLLOW_DELAY_MS = 250;
const WORKERS_POLL_MS = 1000;
const DETACH_MESSAGE = "pll: detached — jobs keep running in the server (`pll shell` to come back, `pll stop` to stop it)\n";

export async function runShell(opts: ShellOptions): Promise<number> {
  const commands = opts.commands ?? ((await import("../commands/index.js")) as ShellCommands);
  const history = await loadHistory(homePaths(opts.home).history);
  const app = new ShellApp(opts, commands, new CommandLine(history));
  const code = await app.run();
  process.stdout.write(DETACH_MESSAGE);
  return code;
}

class ShellApp implements KeyActions {
  private readonly model = new ShellModel();
  private readonly ui: UiState;
  private readonly ctx: CommandContext;
  private screen!: Widgets.Screen;
  private layout!: ShellLayout;
  private live!: LiveData;
  private follower!: LogFollower;
  private frame: NodeJS.Timeout | undefined;
  private followSoon: NodeJS.Timeout | undefined;
  private sampler: NodeJS.Timeout | undefined;
  private lastFrame = 0;
  /** the command whose streamed output fills the pane (`tail -f`), aborted when the pane is taken */
  private paneOwner: AbortController | undefined;
  /** every command still running (`tail -f`, `wait`…): what Ctrl-C stops */
  private readonly running = new Set<AbortController>();
  private finish!: (code: number) => void;

  constructor(
    private readonly opts: ShellOptions,
    private readonly commands: ShellCommands,
    line: CommandLine,
  ) {
    const server = opts.home.startsWith(os.homedir() + "/") ? "~" + opts.home.slice(os.homedir().length) : opts.home;
    const noColor = (process.env.NO_COLOR ?? "") !== "";
    this.ui = { server, noColor, pane: welcomePane(), mode: "command", line, pending: 0 };
    // No colour: blessed draws the text, and ANSI codes inside it would be counted as characters.
    this.ctx = { client: opts.client, cwd: process.cwd(), env: clientEnv(), color: false };
  }

  async run(): Promise<number> {
    const restoreStderr = divertStderr(path.join(this.opts.home, "shell.log"));
    const guard = (err: unknown) => this.fail(err);
    process.on("uncaughtException", guard);
    process.on("unhandledRejection", guard);
    this.screen = createScreen();
    const done = new Promise<number>((resolve) => (this.finish = resolve));
    try {
      this.layout = new ShellLayout(this.screen, this.ui.noColor);
      this.follower = new LogFollower(this.opts.client, () => this.changed());
      this.live = new LiveData(this.opts.client, this.model, (e) => this.guarded(() => this.eventArrived(e)));
      this.screen.on("keypress", (ch: string | undefined, key: Widgets.Events.IKeyEventArg) => this.guarded(() => this.key(ch, key)));
      this.screen.on("resize", () => this.guarded(() => this.resized()));
      this.sampler = setInterval(() => this.guarded(() => this.tick()), SAMPLE_MS);
      this.live.start().catch((err: Error) => this.model.notify("error", `cannot load the server's state: ${err.message}`));
      this.model.sample();
      this.resized();
      return await done;
    } finally {
      clearInterval(this.sampler);
      this.stopWorkers();
      clearTimeout(this.frame);
      clearTimeout(this.followSoon);
      this.follower?.stop();
      this.paneOwner?.abort();
      this.live?.close();
      this.screen.destroy();
      process.off("uncaughtException", guard);
      process.off("unhandledRejection", guard);
      restoreStderr();
    }
  }

  // ───────────── rendering ─────────────

  /** Something changed: render soon, but not more than once per frame. */
  private changed(): void {
    if (this.frame) return;
    const wait = Math.max(0, FRAME_MS - (Date.now() - this.lastFrame));
    this.frame = setTimeout(() => {
      this.frame = undefined;
      this.guarded(() => this.render());
    }, wait);
  }

  private eventArrived(event: EngineEvent | undefined): void {
    // A followed job that starts again (retry) gets its new output followed too.
    const job = event?.type === "job" ? event.job : undefined;
    if (job && job.id === this.follower.ended && job.state === "running") this.follower.follow(job, this.ui.pane);
    this.changed();
  }

  private render(): void {
    this.lastFrame = Date.now();
    renderScreen(this.layout, this.model, this.ui, Date.now());
    this.screen.render();
  }

  private tick(): void {
    this.model.sample();
    renderChart(this.layout, this.model);
    this.changed();
  }

  private resized(): void {
    this.layout.layout();
    renderChart(this.layout, this.model);
    this.render();
  }

  private guarded(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.fail(err);
    }
  }

  private fail(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.model.notify("error", `internal error: ${message}`);
    try {
      this.changed();
    } catch {
      // The screen itself is failing: nothing more to show it on.
    }
  }

  // ───────────── keys and their actions ─────────────

  private key(ch: string | undefined, key: Widgets.Events.IKeyEventArg): void {
    if (!this.layout.viewer.hidden) {
      this.layout.viewerKey(key.name ?? "");
      return this.changed();
    }
    handleKey(ch, key, this.model, this.ui, this);
    this.changed();
  }

  paneRows(): number {
    return Math.max(1, this.layout.areas.log.height - 2);
  }

  pageRows(): number {
    return this.layout.tableRows();
  }

  /** In the table, the log pane follows the selection (after a short pause, not on every row passed). */
  selectionMoved(): void {
    clearTimeout(this.followSoon);
    if (this.ui.mode === "table") this.followSoon = setTimeout(() => this.guarded(() => this.showLog()), FOLLOW_DELAY_MS);
    this.changed();
  }

  interrupt(): void {
    if (this.running.size) {
      for (const abort of this.running) abort.abort();
      this.model.notify("info", "stopped");
    } else if (this.ui.line.text !== "") {
      this.ui.line.clear();
    } else {
      this.model.notify("info", "Ctrl-C stops what runs here; to leave, Esc then q (or type `quit`) — the jobs keep running");
    }
  }

  leave(): void {
    this.finish(0);
  }

  showHelp(): void {
    this.layout.showViewer("help", helpScreen(this.commands.helpText()));
  }

  showLog(): void {
    const job = this.model.selected();
    if (!job) return this.model.notify("warn", "no job selected");
    this.takePane();
    this.follower.follow(job, this.ui.pane);
  }

  retrySelected(): void {
    const job = this.model.selected();
    if (job) this.submit(`retry ${job.id}`, false);
  }

  killSelected(): void {
    this.confirmOnSelected("kill", "not killed");
  }

  cancelSelected(): void {
    this.confirmOnSelected("cancel", "not cancelled");
  }

  /** Destructive keys ask first: the status line shows the question, the next key answers it. */
  private confirmOnSelected(verb: "kill" | "cancel", not: string): void {
    const job = this.model.selected();
    if (!job) return this.model.notify("warn", "no job selected");
    const what = `#${job.id} ${job.name}`;
    this.ui.confirm = { question: `${verb} ${what}?`, yes: () => this.submit(`${verb} ${job.id}`, false), no: `${what} ${not}` };
  }

  /** the pane the workers view fills, while it is shown, and its poll */
  private workersPane: Pane | undefined;
  private workersPoll: NodeJS.Timeout | undefined;

  toggleWorkers(): void {
    if (this.workersPane && this.ui.pane === this.workersPane) {
      this.stopWorkers();
      if (this.model.selected()) return this.showLog();
      this.ui.pane = welcomePane();
      return;
    }
    this.takePane();
    const pane = (this.workersPane = this.ui.pane = textPane(WORKERS_TITLE, "reading the workers…"));
    const read = () => {
      // Anything else took the pane: the view is gone, and so is its poll.
      if (this.ui.pane !== pane) return this.stopWorkers();
      this.opts.client.request<WorkersView>("GET", "/workers").then(
        (view) => {
          if (this.ui.pane !== pane) return;
          pane.lines = textPane("", workersPaneText(view, Date.now())).lines;
          this.changed();
        },
        (err: Error) => {
          if (this.ui.pane !== pane) return;
          pane.lines = textPane("", `cannot read the workers: ${err.message}`).lines;
          this.changed();
        },
      );
    };
    read();
    this.workersPoll = setInterval(() => this.guarded(read), WORKERS_POLL_MS);
  }

  private stopWorkers(): void {
    clearInterval(this.workersPoll);
    this.workersPoll = undefined;
    this.workersPane = undefined;
  }

  reportSelected(): void {
    const job = this.model.selected();
    if (job) this.submit(`report r${job.runId}`, false);
  }

  changePjc(delta: number): void {
    const settings = this.model.settings;
    if (settings === undefined) return this.model.notify("warn", "PJC not known yet");
    // With no global cap yet, +/- set one from the jobs running now.
    const pjc = settings.pjc ?? Math.max(1, this.model.header().busy);
    this.submit(`pjc ${Math.max(1, pjc + delta)}`, false);
  }

  applyFilter(text: string): void {
    const filter = filterFromText(text, JOB_STATES);
    this.model.setFilter(filter);
    this.paneFollowsFilter(filter);
    this.model.notify("info", filter.state || filter.jobset ? `showing ${filter.state ?? ""}${filter.jobset ?? ""}` : "showing all jobs");
  }

  /** The log pane never shows a job the filter hides: it moves to the selected job, or empties. */
  private paneFollowsFilter(filter: ViewFilter): void {
    const shown = this.ui.pane.jobId === undefined ? undefined : this.model.jobs.get(this.ui.pane.jobId);
    const passes = (job: JobRecord) => (filter.state ?? job.state) === job.state && (filter.jobset ?? job.jobset) === job.jobset;
    if (!shown || passes(shown)) return;
    if (this.model.selected()) return this.showLog();
    this.takePane();
    this.ui.pane = textPane("log", "no job matches the filter");
  }

  complete(): void {
    const line = this.ui.line;
    const asked = line.text.slice(0, line.cursor);
    this.commands.complete(asked, this.ctx).then(
      (candidates) => {
        // Typed on meanwhile: these candidates are for a line that no longer exists.
        if (line.text.slice(0, line.cursor) !== asked) return;
        const listed = line.complete(candidates);
        if (listed.length) this.model.notify("info", listed.slice(0, 40).join("  "));
        this.changed();
      },
      (err: Error) => this.fail(err),
    );
  }

  /** Runs a typed line (or a key's command) through the command language; the answer goes to the pane or the status line. */
  submit(line: string, record = true): void {
    if (line === "") return;
    if (record) appendHistory(homePaths(this.opts.home).history, line).catch(() => {});
    if (line === "clear") {
      this.takePane();
      this.ui.pane = textPane(" ", "");
      return;
    }
    const abort = new AbortController();
    let streamed: Pane | undefined;
    const write = (text: string) => {
      if (abort.signal.aborted) return;
      if (!streamed) {
        this.takePane(abort);
        streamed = this.ui.pane = textPane(line, "", "bottom");
      }
      appendToPane(streamed, text.replace(/\n$/, "").split("\n").map(paneLine));
      this.changed();
    };
    this.ui.pending++;
    this.running.add(abort);
    this.commands
      .execute(line, { ...this.ctx, write, signal: abort.signal })
      .then(
        // Stopped (Ctrl-C, or the pane taken): "stopped" was said, the rest of its answer is moot.
        (result) => (abort.signal.aborted ? undefined : this.answered(line, result, streamed)),
        (err: unknown) => (abort.signal.aborted ? undefined : this.fail(err)),
      )
      .finally(() => {
        this.ui.pending--;
        this.running.delete(abort);
        if (this.paneOwner === abort) this.paneOwner = undefined;
        this.changed();
      });
  }

  private answered(line: string, result: ExecuteResult, streamed: Pane | undefined): void {
    if (result.quit) return this.leave();
    const level = result.ok ? "info" : "error";
    if (streamed) {
      if (result.output) appendToPane(streamed, result.output.split("\n").map(paneLine));
      return this.model.notify(level, result.ok ? `${line}: done` : result.output.split("\n").at(-1)!);
    }
    const place = placeOutput(line, result.output, (lines) => this.fitsPane(lines), result.ok);
    if (place.where === "viewer") this.layout.showViewer(escapeTags(line), escapeTags(result.output));
    if (place.where === "pane") {
      this.takePane();
      this.ui.pane = textPane(line, result.output, place.anchor);
    }
    this.model.notify(level, outputNotice(line, result.ok, result.output, place));
  }

  /** Whether a command's output shows whole in the log pane. */
  private fitsPane(lines: string[]): boolean {
    const { width, height } = this.layout.areas.log;
    return lines.length <= height - 2 && lines.every((l) => l.length <= width - 2);
  }

  /** The pane is about to show something else: stop whatever was streaming into it. */
  private takePane(owner?: AbortController): void {
    this.follower.stop();
    this.paneOwner?.abort();
    this.paneOwner = owner;
  }
}
