// A real terminal for end-to-end tests: one tmux server on its own socket per
// session (so nothing touches the user's tmux), driven with send-keys and
// read with capture-pane.
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { waitFor } from "../helpers/home.js";

const run = promisify(execFile);

export function tmuxAvailable(): boolean {
  try {
    execFileSync("tmux", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export class TmuxSession {
  readonly name = `pll-shell-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  private constructor() {}

  /** Starts `command` in a detached `width`×`height` tmux window; the pane stays after it exits, to read its last words. */
  static async start(command: string[], opts: { env: Record<string, string>; cwd: string; width?: number; height?: number }): Promise<TmuxSession> {
    const { env, cwd, width = 100, height = 30 } = opts;
    const s = new TmuxSession();
    const envArgs = Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
    await s.tmux("new-session", "-d", "-s", s.name, "-c", cwd, "-x", String(width), "-y", String(height), ...envArgs, command.map(quote).join(" "));
    await s.tmux("set-option", "-t", s.name, "remain-on-exit", "on");
    return s;
  }

  private tmux(...args: string[]): Promise<{ stdout: string }> {
    return run("tmux", ["-L", this.name, ...args], { encoding: "utf8" });
  }

  /** The visible screen; with `history`, the scrollback too (where a dead pane's last words end up). */
  async capture(history = false): Promise<string> {
    return (await this.tmux("capture-pane", "-p", ...(history ? ["-S", "-"] : []), "-t", this.name)).stdout;
  }

  /** Types `text` literally, then presses Enter. */
  async type(text: string, enter = true): Promise<void> {
    await this.tmux("send-keys", "-t", this.name, "-l", text);
    if (enter) await this.keys("Enter");
  }

  /** Presses named keys (`Escape`, `Up`, `C-c`…). */
  async keys(...keys: string[]): Promise<void> {
    await this.tmux("send-keys", "-t", this.name, ...keys);
  }

  async resize(width: number, height: number): Promise<void> {
    await this.tmux("resize-window", "-t", this.name, "-x", String(width), "-y", String(height));
  }

  /** Polls the screen until `check` accepts it; the failure message shows the last screen. */
  async waitForScreen(check: (screen: string) => boolean, what: string, timeoutMs = 15_000, history = false): Promise<string> {
    let last = "";
    try {
      return await waitFor(
        async () => {
          last = await this.capture(history);
          return check(last) ? last : undefined;
        },
        what,
        timeoutMs,
        50,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- last screen ---\n${last}`);
    }
  }

  /**
   * Waits for one screen that shows every one of `texts`. Several things
   * asserted together must be waited for together: the shell redraws as
   * events arrive, so a screen can hold one of them and not yet the other.
   */
  async waitForText(texts: string | RegExp | (string | RegExp)[], timeoutMs?: number, history = false): Promise<string> {
    const all = Array.isArray(texts) ? texts : [texts];
    const found = (s: string) => all.every((t) => (typeof t === "string" ? s.includes(t) : t.test(s)));
    return this.waitForScreen(found, `the screen to show ${all.map(String).join(" and ")}`, timeoutMs, history);
  }

  /** Ends this session (and so its private tmux server) by name. */
  async kill(): Promise<void> {
    await this.tmux("kill-session", "-t", this.name).catch(() => {});
  }
}

/** tmux runs the command through a shell: quote each word. */
function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
