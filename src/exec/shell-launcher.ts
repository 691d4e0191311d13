// The fallback launcher, for systems without Perl: Node spawns each job
// itself. The job's own wrapper shell records its exit status (the engine
// may not be there to see it): the user's command runs verbatim in a child
// `/bin/sh -c`, and the wrapper's TERM trap keeps it alive through the
// group's SIGTERM until that child has ended. Handlers (unlike ignored
// signals) reset on exec, so the user's command sees default dispositions.
// Slower than the Perl spawner: fork cost grows with the engine's memory.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import type { Launcher, LauncherEvents, LaunchRequest } from "./launcher.js";

// The exit line carries the end time in ms (GNU date's %3N; elsewhere whole seconds) for an engine that adopts it later.
const WRAPPER =
  'trap : TERM INT HUP; printf "start %s %s %s\\n" "$PLL_JOB_ID" "$PLL_ATTEMPT" "$$" >> "$2"; ' +
  '/bin/sh -c "$1"; s=$?; t=$(date +%s%3N 2>/dev/null); case "$t" in ""|*[!0-9]*) t=$(($(date +%s) * 1000));; esac; ' +
  'printf "exit %s %s %s %s\\n" "$PLL_JOB_ID" "$PLL_ATTEMPT" "$s" "$t" >> "$2"; exit "$s"';

export class ShellLauncher implements Launcher {
  private readonly children = new Set<ChildProcess>();

  constructor(private readonly events: LauncherEvents) {}

  launch(req: LaunchRequest): void {
    const out = openSync(req.out, "a");
    const err = openSync(req.err, "a");
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
        this.events.exited(req.jobId, pid, code, signal);
      });
      queueMicrotask(() => this.events.started(req.jobId, pid));
    } finally {
      closeSync(out);
      closeSync(err);
    }
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
