// One crash-consistency trial: a real background server on a temporary home
// runs a few hundred marked jobs while the trial SIGKILLs the server, its job
// spawner, or both, at chosen moments; then every job is judged from its own
// marks (marked-jobs.ts). Used by test/crash/*.test.ts (a few trials) and by
// bench/crash-soak.ts (many). Imports nothing of node:test, so both can use it.
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import type { JobRecord } from "../../src/core/types.js";
import { pllBin } from "../helpers/home.js";
import { catchDispatchInFlight } from "./dispatch-probe.js";
import { isAlive, jobProcessesIn, killEverythingOf, killEverythingOfNow, signal, spawnerOf } from "./home-procs.js";
import { jobsetSource, judge, planJobs, readMarks, type Mismatch } from "./marked-jobs.js";

export type KillKind = "server" | "spawner" | "both";
/**
 * `plain`: at a random moment. `burst`: right after raising pjc, so that
 * several jobs were just dispatched. `stalled burst`: the spawner is stopped
 * (SIGSTOP) first, so the burst's spawn requests are still unread when the
 * kill lands — the spawner of a loaded machine that has not been scheduled
 * yet. A spawner left alive (server kills) gets SIGCONT 0–200 ms after the
 * next server answers, or 10 s after the kill if that server waits for it.
 * `probed` (server and both): the kill lands while the server has written a
 * dispatch down but not yet handed it to the spawner (dispatch-probe.ts).
 */
export type KillMode = "plain" | "burst" | "stalled burst" | "probed";
export const KILL_MODES: readonly KillMode[] = ["plain", "burst", "stalled burst", "probed"];
/** The modes that apply to a kind of kill: probing catches the server's moment, not the spawner's. */
export const modesFor = (kind: KillKind): KillMode[] => KILL_MODES.filter((m) => kind !== "spawner" || m !== "probed");

export interface TrialOptions {
  kind: KillKind;
  jobs: number;
  kills: number;
  seed: number;
  pjc?: number;
  /** `retry N` on the failing jobs (default none: then "exactly once" is exact) */
  retryFailing?: number;
  /** the modes of the kills in turn, from the first (default: every mode of the kind, starting at seed % their number) */
  modes?: readonly KillMode[];
  /** where the temporary home goes (default the OS's) */
  dir?: string;
  /** bound on waiting for the run to end after the last kill */
  settleMs?: number;
  log?: (line: string) => void;
}

export interface KillRecord {
  kind: KillKind;
  mode: KillMode;
  /** job exits marked when the kill landed */
  atExits: number;
  note?: string;
}

export interface TrialResult {
  kind: KillKind;
  seed: number;
  jobs: number;
  kills: KillRecord[];
  mismatches: Mismatch[];
  /** what went wrong around the judging itself: a server that died unasked, processes that would not stop */
  notes: string[];
  elapsedMs: number;
}

const BURST = 4;
const STALL_MAX_MS = 10_000;
const PROBE_MS = 5_000;

/** mulberry32: a small seeded generator, so a failing trial can be replayed by its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Homes of trials not cleaned up yet: `stopAllTrials` ends them (for a test's
 * `after` hook); so does a signal or exit of this process — the test runner
 * ends a file that overran its timeout with SIGTERM, and no hook runs then.
 */
const liveHomes = new Set<string>();
let exitHooked = false;

function stopAllTrialsNow(): void {
  for (const home of liveHomes) {
    killEverythingOfNow(home);
    rmSync(home, { recursive: true, force: true });
  }
  liveHomes.clear();
}

function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on("exit", stopAllTrialsNow);
  for (const [sig, n] of [["SIGTERM", 15], ["SIGINT", 2], ["SIGHUP", 1]] as const) {
    process.once(sig, () => {
      stopAllTrialsNow();
      process.exit(128 + n);
    });
  }
}

export async function stopAllTrials(): Promise<void> {
  await Promise.all([...liveHomes].map(async (home) => {
    await killEverythingOf(home);
    await rm(home, { recursive: true, force: true });
    liveHomes.delete(home);
  }));
}

