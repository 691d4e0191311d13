// Catching the server between writing a dispatch down and handing it to the
// spawner — the moment of issue 12's first report (a job journaled running,
// attempt 1, no pid, no start in the status log, never run). That window is
// tens of microseconds a dispatch, so a kill at a random moment rarely lands
// in it. Instead: spin on the journal's size, SIGSTOP the server the instant
// a line is appended, let the spawner start whatever it was sent (until it
// sleeps on an empty pipe), then look: is a job written down as started whose
// attempt has no `start` line? Then the server stays stopped for the caller
// to kill; else it gets SIGCONT and the next append is tried. The window is
// microseconds of the server's time: on an idle machine most kills catch it
// within a few appends; with a load of 20 on 2 cores, about half do (the
// probe is off the CPU when the append comes), the rest are random kills.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { setPriority } from "node:os";
import path from "node:path";
import { isAlive, procEntry, signal, spawnerOf } from "./home-procs.js";

const DRAIN_MS = 15;

export interface Probe {
  /** job ids (with the attempt) written down as started but not started: the server is left stopped */
  caught: string[];
  probes: number;
}

/**
 * Tries until a dispatch is caught in flight or `timeoutMs` passes (the server
 * is then left running, niced: the caller kills it either way).
 */
export async function catchDispatchInFlight(home: string, serverPid: number, timeoutMs: number): Promise<Probe> {
  const deadline = Date.now() + timeoutMs;
  // The server is killed after probing whatever it finds, so it may as well yield the CPU to the
  // probe meanwhile: on a loaded machine the probe would otherwise stop it long after its moment.
  try {
    setPriority(serverPid, 19);
  } catch {
    // gone already: the loop below ends at once
  }
  let probes = 0;
  while (Date.now() < deadline && isAlive(serverPid)) {
    if (!stopAtNextAppend(home, serverPid, Math.min(500, deadline - Date.now()))) continue;
    probes++;
    // Most appends are caught too late (the spawner has started them): no need to wait to see that.
    // Otherwise what the spawner was sent it starts before it sleeps again (in poll, on an empty pipe).
    if (startedButNotStarted(home).length) {
      await spawnerAsleep(spawnerOf(serverPid));
      const caught = startedButNotStarted(home);
      if (caught.length) return { caught, probes };
    }
    signal(serverPid, "SIGCONT");
    await sleep(1 + Math.random() * 10); // let it run a little between probes
  }
  return { caught: [], probes };
}

/**
 * Waits until the spawner has slept through a few looks in a row (it sleeps
 * only in poll, with nothing left to read), or DRAIN_MS × 20 at most; without
 * a spawner to watch, DRAIN_MS.
 */
async function spawnerAsleep(pid: number | undefined): Promise<void> {
  if (pid === undefined) return void (await sleep(DRAIN_MS));
  const until = Date.now() + DRAIN_MS * 20;
  for (let asleep = 0; asleep < 3 && Date.now() < until; ) {
    await sleep(2);
    const state = procEntry(pid)?.state;
    if (state === undefined) return; // gone
    asleep = state === "S" ? asleep + 1 : 0;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Busy-waits (for at most `ms`) until a journal file grows, then stops the server at once. */
function stopAtNextAppend(home: string, serverPid: number, ms: number): boolean {
  const until = Date.now() + ms;
  let files = journalFiles(home);
  const sizes = new Map(files.map((f) => [f, sizeOf(f)]));
  for (let spins = 0; Date.now() < until; spins++) {
    for (const f of files) {
      if (sizeOf(f) > (sizes.get(f) ?? 0)) return signal(serverPid, "SIGSTOP");
    }
    if (spins % 200 === 199) {
      // A fold moves writes to the next generation's file.
      files = journalFiles(home);
      for (const f of files) if (!sizes.has(f)) sizes.set(f, 0);
    }
  }
  return false;
}

/** `$PLL_HOME/db.wal-N` (README: the store's write-ahead journal). */
function journalFiles(home: string): string[] {
  return readdirSync(home)
    .filter((n) => /^db\.wal-\d+$/.test(n))
    .map((n) => path.join(home, n));
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

interface JournaledJob {
  id: number;
  state: string;
  attempts: unknown[];
  logOut: string;
}

/**
 * Jobs whose newest journaled record has an attempt under way (neither
 * waiting nor ended) with no `start JOB ATTEMPT` line in its run's status
 * log. Reads the journal's lines as they are documented in src/store/journal.ts
 * (one JSON array of [key, value] pairs a write); lines it cannot read are skipped.
 */
function startedButNotStarted(home: string): string[] {
  const latest = new Map<number, JournaledJob>();
  const files = journalFiles(home).sort((a, b) => Number(a.split("-").pop()) - Number(b.split("-").pop()));
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      let pairs: unknown;
      try {
        pairs = JSON.parse(line);
      } catch {
        continue;
      }
      if (!Array.isArray(pairs)) continue;
      for (const pair of pairs) {
        let value = Array.isArray(pair) ? pair[1] : undefined;
        if (typeof value === "string") value = JSON.parse(value);
        const job = value as Partial<JournaledJob> | undefined;
        if (job && typeof job.id === "number" && typeof job.state === "string" && Array.isArray(job.attempts) && typeof job.logOut === "string") {
          latest.set(job.id, job as JournaledJob);
        }
      }
    }
  }
  const statusLines = new Map<string, Set<string>>();
  const starts = (logOut: string) => {
    const file = path.join(path.dirname(logOut), "status");
    let set = statusLines.get(file);
    if (!set) {
      let text = "";
      try {
        text = readFileSync(file, "utf8");
      } catch {
        // no job of the run has started yet
      }
      set = new Set(text.split("\n").filter((l) => l.startsWith("start ")).map((l) => l.split(" ").slice(1, 3).join(" ")));
      statusLines.set(file, set);
    }
    return set;
  };
  const caught: string[] = [];
  for (const job of latest.values()) {
    if (["pending", "blocked", "success", "errored", "skipped", "cancelled"].includes(job.state) || job.attempts.length === 0) continue;
    const attempt = job.attempts.length;
    if (!starts(job.logOut).has(`${job.id} ${attempt}`)) caught.push(`#${job.id} attempt ${attempt}`);
  }
  return caught;
}
