// Test fixture for issue 15: a real redis-server on a free loopback port
// (persistence off), real `pll serve` and `pll worker` processes, each
// worker with a PLL_HOME of its own (a machine of its own). Everything is
// stopped by pid however the test ends.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after } from "node:test";
import { waitFor, withTempHome } from "../helpers/home.js";
import { spawnPll, exitOf, startServer, type ServerProcess } from "../server/server-process.js";

export interface RedisProcess {
  port: number;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const redises = new Set<ChildProcess>();

after(async () => {
  for (const r of redises) await stopChild(r);
});

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Starts redis-server on `port` (a free one by default), answering once it accepts connections. */
export async function startRedis(port?: number, args: string[] = []): Promise<RedisProcess> {
  const p = port ?? (await freePort());
  const child = spawn("redis-server", ["--port", String(p), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  redises.add(child);
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (c: string) => (out += c));
  child.stderr!.resume();
  void new Promise((r) => child.once("exit", r)).then(() => redises.delete(child));
  await waitFor(() => /Ready to accept connections/.test(out) || child.exitCode !== null, "redis-server to start", 10_000);
  if (child.exitCode !== null) throw new Error(`redis-server exited: ${out}`);
  return { port: p, url: `redis://127.0.0.1:${p}`, pid: child.pid!, stop: () => stopChild(child) };
}

export interface WorkerProcess {
  child: ChildProcess;
  home: string;
  stderr(): string;
  exited: Promise<number | null>;
}

/** Starts `pll worker ARGS` on a home of its own; resolves once it said it serves. */
export async function startWorker(url: string, args: string[], env: NodeJS.ProcessEnv = {}, onHome?: string): Promise<WorkerProcess> {
  const home = onHome ?? (await mkdtemp(path.join(tmpdir(), "pll-worker-")));
  if (!onHome) homes.push(home);
  const child = spawnPll(home, ["worker", ...args], { PLL_QUEUE: url, PLL_WORKER_HEARTBEAT_MS: "200", ...env });
  let err = "";
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (err += c));
  child.stdout!.resume();
  const exited = exitOf(child);
  await waitFor(() => /serving/.test(err) || child.exitCode !== null, "the worker to start", 15_000);
  if (child.exitCode !== null) throw new Error(`pll worker exited: ${err}`);
  return { child, home, stderr: () => err, exited };
}

const homes: string[] = [];
after(async () => {
  for (const h of homes) await rm(h, { recursive: true, force: true });
});

/** A server on `home` dispatching role jobs through `url`, noticing a silent worker after `lostMs`. */
export function startQueueServer(home: string, url: string, args: string[] = [], lostMs = 2_000): Promise<ServerProcess> {
  return startServer(home, args, { PLL_QUEUE: url, PLL_WORKER_LOST_MS: String(lostMs) });
}

/** Stops a worker (SIGTERM, SIGKILL after 5 s) and waits for it. */
export async function stopWorker(w: WorkerProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return;
  w.child.kill(signal);
  const timer = setTimeout(() => w.child.kill("SIGKILL"), 5_000);
  await w.exited;
  clearTimeout(timer);
}

/** Is the process there, and not a zombie? */
export function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

export interface Cluster {
  redis: RedisProcess;
  server: ServerProcess;
  workers: WorkerProcess[];
  home: string;
}

/**
 * Runs `fn` with a Redis, `pll worker`s (one per argument list, each on a home of its own) and a
 * queue server on a fresh home; all of it is stopped however `fn` ends.
 */
export async function withCluster<T>(workerArgs: string[][], fn: (c: Cluster) => Promise<T>, opts: { lostMs?: number; serverArgs?: string[] } = {}): Promise<T> {
  const redis = await startRedis();
  const workers: WorkerProcess[] = [];
  try {
    return await withTempHome(async (home) => {
      for (const args of workerArgs) workers.push(await startWorker(redis.url, args));
      const server = await startQueueServer(home, redis.url, opts.serverArgs, opts.lostMs);
      try {
        return await fn({ redis, server, workers, home });
      } finally {
        await server.stop();
      }
    });
  } finally {
    for (const w of workers) await stopWorker(w);
    await redis.stop();
  }
}