export async function runCrashTrial(opts: TrialOptions): Promise<TrialResult> {
  const started = Date.now();
  const random = seeded(opts.seed);
  const pjc = opts.pjc ?? 8;
  const log = opts.log ?? (() => {});
  hookExit();
  const home = await mkdtemp(path.join(opts.dir ?? tmpdir(), "pll-crash-"));
  liveHomes.add(home);
  const work = path.join(home, "work");
  const marksFile = path.join(home, "marks");
  mkdirSync(work);
  writeFileSync(marksFile, "");
  const plan = planJobs(opts.jobs, random, opts.retryFailing);
  const totalExits = plan.reduce((n, j) => n + j.attempts, 0);
  const source = path.join(work, "crash.pll");
  writeFileSync(source, jobsetSource(plan, marksFile, opts.retryFailing));

  const server = new ServerHandle(home);
  const kills: KillRecord[] = [];
  const notes: string[] = [];
  const stopped = new Set<number>(); // spawners we SIGSTOPped and may still have to SIGCONT
  const timers = new Set<NodeJS.Timeout>();
  try {
    await server.start();
    await server.api("POST", "/settings/pjc", { pjc });
    const { json } = await server.api("POST", "/runs", { path: source });
    const runId: number = json.run.id;
    const exits = new ExitCounter(marksFile);

    const all = modesFor(opts.kind);
    const modes = opts.modes ?? all.map((_, i) => all[(opts.seed + i) % all.length]!);
    for (let k = 0; k < opts.kills; k++) {
      // Spread over the run, each kill somewhere in its own slice of 10–85 % of the exits.
      const slice = 0.75 / opts.kills;
      const at = Math.floor(totalExits * (0.1 + slice * (k + 0.15 + 0.7 * random())));
      const deadline = Date.now() + (opts.settleMs ?? 60_000);
      while (exits.count() < at && Date.now() < deadline) await sleep(3);
      if (exits.count() < at) {
        notes.push(`kill ${k + 1}: the run stalled at ${exits.count()} of ${totalExits} exits before it`);
        break;
      }
      const mode = modes[k % modes.length]!;
      const record: KillRecord = { kind: opts.kind, mode, atExits: exits.count() };
      kills.push(record);
      const t0 = Date.now();
      await kill(record, random);
      log(`kill ${k + 1}: ${opts.kind} (${mode}) at ${record.atExits}/${totalExits} exits, back in ${Date.now() - t0} ms${record.note ? `: ${record.note}` : ""}`);
    }

    const t1 = Date.now();
    await waitForRunEnd(runId);
    log(`run ended ${Date.now() - t1} ms after the last kill`);
    // Orphaned jobs may still be running: their marks come when they end.
    const jobsGoneBy = Date.now() + 15_000;
    while (jobProcessesIn(work).length && Date.now() < jobsGoneBy) await sleep(20);
    const left = jobProcessesIn(work);
    if (left.length) notes.push(`job processes still running 15 s after the run: ${left.map((p) => `${p.pid} ${p.comm}`).join(", ")}`);
    const records = (await server.api("GET", `/jobs?runId=${runId}&limit=10000`)).json.jobs as JobRecord[];
    return { kind: opts.kind, seed: opts.seed, jobs: opts.jobs, kills, mismatches: judge(plan, records, readMarks(marksFile)), notes, elapsedMs: Date.now() - started };
  } finally {
    for (const t of timers) clearTimeout(t);
    for (const pid of stopped) signal(pid, "SIGCONT");
    await server.stop();
    const left = await killEverythingOf(home);
    if (left.length) process.stderr.write(`crash trial: processes of ${home} would not die: ${left.map((p) => p.pid).join(" ")}\n`);
    await rm(home, { recursive: true, force: true });
    liveHomes.delete(home);
  }

  async function kill(record: KillRecord, random: () => number): Promise<void> {
    const { kind, mode } = record;
    const serverPid = server.pid!;
    const spawner = kind !== "server" || mode === "stalled burst" ? await findSpawner(serverPid) : undefined;
    if (kind !== "server" && spawner === undefined) {
      record.note = "no spawner found: nothing killed";
      notes.push(`kill ${kills.length}: no process named "pll job spawner" descends from the server ${serverPid}`);
      return;
    }
    if (mode === "stalled burst") {
      if (spawner !== undefined && signal(spawner, "SIGSTOP")) stopped.add(spawner);
      else record.note = "no spawner found to stall";
    }
    if (mode === "plain") await sleep(random() * 20);
    else if (mode === "probed") {
      const probe = await catchDispatchInFlight(home, serverPid, PROBE_MS);
      record.note = probe.caught.length
        ? `caught ${probe.caught.join(", ")} written down as started, not started (probe ${probe.probes})`
        : `no dispatch caught in flight in ${probe.probes} probes: killed at a random moment`;
    } else await server.api("POST", "/settings/pjc", { pjc: pjc + BURST }).catch((e) => (record.note = `burst failed: ${(e as Error).message}`));
    const victims = kind === "server" ? [serverPid] : kind === "spawner" ? [spawner!] : random() < 0.5 ? [serverPid, spawner!] : [spawner!, serverPid];
    for (const pid of victims) signal(pid, "SIGKILL");
    // A stalled spawner left alive wakes once the next server is up (its recovery has looked at the
    // status logs by then), or after STALL_MAX_MS if that server waits for it.
    let resume = () => {};
    if (spawner !== undefined && stopped.has(spawner)) {
      if (kind === "server") {
        const wake = () => {
          if (stopped.delete(spawner)) signal(spawner, "SIGCONT");
        };
        const t = setTimeout(wake, STALL_MAX_MS);
        timers.add(t);
        resume = () => {
          const u = setTimeout(wake, random() * 200);
          timers.add(u);
        };
      } else stopped.delete(spawner); // killed
    }
    if (kind === "spawner") {
      await server.api("POST", "/settings/pjc", { pjc });
      return;
    }
    await server.restartAfterKill(serverPid);
    resume();
    await server.api("POST", "/settings/pjc", { pjc });
  }

  async function findSpawner(serverPid: number): Promise<number | undefined> {
    // Started lazily: it may be a moment behind a server that just came up.
    for (const until = Date.now() + 2_000; Date.now() < until; await sleep(10)) {
      const pid = spawnerOf(serverPid);
      if (pid !== undefined) return pid;
    }
    return undefined;
  }

  async function waitForRunEnd(runId: number): Promise<void> {
    const deadline = Date.now() + (opts.settleMs ?? 60_000);
    for (;;) {
      let counts: Record<string, number> | undefined;
      try {
        counts = (await server.api("GET", `/jobs?runId=${runId}&counts=1&limit=1`)).json.counts;
      } catch (err) {
        if (server.pid !== undefined && isAlive(server.pid)) throw err;
        notes.push(`the server (pid ${server.pid}) died without being killed; started again`);
        await server.restartAfterKill(server.pid!);
        continue;
      }
      const open = (counts?.pending ?? 0) + (counts?.running ?? 0) + (counts?.blocked ?? 0);
      if (open === 0) return;
      if (Date.now() > deadline) {
        notes.push(`the run had not ended ${opts.settleMs ?? 60_000} ms after the last kill: ${JSON.stringify(counts)}`);
        return;
      }
      await sleep(100);
    }
  }
}

