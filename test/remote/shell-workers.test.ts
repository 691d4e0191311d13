// Issue 15: the shell's workers view in a real terminal (tmux) — `w` in the
// table turns the log pane into the server's workers, `w` again back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { pllBin } from "../helpers/home.js";
import { TmuxSession, tmuxAvailable } from "../shell/tmux-session.js";
import { withCluster } from "./cluster.js";

test("`w` in the shell's table shows the workers (name, host, roles, slots, running, heartbeat), `w` again the log", { skip: !tmuxAvailable() && !process.env.CI && "tmux is not installed" }, async () => {
  await withCluster([["--role", "gpu,cpu", "--slots", "3", "--name", "gpu1"]], async ({ home }) => {
    const tmux = await TmuxSession.start([pllBin, "shell"], { env: { PLL_HOME: home, LANG: "C.UTF-8" }, cwd: home, width: 100, height: 30 });
    try {
      await tmux.waitForText("pll>");
      await tmux.keys("Escape");
      await tmux.keys("w");
      const screen = await tmux.waitForText([/workers \(w: back to the log\)/, /NAME +HOST +ROLES +SLOTS +RUNNING +HEARTBEAT/, /gpu1 +\S+ +gpu,cpu +3 +0 +\d+\.\ds ago/]);
      assert.doesNotMatch(screen, /silent/);
      await tmux.keys("w");
      await tmux.waitForScreen((s) => !/NAME +HOST +ROLES/.test(s) && /welcome/.test(s), "the workers view to close");
    } finally {
      await tmux.kill();
    }
  });
});
