// `pll shell` in a real terminal (tmux) against a real server on a temp home:
// type commands, read the screen. Each test has its own home, server and
// terminal, and sets up what it needs: any one of them runs alone.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { connect, type Client } from "../../src/client/client.js";
import { socketAnswers } from "../../src/client/socket-probe.js";
import type { JobListResponse } from "../../src/server/api-types.js";
import { homePaths } from "../../src/home.js";
import { computeAreas, type Rect } from "../../src/shell/layout.js";
import { pllBin, waitFor } from "../helpers/home.js";
import { TmuxSession, tmuxAvailable } from "./tmux-session.js";

// Jobs that hold their slot until the test lets them go: no sleeps, no orphans.
const HOLD = `while [ ! -e "$PLL_HOME/release" ]; do sleep 0.05; done`;
const holds = (n: number) => Array.from({ length: n }, (_, i) => `hold${i + 1}: $ ${HOLD}`).join("\n");
/** A job that fails on its first try and succeeds when retried (high priority: it takes the first free slot), and eight holds; the global pjc limits them, not the file. */
const demo = `jobset demo
pjc 100
flaky: priority high $ if [ -e fixed.flag ]; then echo "fixed now"; exit 0; fi; touch fixed.flag; echo "first try"; echo "it broke" >&2; exit 3
${holds(8)}
`;

interface Shell {
  home: string;
  client: Client;
  tmux: TmuxSession;
  /** loads a `.pll` file of this text (named NAME.pll in the home) through the command bar */
  load(name: string, text: string): Promise<void>;
  /** the id of the newest job of that name */
  idOf(name: string): Promise<number>;
  /** sets the PJC to `pjc` and loads `n` holds: `pjc` of them run */
  holding(pjc: number, n: number): Promise<void>;
}

/** A server on a fresh temp home and `pll shell` in a 100×30 terminal; all of it stopped and removed however `fn` ends. */
async function withShell(fn: (shell: Shell) => Promise<void>): Promise<void> {
  const home = await mkdtemp(path.join(tmpdir(), "pll-shell-"));
  let server: ChildProcess | undefined;
  let client: Client | undefined;
  let tmux: TmuxSession | undefined;
  try {
    server = spawn(pllBin, ["serve"], { env: { ...process.env, PLL_HOME: home }, stdio: "ignore" });
    // The socket file exists from bind(), a moment before the server accepts on it: wait for an answer.
    await waitFor(() => socketAnswers(homePaths(home).socket), "the server to answer on its socket", 15_000);
    client = await connect({ home });
    // Jobs typed in the shell run in its working directory: the temp home.
    tmux = await TmuxSession.start([pllBin, "shell"], { env: { PLL_HOME: home, LANG: "C.UTF-8" }, cwd: home, width: 100, height: 30 });
    await tmux.waitForText("pll>");
    const c = client;
    const t = tmux;
    await fn({
      home,
      client: c,
      tmux: t,
      async load(name, text) {
        await writeFile(path.join(home, `${name}.pll`), text);
        await t.type(`load ${path.join(home, `${name}.pll`)}`);
        await t.waitForText(`jobset ${name}`);
      },
      async holding(pjc, n) {
        await t.type(`pjc ${pjc}`);
        await t.waitForText(`PJC ${pjc}`);
        await this.load("holds", `jobset holds\npjc 100\n${holds(n)}\n`); // the global pjc holds them, not the run's own
        await t.waitForText(new RegExp(`running ${pjc}`));
      },
      async idOf(name) {
        const { jobs } = await c.request<JobListResponse>("GET", `/jobs?${new URLSearchParams({ ref: name })}`);
        assert.ok(jobs[0], `a job named ${name}`);
        return jobs[0].id;
      },
    });
  } finally {
    await writeFile(path.join(home, "release"), "").catch(() => {});
    // Jobs outlive the server: let them end before it stops and the home is removed.
    const left = async (state: string) => (await client?.request<JobListResponse>("GET", `/jobs?state=${state}`).catch(() => undefined))?.jobs.length;
    await waitFor(async () => (await left("running")) === 0 && (await left("pending")) === 0, "the held jobs to end").catch(() => client?.request("POST", "/jobs/all/kill").catch(() => {}));
    client?.close();
    await tmux?.kill();
    if (server?.exitCode === null && server.signalCode === null) {
      const exited = new Promise((r) => server!.once("exit", r));
      server.kill("SIGTERM");
      await exited;
    }
    await rm(home, { recursive: true, force: true, maxRetries: 5 });
  }
}

