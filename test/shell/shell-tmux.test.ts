// `pll shell` in a real terminal (tmux) against a real server on a temp home:
// type commands, read the screen.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { connect, type Client } from "../../src/client/client.js";
import { socketAnswers } from "../../src/client/socket-probe.js";
import type { JobListResponse } from "../../src/server/api-types.js";
import { homePaths } from "../../src/home.js";
import { pllBin, waitFor } from "../helpers/home.js";
import { TmuxSession, tmuxAvailable } from "./tmux-session.js";

// Jobs that hold their slot until the test lets them go: no sleeps, no orphans.
const HOLD = `while [ ! -e "$PLL_HOME/release" ]; do sleep 0.05; done`;
const demo = `jobset demo
flaky: priority high $ if [ -e fixed.flag ]; then echo "fixed now"; exit 0; fi; touch fixed.flag; echo "first try"; echo "it broke" >&2; exit 3
${Array.from({ length: 8 }, (_, i) => `hold${i + 1}: $ ${HOLD}`).join("\n")}
`;

describe("pll shell in a terminal", { skip: !tmuxAvailable() && !process.env.CI && "tmux is not installed (CI fails instead of skipping)" }, () => {
  let home: string;
  let server: ChildProcess | undefined;
  let client: Client | undefined;
  let tmux: TmuxSession | undefined;
  let flakyId = 0;

  before(async () => {
    home = await mkdtemp(path.join(tmpdir(), "pll-shell-"));
    await writeFile(path.join(home, "demo.pll"), demo);
    server = spawn(pllBin, ["serve"], { env: { ...process.env, PLL_HOME: home }, stdio: "ignore" });
    // The socket file exists from bind(), a moment before the server accepts on it: wait for an answer.
    await waitFor(() => socketAnswers(homePaths(home).socket), "the server to answer on its socket", 15_000);
    client = await connect({ home });
    // Jobs typed in the shell run in its working directory: the temp home.
    tmux = await TmuxSession.start([pllBin, "shell"], { env: { PLL_HOME: home, LANG: "C.UTF-8" }, cwd: home, width: 100, height: 30 });
    await tmux.waitForText("pll>");
  });

  after(async () => {
    await writeFile(path.join(home, "release"), "").catch(() => {});
    // Jobs outlive the server: let them end before it stops and the home is removed.
    const left = async (state: string) => (await client?.request<JobListResponse>("GET", `/jobs?state=${state}`).catch(() => undefined))?.jobs.length;
    await waitFor(async () => (await left("running")) === 0 && (await left("pending")) === 0, "the held jobs to end").catch(() => client?.request("POST", "/jobs/all/kill").catch(() => {}));
    client?.close();
    await tmux?.kill();
    if (server?.exitCode === null) {
      const exited = new Promise((r) => server!.once("exit", r));
      server.kill("SIGTERM");
      await exited;
    }
    await rm(home, { recursive: true, force: true, maxRetries: 5 });
  });

  it("a job line typed in the command bar runs a job", async () => {
    await tmux!.type("$ echo hello-from-the-shell");
    const screen = await tmux!.waitForScreen((s) => /\d+ echo\s+success/.test(s), "the typed job to succeed");
    const id = /^\W*(\d+) .*success/m.exec(screen)?.[1];
    assert.ok(id, "its row shows in the table");
    await tmux!.type(`tail ${id}`);
    await tmux!.waitForText(/│hello-from-the-shell\s+│/);
  });

  it("shows the loaded jobs and their states in the table, and a failure in the status line", async () => {
    await tmux!.type("pjc 2");
    await tmux!.waitForText("PJC 2");
    await tmux!.type(`load ${path.join(home, "demo.pll")}`);
    await tmux!.waitForText([/flaky\s+errored/, /hold\d\s+running/, /hold\d\s+pending/, /jobset demo/, /running 2/, /flaky failed/, /✗ 1 failed/]);
    const { jobs } = await client!.request<JobListResponse>("GET", "/jobs?ref=flaky");
    flakyId = jobs[0]!.id;
  });

  it("`pjc 6` changes the header and lets more jobs run", async () => {
    await tmux!.type("pjc 6");
    await tmux!.waitForScreen((s) => s.includes("PJC 6") && /running 6/.test(s), "PJC 6 with six jobs running");
  });

  it("`tail N` shows the job's output, stderr marked", async () => {
    await tmux!.type(`tail ${flakyId}`);
    // stdout and stderr lines arrive separately: wait for a screen with both
    await tmux!.waitForText(["first try", /! it broke/]);
  });

  it("`retry N` re-runs a failed job", async () => {
    await tmux!.type(`retry ${flakyId}`);
    await tmux!.waitForScreen((s) => /flaky\s+pending/.test(s), "flaky to wait for a slot");
    // A free slot (six holds run): flaky is high priority, so it takes it before hold7.
    await tmux!.type("pjc 7");
    await tmux!.waitForScreen((s) => /flaky\s+success/.test(s) && !s.includes("✗ 1 failed"), "flaky to succeed");
    await tmux!.type(`tail ${flakyId}`);
    await tmux!.waitForText("fixed now");
  });

  it("a bad command shows an error and the shell stays up", async () => {
    await tmux!.type("frobnicate 12");
    await tmux!.waitForText(/frobnicate/);
    await tmux!.type("pjc 5");
    await tmux!.waitForText("PJC 5");
  });

  it("↑ recalls earlier commands, which are kept in $PLL_HOME/history; Tab completes", async () => {
    await tmux!.keys("Up");
    await tmux!.waitForText(/pll> pjc 5/);
    await tmux!.keys("C-u");
    const history = await readFile(homePaths(home).history, "utf8");
    assert.match(history, /^pjc 6$/m);
    assert.match(history, /^frobnicate 12$/m);
    await tmux!.type("retr", false);
    await tmux!.keys("Tab");
    await tmux!.waitForText(/pll> retry/);
    await tmux!.type("1", false);
    await tmux!.waitForText(/pll> retry 1/);
    await tmux!.keys("C-u");
  });

  it("in the table, / filters by state and ? shows the help", async () => {
    await tmux!.keys("Escape");
    await tmux!.waitForText("r retry");
    await tmux!.type("/", false);
    await tmux!.type("success");
    await tmux!.waitForScreen(
      (s) => /jobs \[success\] 1-2 of 2/.test(s) && /flaky\s+success/.test(s) && !/hold\d\s+running/.test(s),
      "the table filtered to the two successful jobs",
    );
    await tmux!.type("/", false);
    await tmux!.type("");
    await tmux!.waitForText(/hold\d\s+running/);
    await tmux!.type("?", false);
    await tmux!.waitForText("any other key closes");
    await tmux!.keys("Escape");
    await tmux!.waitForScreen((s) => !s.includes("any other key closes"), "the help to close");
    await tmux!.type(":", false);
    await tmux!.waitForText("pll>");
  });

  it("in the table, + and - change the PJC and k kills the selected job", async () => {
    await tmux!.keys("Escape");
    await tmux!.waitForText("r retry");
    await tmux!.type("+", false);
    await tmux!.waitForText("PJC 6");
    await tmux!.type("-", false);
    await tmux!.waitForText("PJC 5");
    await tmux!.keys("Home");
    await tmux!.type("k", false);
    await tmux!.waitForScreen((s) => /hold\d\s+errored/.test(s) && /hold\d failed: killed/.test(s) && s.includes("✗ 1 failed"), "the selected hold job to be killed");
    await tmux!.type(":", false);
    await tmux!.waitForText("pll>");
  });

  it("resizing re-lays out the screen cleanly", async () => {
    for (const [w, h] of [[80, 24], [120, 40], [100, 30]] as const) {
      await tmux!.resize(w, h);
      const screen = await tmux!.waitForScreen((s) => {
        const lines = s.replace(/\n$/, "").split("\n");
        return lines.length === h && lines[2]!.startsWith("┌─ jobs") && lines[h - 1]!.startsWith("pll>");
      }, `a clean ${w}×${h} layout`);
      const lines = screen.replace(/\n$/, "").split("\n");
      assert.ok(lines.every((l) => [...l].length <= w), "no line is wider than the terminal");
      assert.match(lines[0]!, /^pll /);
      assert.match(lines[1]!, /running \d/);
    }
  });

  it("q in the table leaves with the detach message; the jobs keep running", async () => {
    await tmux!.keys("Escape");
    await tmux!.waitForText("r retry");
    await tmux!.keys("q");
    // The message is printed after the full screen is gone: it is in the scrollback.
    await tmux!.waitForText("detached — jobs keep running in the server", undefined, true);
    const { jobs } = await client!.request<JobListResponse>("GET", "/jobs?state=running");
    assert.ok(jobs.length > 0);
  });
});