/** Counts the `exit` marks as the marker file grows, reading only what was appended. */
class ExitCounter {
  private offset = 0;
  private exits = 0;
  private partial = "";
  constructor(private readonly file: string) {}

  count(): number {
    const fd = openSync(this.file, "r");
    try {
      const buf = Buffer.alloc(64 * 1024);
      for (let n; (n = readSync(fd, buf, 0, buf.length, this.offset)) > 0; ) {
        this.offset += n;
        const lines = (this.partial + buf.toString("utf8", 0, n)).split("\n");
        this.partial = lines.pop()!;
        for (const line of lines) if (line.includes(" exit ")) this.exits++;
      }
    } finally {
      closeSync(fd);
    }
    return this.exits;
  }
}

/** The home's background server, as a user runs it: `pll start`, `pll stop`, and its API on the socket. */
class ServerHandle {
  pid?: number;
  private readonly env: NodeJS.ProcessEnv;
  private readonly socket: string;

  constructor(private readonly home: string) {
    this.env = { ...process.env, PLL_HOME: home, NO_COLOR: "1" };
    this.socket = path.join(home, "pll.sock");
  }

  async start(): Promise<void> {
    const { code, output } = await this.pll(["start"]);
    if (code !== 0) throw new Error(`pll start exited ${code}: ${output}\nserver.log:\n${tail(path.join(this.home, "server.log"))}`);
    this.pid = (await this.api("GET", "/health")).json.pid;
  }

