// The processes of one crash trial's home, read from /proc: the server's job
// spawner (to kill it), the jobs still running (to wait for their markers),
// and everything left at the end (to stop it). Nothing here trusts the pll
// process it is testing: a crashed server cannot be asked what it started.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export const SPAWNER_COMM = "pll job spawner";

export interface ProcEntry {
  pid: number;
  ppid: number;
  pgrp: number;
  comm: string;
  /** R running, S sleeping, T stopped, Z zombie… */
  state: string;
  zombie: boolean;
}

export function procEntry(pid: number): ProcEntry | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // comm may hold spaces and parentheses: the fields after it start past the last ')'.
  const close = stat.lastIndexOf(")");
  const fields = stat.slice(close + 2).split(" ");
  return { pid, comm: stat.slice(stat.indexOf("(") + 1, close), state: fields[0]!, zombie: fields[0] === "Z", ppid: Number(fields[1]), pgrp: Number(fields[2]) };
}

export function listProcs(): ProcEntry[] {
  const out: ProcEntry[] = [];
  for (const name of readdirSync("/proc")) {
    if (name.charCodeAt(0) > 57) continue; // not a pid directory
    const entry = procEntry(Number(name));
    if (entry) out.push(entry);
  }
  return out;
}

/** Alive, not a zombie waiting for its reaper. */
export const isAlive = (pid: number): boolean => {
  const e = procEntry(pid);
  return e !== undefined && !e.zombie;
};

/**
 * The spawner serving `serverPid`: the topmost descendant named "pll job
 * spawner" (a job forked but not yet exec'ed carries the same name, one
 * level down). Descendants at any depth, so a supervising process between
 * server and spawner does not hide it.
 */
export function spawnerOf(serverPid: number): number | undefined {
  const procs = listProcs().filter((p) => !p.zombie);
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const childrenOf = new Map<number, ProcEntry[]>();
  for (const p of procs) {
    const list = childrenOf.get(p.ppid);
    if (list) list.push(p);
    else childrenOf.set(p.ppid, [p]);
  }
  const queue = [...(childrenOf.get(serverPid) ?? [])];
  while (queue.length) {
    const p = queue.shift()!;
    if (p.comm === SPAWNER_COMM && byPid.get(p.ppid)?.comm !== SPAWNER_COMM) return p.pid;
    queue.push(...(childrenOf.get(p.pid) ?? []));
  }
  return undefined;
}

/** Does this process belong to the home: PLL_HOME in its environment, or its working directory inside it? */
function belongsTo(pid: number, home: string): boolean {
  try {
    if (readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").includes(`PLL_HOME=${home}`)) return true;
  } catch {
    // gone, or not ours to read
  }
  try {
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    return cwd === home || cwd.startsWith(`${home}/`);
  } catch {
    return false;
  }
}

/** Every live process of the home (servers, spawners, jobs and their children), never this one. */
export function processesOf(home: string): ProcEntry[] {
  return listProcs().filter((p) => !p.zombie && p.pid !== process.pid && belongsTo(p.pid, home));
}

/** Jobs of the home still running: the processes whose working directory is the jobs' own. */
export function jobProcessesIn(workDir: string): ProcEntry[] {
  return listProcs().filter((p) => {
    if (p.zombie) return false;
    try {
      return readlinkSync(`/proc/${p.pid}/cwd`) === workDir;
    } catch {
      return false;
    }
  });
}

export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false; // already gone
  }
}

/**
 * SIGKILLs everything of the home — each process and, for a group leader (a
 * job), its whole group — until nothing is left or `timeoutMs` passes.
 * Returns what was still alive at the end (empty when all is gone).
 */
export async function killEverythingOf(home: string, timeoutMs = 5_000): Promise<ProcEntry[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = killPass(home);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The same without giving up the thread, for a process about to exit (a signal, a runner's timeout). */
export function killEverythingOfNow(home: string, timeoutMs = 2_000): ProcEntry[] {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = killPass(home);
    if (left.length === 0 || Date.now() > deadline) return left;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}

/** One SIGKILL to each process of the home still alive (and its group, for a leader); returns them. */
function killPass(home: string): ProcEntry[] {
  const ownGroup = procEntry(process.pid)?.pgrp;
  const left = processesOf(home);
  for (const p of left) {
    if (p.pgrp === p.pid && p.pgrp !== ownGroup) signal(-p.pgrp, "SIGKILL");
    signal(p.pid, "SIGKILL");
  }
  return left;
}
