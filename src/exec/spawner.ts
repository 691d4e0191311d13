// The launchers: one long-lived spawner process starts every job and
// reports starts and exits on a pipe. Two programs speak the same protocol:
// the native one (spawner.c, built into dist/ when a C compiler is there; a
// small C process forks cheaply) and the Perl one (spawner.pl, the fallback
// wherever Perl is). A host with neither cannot run jobs: pll says so at
// start (see findSpawner). Started lazily.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { procInfo, procTable } from "./proc-status.js";
import { constants } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "../core/errors.js";
import type { Launcher, LauncherEvents, LaunchRequest } from "./launcher.js";

const here = path.dirname(fileURLToPath(import.meta.url));

/** Where a spawner program may be: tests point these at nothing to see pll refuse to start. */
export interface SpawnerPlaces {
  /** the native spawner, built by `npm run build` beside dist/src (src/exec/build-spawner.sh) */
  native: string;
  /** the Perl spawner, copied beside this module by the build */
  script: string;
  perls: string[];
}

export const SPAWNER_PLACES: SpawnerPlaces = {
  native: path.resolve(here, "../../pll-spawner"),
  script: path.join(here, "spawner.pl"),
  perls: ["/usr/bin/perl", "/bin/perl", "/usr/local/bin/perl"],
};

export const NATIVE_SPAWNER = SPAWNER_PLACES.native;
export const PERL_SPAWNER = SPAWNER_PLACES.script;

/** `PLL_LAUNCHER`: auto (native, else Perl), or one by name — which must then be there. */
export type LauncherChoice = "auto" | "native" | "perl";

/** How to start a spawner: the native program, or Perl with the script. */
export interface SpawnerProgram {
  file: string;
  args: string[];
}

export const findPerl = (places = SPAWNER_PLACES): string | undefined => places.perls.find((p) => existsSync(p));
export const findNative = (places = SPAWNER_PLACES): string | undefined => (existsSync(places.native) ? places.native : undefined);

export const nativeProgram = (file: string): SpawnerProgram => ({ file, args: [] });
export const perlProgram = (perl: string, script = PERL_SPAWNER): SpawnerProgram => ({ file: perl, args: [script] });

/** The spawner to use, or a one-line reason why jobs cannot be started here. */
export function findSpawner(choice: LauncherChoice, places = SPAWNER_PLACES): SpawnerProgram {
  const native = choice === "perl" ? undefined : findNative(places);
  if (native) return nativeProgram(native);
  if (choice === "native") throw new UserError("usage", `PLL_LAUNCHER=native, but no native spawner was built (${places.native}): run \`npm run build\` with a C compiler, or unset PLL_LAUNCHER`);
  const perl = existsSync(places.script) ? findPerl(places) : undefined;
  if (perl) return perlProgram(perl, places.script);
  throw new UserError(
    "unavailable",
    choice === "perl"
      ? `PLL_LAUNCHER=perl, but perl (or ${places.script}) is not there`
      : "pll cannot start jobs on this host: it needs its native spawner (built by `npm run build` with a C compiler) or perl, and has neither",
  );
}

/** Reads `PLL_LAUNCHER` (for users and CI; the CLI and server read it once, when they open the engine). */
export function launcherFromEnv(value = process.env.PLL_LAUNCHER): LauncherChoice {
  if (value === undefined || value === "" || value === "auto" || value === "native" || value === "perl") return (value || "auto") as LauncherChoice;
  throw new UserError("usage", `PLL_LAUNCHER: expected native, perl or auto, got ${JSON.stringify(value)}`);
}

const signalName = (n: number): NodeJS.Signals | null =>
  (Object.entries(constants.signals).find(([, v]) => v === n)?.[0] as NodeJS.Signals | undefined) ?? null;

/**
 * Kills the spawner of an earlier engine of this home if it is still there (see
 * Supervisor.prepare): the process named "pll job spawner" whose
 * parent is the guardian recorded in `pidFile` (same pid, same start time).
 * Its guardian stays and records its jobs' exits. True if there was one.
 */