  /** Waits until the killed server is gone (its socket must not answer), then starts another. */
  async restartAfterKill(killed: number): Promise<void> {
    for (const until = Date.now() + 5_000; isAlive(killed) && Date.now() < until; ) await sleep(5);
    await this.start();
  }

  async stop(): Promise<void> {
    if (this.pid === undefined) return;
    if (isAlive(this.pid)) await this.pll(["stop"], 15_000);
    for (const until = Date.now() + 2_000; isAlive(this.pid) && Date.now() < until; ) await sleep(20);
    if (isAlive(this.pid)) signal(this.pid, "SIGKILL");
  }

  /** Runs `pll ARGS` to its end (SIGKILLed past `timeoutMs`). */
  pll(args: string[], timeoutMs = 30_000): Promise<{ code: number | null; output: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(pllBin, args, { env: this.env, cwd: this.home, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.setEncoding("utf8").on("data", (c: string) => (output += c));
      child.stderr.setEncoding("utf8").on("data", (c: string) => (output += c));
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.on("error", reject);
      child.on("exit", (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      });
    });
  }

  api(method: string, urlPath: string, body?: unknown): Promise<{ status: number; json: any }> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        { socketPath: this.socket, method, path: urlPath, agent: false, timeout: 15_000, headers: data ? { "content-type": "application/json" } : {} },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            if (res.statusCode! >= 400) return reject(new Error(`${method} ${urlPath}: ${res.statusCode} ${text}`));
            resolve({ status: res.statusCode!, json: JSON.parse(text) });
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath}: no answer in 15 s`)));
      req.on("error", reject);
      req.end(data);
    });
  }
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(none)";
  }
}

/** A failed trial, for a reader: what was killed when, then one block per job that came out wrong. */
export function describeTrial(r: TrialResult, maxJobs = 12): string {
  const kills = r.kills.map((k) => `${k.mode} at ${k.atExits}${k.note ? ` (${k.note})` : ""}`).join(", ");
  const out = [`${r.kind} kills, seed ${r.seed}, ${r.jobs} jobs, ${r.kills.length} kills [${kills}]: ${r.mismatches.length} job(s) wrong`];
  const byKind = new Map<string, number>();
  for (const m of r.mismatches) byKind.set(m.kind, (byKind.get(m.kind) ?? 0) + 1);
  if (byKind.size) out.push(`  by kind: ${[...byKind].map(([k, n]) => `${k} ${n}`).join(", ")}`);
  for (const note of r.notes) out.push(`  note: ${note}`);
  // One example of each kind first, then the rest in job order.
  const firsts = [...new Map(r.mismatches.map((m) => [m.kind, m])).values()];
  const shown = [...firsts, ...r.mismatches.filter((m) => !firsts.includes(m))];
  for (const m of shown.slice(0, maxJobs)) out.push(describeMismatch(m));
  if (r.mismatches.length > maxJobs) out.push(`  … and ${r.mismatches.length - maxJobs} more`);
  return out.join("\n");
}

/** One job that came out wrong: what, what pll recorded, what the job's marks say happened. */
export function describeMismatch(m: Mismatch): string {
  return [`  ${m.job}: ${m.kind}: ${m.detail}`, `    recorded: ${m.recorded}`, `    marks:    ${m.marks.length ? m.marks.join(" | ") : "(none)"}`].join("\n");
}
