// What the OS and the launcher say about a job the engine did not see end:
// the run's status log, and /proc for liveness.
// Start times from /proc guard against a recycled pid.
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";

/** What a run's status log says about one job's latest attempt. */
export interface JobStatus {
  attempt: number;
  pid?: number;
  exitCode?: number;
  /** when it exited, ms since the epoch (absent in logs of older launchers) */
  endedAt?: number;
}

/**
 * A run's status log (`start JOB ATTEMPT PID` / `exit JOB ATTEMPT CODE MS`
 * lines, appended by the launcher), read incrementally: each refresh reads
 * only what was appended since the last.
 */
export class StatusLog {
  private offset = 0;
  private partial = "";
  private readonly jobs = new Map<number, JobStatus>();

  constructor(readonly file: string) {}

  /** The job's status if the log has seen this attempt of it. */
  of(jobId: number, attempt: number): JobStatus | undefined {
    const s = this.jobs.get(jobId);
    return s?.attempt === attempt ? s : undefined;
  }

  refresh(): this {
    let fd: number;
    try {
      fd = openSync(this.file, "r");
    } catch {
      return this;
    }
    try {
      const size = fstatSync(fd).size;
      if (size <= this.offset) return this;
      const buf = Buffer.alloc(size - this.offset);
      const n = readSync(fd, buf, 0, buf.length, this.offset);
      this.offset += n;
      const lines = (this.partial + buf.toString("utf8", 0, n)).split("\n");
      this.partial = lines.pop()!;
      for (const line of lines) this.apply(line);
      return this;
    } finally {
      closeSync(fd);
    }
  }

  private apply(line: string): void {
    const [word, id, attempt, value, at] = line.split(" ");
    const jobId = Number(id);
    const n = Number(attempt);
    const v = Number(value);
    if (!Number.isInteger(jobId) || !Number.isInteger(n) || !Number.isInteger(v)) return;
    const known = this.jobs.get(jobId);
    if (known && known.attempt > n) return;
    const entry = known?.attempt === n ? known : { attempt: n };
    if (word === "start") entry.pid = v;
    else if (word === "exit") {
      entry.exitCode = v;
      const endedAt = Number(at);
      if (at && Number.isInteger(endedAt)) entry.endedAt = endedAt;
    }
    this.jobs.set(jobId, entry);
  }
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

/**
 * Which of these process groups still have a live member? A zombie does not
 * count: it is dead, only waiting for its reaper — and a job's orphaned
 * grandchildren are reaped by init, which may take its time. One scan of
 * /proc serves every group asked about; groups the kernel already reports
 * empty (kill(-pgid, 0) → ESRCH) need no scan at all.
 */
export function liveGroups(pgids: Iterable<number>): Set<number> {
  const present = new Set([...pgids].filter(groupExists));
  const live = new Set<number>();
  if (present.size === 0) return live;
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return present; // no /proc: trust the kernel's answer, zombies included
  }
  for (const name of entries) {
    if (name.charCodeAt(0) > 57) continue; // not a pid directory
    const info = procInfo(Number(name));
    if (info && !info.zombie && present.has(info.pgrp)) live.add(info.pgrp);
  }
  return live;
}

/**
 * The process groups other than `pgid` itself that descendants of the group's
 * members lead or belong to: a `setsid` child or a `set -m` background job of
 * a job leaves its process group but not its parentage. Read from one scan of
 * /proc while the job's processes are alive; a process whose parent already
 * exited (a double-forked daemon) is no longer anyone's descendant and is not
 * found.
 */
export function descendantGroups(pgid: number): number[] {
  const table = procTable();
  const parentOf = new Map(table.map((p) => [p.pid, p.ppid]));
  const groupOf = new Map(table.map((p) => [p.pid, p.pgrp]));
  const groups = new Set<number>();
  for (const { pid, pgrp } of table) {
    if (pgrp === pgid) continue;
    // An ancestor in the job's group makes this a descendant of the job.
    for (let p = parentOf.get(pid), hops = 0; p !== undefined && p > 1 && hops < 64; p = parentOf.get(p), hops++) {
      if (groupOf.get(p) === pgid) {
        groups.add(pgrp);
        break;
      }
    }
  }
  return [...groups];
}

/** The live processes' pid, parent, group and name, from one scan of /proc (zombies left out). */
export function procTable(): { pid: number; ppid: number; pgrp: number; comm: string }[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const table: { pid: number; ppid: number; pgrp: number; comm: string }[] = [];
  for (const name of entries) {
    if (name.charCodeAt(0) > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    const close = stat.lastIndexOf(")");
    const fields = stat.slice(close + 2).split(" ");
    if (fields[0] === "Z") continue;
    table.push({ pid: Number(name), ppid: Number(fields[1]), pgrp: Number(fields[2]), comm: stat.slice(stat.indexOf("(") + 1, close) });
  }
  return table;
}

/** Does any process of group `pgid` remain, zombies included? */
function groupExists(pgid: number): boolean {
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