describe("pll shell in a terminal", { skip: !tmuxAvailable() && !process.env.CI && "tmux is not installed (CI fails instead of skipping)" }, () => {
  it("a job line typed in the command bar runs a job", () =>
    withShell(async ({ tmux }) => {
      await tmux.type("$ echo hello-from-the-shell");
      const screen = await tmux.waitForScreen((s) => /\d+ echo\s+success/.test(s), "the typed job to succeed");
      const id = /^\W*(\d+) .*success/m.exec(screen)?.[1];
      assert.ok(id, "its row shows in the table");
      await tmux.type(`tail ${id}`);
      await tmux.waitForText(/│hello-from-the-shell\s+│/);
    }));

  it("shows the loaded jobs and their states in the table, and a failure in the status line", () =>
    withShell(async ({ tmux, load }) => {
      await tmux.type("pjc 2");
      await tmux.waitForText("PJC 2");
      await load("demo", demo);
      await tmux.waitForText([/flaky\s+errored/, /hold\d\s+running/, /hold\d\s+pending/, /jobset demo/, /running 2/, /flaky failed/, /✗ 1 failed/]);
    }));

  it("`pjc 6` changes the header and lets more jobs run", () =>
    withShell(async (shell) => {
      const { tmux } = shell;
      await shell.holding(2, 8);
      await tmux.type("pjc 6");
      await tmux.waitForScreen((s) => s.includes("PJC 6") && /running 6/.test(s), "PJC 6 with six jobs running");
    }));

  it("`tail N` shows the job's output, stderr marked", () =>
    withShell(async ({ tmux, load, idOf }) => {
      await load("demo", demo);
      await tmux.waitForText(/flaky\s+errored/);
      await tmux.type(`tail ${await idOf("flaky")}`);
      // stdout and stderr lines arrive separately: wait for a screen with both
      await tmux.waitForText(["first try", /! it broke/]);
    }));

  it("`retry N` re-runs a failed job", () =>
    withShell(async ({ tmux, load, idOf }) => {
      // Six slots: flaky (high priority) takes one and fails, and six holds then fill them all.
      await tmux.type("pjc 6");
      await tmux.waitForText("PJC 6");
      await load("demo", demo);
      await tmux.waitForScreen((s) => /flaky\s+errored/.test(s) && /running 6/.test(s), "flaky failed and six holds running");
      const flakyId = await idOf("flaky");
      await tmux.type(`retry ${flakyId}`);
      await tmux.waitForScreen((s) => /flaky\s+pending/.test(s), "flaky to wait for a slot");
      // A free slot: flaky is high priority, so it takes it before hold7.
      await tmux.type("pjc 7");
      await tmux.waitForScreen((s) => /flaky\s+success/.test(s) && !s.includes("✗ 1 failed"), "flaky to succeed");
      await tmux.type(`tail ${flakyId}`);
      await tmux.waitForText("fixed now");
    }));

  it("a bad command shows an error and the shell stays up", () =>
    withShell(async ({ tmux }) => {
      await tmux.type("frobnicate 12");
      // The error line itself: the echoed input alone says `frobnicate` too.
      await tmux.waitForText(/unknown command 'frobnicate'/);
      await tmux.type("pjc 5");
      await tmux.waitForText("PJC 5");
    }));

  it("↑ recalls earlier commands, which are kept in $PLL_HOME/history; Tab completes", () =>
    withShell(async ({ home, tmux }) => {
      for (const [line, shown] of [["pjc 6", "PJC 6"], ["frobnicate 12", /unknown command 'frobnicate'/], ["pjc 5", "PJC 5"]] as const) {
        await tmux.type(line);
        await tmux.waitForText(shown);
      }
      await tmux.keys("Up");
      await tmux.waitForText(/pll> pjc 5/);
      await tmux.keys("C-u");
      const history = await readFile(homePaths(home).history, "utf8");
      assert.match(history, /^pjc 6$/m);
      assert.match(history, /^frobnicate 12$/m);
      await tmux.type("retr", false);
      await tmux.keys("Tab");
      await tmux.waitForText(/pll> retry/);
      await tmux.type("1", false);
      await tmux.waitForText(/pll> retry 1/);
      await tmux.keys("C-u");
    }));

  it("in the table, / filters by state and ? shows the help", () =>
    withShell(async ({ tmux, load }) => {
      await load("mixed", "jobset mixed\nok1: $ true\nok2: $ true\n" + holds(1) + "\n");
      await tmux.waitForScreen((s) => /ok1\s+success/.test(s) && /ok2\s+success/.test(s) && /hold1\s+running/.test(s), "two jobs done and one held");
      await tmux.keys("Escape");
      await tmux.waitForText("r retry");
      await tmux.type("/", false);
      await tmux.type("success");
      await tmux.waitForScreen(
        (s) => /jobs \[success\] 1-2 of 2/.test(s) && /ok1\s+success/.test(s) && !/hold\d\s+running/.test(s),
        "the table filtered to the two successful jobs",
      );
      await tmux.type("/", false);
      await tmux.type("");
      await tmux.waitForText(/hold\d\s+running/);
      await tmux.type("?", false);
      await tmux.waitForText("any other key closes");
      await tmux.keys("Escape");
      await tmux.waitForScreen((s) => !s.includes("any other key closes"), "the help to close");
      await tmux.type(":", false);
      await tmux.waitForText("pll>");
    }));

  it("in the table, + and - change the PJC and x kills the selected job once y confirms it", () =>
    withShell(async (shell) => {
      const { tmux } = shell;
      await shell.holding(5, 6);
      await tmux.keys("Escape");
      await tmux.waitForText("r retry");
      await tmux.type("+", false);
      await tmux.waitForText("PJC 6");
      await tmux.type("-", false);
      await tmux.waitForText("PJC 5");
      await tmux.keys("Home");
      await tmux.type("x", false);
      await tmux.waitForText(/kill #\d+ hold\d\? y\/N/);
      await tmux.type("y", false);
      await tmux.waitForScreen((s) => /hold\d\s+errored/.test(s) && /hold\d failed: killed/.test(s) && s.includes("✗ 1 failed"), "the selected hold job to be killed");
      await tmux.type(":", false);
      await tmux.waitForText("pll>");
    }));

  it("resizing re-lays out the screen cleanly", () =>
    withShell(async ({ tmux }) => {
      for (const [w, h] of [[80, 24], [120, 40], [100, 30]] as const) {
        await tmux.resize(w, h);
        const screen = await tmux.waitForScreen((s) => {
          const lines = s.replace(/\n$/, "").split("\n");
          return lines.length === h && lines[2]!.startsWith("┌─ jobs") && lines[h - 1]!.startsWith("pll>");
        }, `a clean ${w}×${h} layout`);
        const lines = screen.replace(/\n$/, "").split("\n");
        assert.ok(lines.every((l) => [...l].length <= w), "no line is wider than the terminal");
        assert.match(lines[0]!, /^pll /);
        assert.match(lines[1]!, /running \d/);
      }
    }));

  it("q in the table leaves with the detach message; the jobs keep running", () =>
    withShell(async (shell) => {
      const { client, tmux } = shell;
      await shell.holding(1, 1);
      await tmux.waitForText(/hold1\s+running/);
      await tmux.keys("Escape");
      await tmux.waitForText("r retry");
      await tmux.keys("q");
      // The message is printed after the full screen is gone: it is in the scrollback.
      await tmux.waitForText("detached — jobs keep running in the server", undefined, true);
      const { jobs } = await client.request<JobListResponse>("GET", "/jobs?state=running");
      assert.ok(jobs.length > 0);
    }));
});

/** The text of one area of the screen (by the shell's own layout), as lines. */
function region(screen: string, r: Rect): string[] {
  return screen
    .split("\n")
    .slice(r.top, r.top + r.height)
    .map((l) => [...l].slice(r.left, r.left + r.width).join(""));
}

describe("pll shell in a terminal: keys that are safe, a screen that reads clearly", { skip: !tmuxAvailable() && !process.env.CI && "tmux is not installed (CI fails instead of skipping)" }, () => {
  it("in the table j/k move the selection (the log follows it); letters are not typed; : opens the command bar, Esc leaves it", () =>
    withShell(async ({ tmux, load }) => {
      await load("three", `jobset three\n${holds(3)}\n`);
      await tmux.keys("Escape");
      const screen = await tmux.waitForScreen((s) => s.includes("j/k move") && (s.match(/hold\d\s+running/g) ?? []).length >= 2, "two holds running, in the table");
      // The rows as shown, top first: the selection starts on the first.
      const [first, second] = [...screen.matchAll(/│\s+(\d+) (hold\d)\s+running/g)].map((m) => `log #${m[1]} ${m[2]}`);
      await tmux.type("j", false);
      await tmux.waitForText(second!);
      await tmux.type("k", false);
      await tmux.waitForText(first!);
      await tmux.type("p", false);
      await tmux.waitForScreen((s) => s.includes("`p` does nothing here") && s.includes("j/k move") && !s.includes("pll>"), "p not typed: still in the table");
      await tmux.type(":", false);
      await tmux.waitForText("pll>");
      await tmux.keys("Escape");
      await tmux.waitForScreen((s) => s.includes("j/k move") && !s.includes("pll>"), "Esc back to the table");
    }));

  it("x asks y/N before killing, and any other key keeps the job running", () =>
    withShell(async (shell) => {
      const { tmux } = shell;
      await shell.holding(1, 1);
      const id = await shell.idOf("hold1");
      await tmux.keys("Escape");
      await tmux.waitForText("j/k move");
      await tmux.type("x", false);
      await tmux.waitForText(`kill #${id} hold1? y/N`);
      await tmux.type("n", false);
      await tmux.waitForText(`#${id} hold1 not killed`);
      // The kill was not sent: the job still runs (the screen follows the server's events).
      await tmux.type(":", false);
      await tmux.type("pjc 4");
      await tmux.waitForText(["PJC 4", /hold1\s+running/]);
      assert.equal((await shell.client.request<JobListResponse>("GET", "/jobs?state=running")).jobs.length, 1);
    }));

  it("c asks y/N before cancelling the selected pending job, and y cancels it", () =>
    withShell(async (shell) => {
      const { tmux } = shell;
      await shell.holding(1, 2);
      await tmux.waitForText(/hold\d\s+pending/);
      const pending = (await shell.client.request<JobListResponse>("GET", "/jobs?state=pending")).jobs[0]!;
      await tmux.keys("Escape");
      await tmux.waitForText("j/k move");
      // Running first, then pending: the pending job is the last row.
      await tmux.keys("End");
      await tmux.type("c", false);
      await tmux.waitForText(`cancel #${pending.id} ${pending.name}? y/N`);
      await tmux.type("y", false);
      await tmux.waitForText(new RegExp(`${pending.name}\\s+cancelled`));
    }));

  it("Ctrl-C stops a `tail -f` (even before it printed anything) and never quits; q does", () =>
    withShell(async (shell) => {
      const { tmux } = shell;
      await shell.holding(1, 1);
      await tmux.type(`tail -f ${await shell.idOf("hold1")}`);
      await tmux.waitForText("(1 running)");
      await tmux.keys("C-c");
      await tmux.waitForScreen((s) => s.includes("stopped") && !s.includes("(1 running)"), "the tail -f to stop");
      // Nothing runs now: a second Ctrl-C says how to leave, and leaves nothing.
      await tmux.keys("C-c");
      await tmux.waitForText("Ctrl-C stops what runs here");
      await tmux.type("pjc 3");
      await tmux.waitForText("PJC 3");
      await tmux.keys("Escape");
      await tmux.waitForText("q quit");
      await tmux.type("q", false);
      await tmux.waitForText("detached — jobs keep running in the server", undefined, true);
    }));

  it("the chart's x axis is clock time (HH:MM:SS) and its colours are named in a title that fits at 70 and 120 columns, with no legend on the plot", () =>
    withShell(async ({ tmux }) => {
      for (const [w, h] of [[70, 24], [120, 40]] as const) {
        await tmux.resize(w, h);
        const chart = computeAreas(w, h).chart!;
        const screen = await tmux.waitForScreen((s) => {
          const lines = s.split("\n");
          return lines.length >= h && /\d\d:\d\d:\d\d/.test(region(s, chart).join("\n")) && [...lines[0]!].length <= w;
        }, `a ${w}×${h} chart with clock times`);
        const [top, ...inside] = region(screen, chart);
        assert.match(top!, /^┌─ .*\(cyan\).*\(green\) ─*┐$/, "the whole title on the chart's top border");
        const plot = inside.join("\n");
        assert.doesNotMatch(plot, /[a-z]/i, "no title text wrapped into the plot, no legend box over it");
        assert.match(plot, /\b\d\d:\d\d:\d\d\b/);
      }
    }));

  it("a long name is cut at 32 characters with …", () =>
    withShell(async ({ tmux }) => {
      const name = "a_job_name_of_seventy_characters_that_would_push_the_state_column_away";
      await tmux.type(`${name}: $ true`);
      await tmux.waitForText(new RegExp(`${name.slice(0, 31)}… success`));
    }));

  it("the log pane follows the filter: a job the filter hides is not shown", () =>
    withShell(async ({ tmux, load, idOf }) => {
      await load("mixed", "jobset mixed\nok1: $ echo one\n" + holds(1) + "\n");
      await tmux.waitForScreen((s) => /ok1\s+success/.test(s) && /hold1\s+running/.test(s), "one job done and one held");
      const [ok1, hold1] = [await idOf("ok1"), await idOf("hold1")];
      await tmux.keys("Escape");
      await tmux.keys("Home");
      await tmux.waitForText(`log #${hold1} hold1`);
      await tmux.type("/", false);
      await tmux.type("success");
      await tmux.waitForScreen((s) => /jobs \[success\] 1-1 of 1/.test(s) && s.includes(`log #${ok1} ok1`) && !s.includes("hold1"), "the pane on ok1, hold1 gone");
      await tmux.type("/", false);
      await tmux.type("cancelled");
      await tmux.waitForScreen((s) => s.includes("no job matches the filter") && !s.includes(`log #${ok1}`), "an empty pane for a filter that shows nothing");
    }));

  it("an error reads as one line in the status line", () =>
    withShell(async ({ tmux }) => {
      await tmux.type("priority xx $ true");
      const screen = await tmux.waitForText(/error at column 10: unknown priority `xx`/);
      assert.ok(!screen.includes("<shell>") && !screen.includes("any other key closes"), "no `<shell>:1:10: error:` and no overlay");
    }));
});
