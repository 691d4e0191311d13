// What the OS and the job's own shell say about a job the engine did not see
// end: the status file its wrapper shell writes, and /proc for liveness.
// Start times from /proc guard against a recycled pid.
import { readFileSync } from "node:fs";

export interface StatusFile {
  attempt?: number;
  pid?: number;
  exitCode?: number;
}

/** Parses `start ATTEMPT PID` / `exit CODE` lines; missing file → {}. */
export function readStatusFile(file: string): StatusFile {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return {};
  }
  const status: StatusFile = {};
  for (const line of text.split("\n")) {
    const [word, a, b] = line.trim().split(/\s+/);
    if (word === "start") {
      status.attempt = Number(a);
      status.pid = Number(b);
    } else if (word === "exit" && a !== undefined && /^\d+$/.test(a)) status.exitCode = Number(a);
  }
  return status;
}

export interface ProcInfo {
  pgrp: number;
  /** ms since the epoch, to about 10 ms (plus btime's 1 s resolution) */
  startedAt: number;
  zombie: boolean;
}

const CLOCK_TICKS = 100; // USER_HZ: 100 on every Linux ABI in use
let bootMs: number | undefined;

function bootTimeMs(): number {
  if (bootMs === undefined) {
    const m = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"));
    bootMs = m ? Number(m[1]) * 1000 : 0;
  }
  return bootMs;
}

export function procInfo(pid: number): ProcInfo | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // comm may hold spaces and parentheses: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return {
    zombie: fields[0] === "Z",
    pgrp: Number(fields[2]),
    startedAt: bootTimeMs() + (Number(fields[19]) * 1000) / CLOCK_TICKS,
  };
}

/** Is `pid` still the group leader we spawned at about `spawnedAt`? */
export function isOurLeader(pid: number, spawnedAt: number): boolean {
  const info = procInfo(pid);
  if (!info || info.zombie || info.pgrp !== pid) return false;
  // btime is whole seconds; spawn follows the persisted start within moments.
  return info.startedAt >= spawnedAt - 2_000 && info.startedAt <= spawnedAt + 120_000;
}

/** Does any process of group `pgid` remain? */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is already gone
  }
}