export function retireSpawner(pidFile: string): boolean {
  let guardian: number;
  let startedAt: number;
  try {
    [guardian, startedAt] = readFileSync(pidFile, "utf8").trim().split(" ").map(Number) as [number, number];
  } catch {
    return false;
  }
  const info = procInfo(guardian);
  // /proc's start time is exact to 10 ms; the recorded one was read the same way.
  if (!info || info.zombie || Math.abs(info.startedAt - startedAt) > 20) return false;
  const table = procTable();
  if (table.find((p) => p.pid === guardian)?.comm !== "pll job guard") return false;
  const spawners = table.filter((p) => p.ppid === guardian && p.comm === "pll job spawner").map((p) => p.pid);
  for (const pid of spawners) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
  // SIGKILL is delivered at once; the guardian reaps it (its jobs become the guardian's). Wait for that, briefly.
  const until = Date.now() + 1_000;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  // One read of /proc per pid and check: it may be reaped between two reads.
  const running = (pid: number) => procInfo(pid)?.zombie === false;
  while (spawners.some(running) && Date.now() < until) Atomics.wait(pause, 0, 0, 5);
  return true;
}

export class Spawner implements Launcher {
  private proc?: ChildProcess;
  private partial = "";
  /** launch records not yet written: the jobs one tick starts go in one write (one wakeup of the spawner) */
  private unsent: string[] = [];

  constructor(
    private readonly program: SpawnerProgram,
    private readonly events: LauncherEvents,
    /** records the native spawner's guardian (pid and start time) for the next engine: see retireSpawner */
    private readonly pidFile?: string,
  ) {}

  /** Starts the spawner process ahead of the first job. */
  warm(): void {
    this.process();
  }

  launch(req: LaunchRequest): void {
    const env = Object.entries(req.env).map(([k, v]) => `${k}=${v}`);
    const fields = ["spawn", req.jobId, req.attempt, req.cwd, req.out, req.err, req.status, req.command, env.length, ...env];
    if (this.unsent.push(`${fields.join("\0")}\0`) === 1) queueMicrotask(() => this.send());
  }

  close(): void {
    this.send();
    if (!this.proc) return;
    this.proc.stdin!.end();
    this.proc.stdout!.removeAllListeners("data");
    this.proc.stdout!.destroy();
    this.proc.unref();
    this.proc = undefined;
  }

  private process(): ChildProcess {
    if (this.proc) return this.proc;
    // Own session and no inherited terminal or pipes: it outlives us to record our jobs' ends.
    const proc = spawn(this.program.file, this.program.args, {
      argv0: "pll-spawner",
      detached: true,
      stdio: ["pipe", "pipe", "ignore"],
    });
    if (this.pidFile && proc.pid !== undefined) {
      const started = procInfo(proc.pid)?.startedAt;
      if (started !== undefined) writeFileSync(this.pidFile, `${proc.pid} ${started}\n`, { mode: 0o600 });
    }
    proc.stdout!.setEncoding("utf8");
    proc.stdout!.on("data", (chunk: string) => this.read(chunk));
    proc.stdin!.on("error", () => {}); // it died: the exit handler below reports it
    // It could not be started (EMFILE, EAGAIN): its jobs have no pid, so `lost` fails them; the next launch tries again.
    proc.on("error", (err) => {
      if (this.proc !== proc) return;
      this.proc = undefined;
      process.stderr.write(`pll: the job spawner could not be started: ${err.message}\n`);
      this.events.lost();
    });
    // The native program stays as the spawner's guardian (spawner.c), so the process we started may live on after
    // the spawner proper died: the spawner's stdout closing is what says it is gone, whichever program it is.
    proc.stdout!.on("close", () => {
      if (this.proc !== proc) return;
      this.proc = undefined;
      process.stderr.write("pll: the job spawner died; its running jobs are watched by polling, their ends read from the status logs\n");
      this.events.lost();
    });
    this.proc = proc;
    return proc;
  }

  private send(): void {
    if (!this.unsent.length) return;
    const records = this.unsent.join("");
    this.unsent = [];
    this.process().stdin!.write(records);
  }

  private read(chunk: string): void {
    const lines = (this.partial + chunk).split("\n");
    this.partial = lines.pop()!;
    for (const line of lines) {
      const [word, id, a, b, c] = line.split(" ");
      const jobId = Number(id);
      if (word === "started") this.events.started(jobId, Number(a));
      else if (word === "exit") this.events.exited(jobId, Number(a), Number(b), Number(c) ? signalName(Number(c)) : null);
      else if (word === "error") this.events.failed(jobId, line.split(" ").slice(2).join(" "));
    }
  }
}
