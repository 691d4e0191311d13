// The fallback launcher, for systems without Perl: Node spawns each job
// itself. The job's own wrapper shell records its exit status (the engine
// may not be there to see it): the user's command runs verbatim in a child
// `/bin/sh -c`, and the wrapper's TERM trap keeps it alive through the
// group's SIGTERM until that child has ended. Handlers (unlike ignored
// signals) reset on exec, so the user's command sees default dispositions.
// Slower than the Perl spawner: fork cost grows with the engine's memory.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, constants as fsConstants, openSync } from "node:fs";
import { constants } from "node:os";
import type { Launcher, LauncherEvents, LaunchRequest } from "./launcher.js";

const APPEND_NOFOLLOW = fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT | fsConstants.O_NOFOLLOW;

// The exit line carries the end time in ms (GNU date's %3N; elsewhere whole seconds) for an engine that adopts it later.
// A signal trapped before the command started means it never starts (its status is the signal's); one that
// lands between that check and the fork is caught by `terminated` below.
const WRAPPER =
  'k=; trap k=143 TERM; trap k=130 INT; trap k=129 HUP; printf "start %s %s %s\\n" "$PLL_JOB_ID" "$PLL_ATTEMPT" "$$" >> "$2"; ' +
  'if [ -z "$k" ]; then /bin/sh -c "$1"; s=$?; else s=$k; fi; ' +
  't=$(date +%s%3N 2>/dev/null); case "$t" in ""|*[!0-9]*) t=$(($(date +%s) * 1000));; esac; ' +
  'printf "exit %s %s %s %s\\n" "$PLL_JOB_ID" "$PLL_ATTEMPT" "$s" "$t" >> "$2"; exit "$s"';

/** How long after the group's SIGTERM a wrapper still running gets it again (see `terminated`). */
const TERM_AGAIN_MS = 250;

export class ShellLauncher implements Launcher {
  private readonly children = new Set<ChildProcess>();

  constructor(private readonly events: LauncherEvents) {}

  launch(req: LaunchRequest): void {
    const out = openSync(req.out, APPEND_NOFOLLOW, 0o666);
    const err = openSync(req.err, APPEND_NOFOLLOW, 0o666);
    try {
      const child = spawn("/bin/sh", ["-c", WRAPPER, "pll-job", req.command, req.status], {
        cwd: req.cwd,
        env: { ...process.env, ...req.env },
        detached: true,
        stdio: ["ignore", out, err],
      });
      child.on("error", (e) => this.events.failed(req.jobId, `${e.message} (in ${req.cwd})`));
      const pid = child.pid;
      if (pid === undefined) return;
      this.children.add(child);
      child.on("exit", (code, signal) => {
        this.children.delete(child);
        // A wrapper signalled before its trap was set dies of the signal: report it as the spawners and shells do, 128 + n.
        this.events.exited(req.jobId, pid, code ?? (signal ? 128 + constants.signals[signal] : null), signal);
      });
      queueMicrotask(() => this.events.started(req.jobId, pid));
    } finally {
      closeSync(out);
      closeSync(err);
    }
  }

  /**
   * The group got SIGTERM. If that happened after the wrapper's check and
   * before its fork, the command started without it: while the wrapper still
   * runs, the group gets SIGTERM once more.
   */
  terminated(pid: number): void {
    const child = [...this.children].find((c) => c.pid === pid);
    if (!child) return;
    const again = setTimeout(() => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-pid, "SIGTERM");
      } catch {
        // the group is gone
      }
    }, TERM_AGAIN_MS);
    again.unref();
    child.once("exit", () => clearTimeout(again));
  }

  close(): void {
    // The jobs go on without us: forget them so this process can exit.
    for (const child of this.children) {
      child.removeAllListeners("exit");
      child.unref();
    }
    this.children.clear();
  }
}
