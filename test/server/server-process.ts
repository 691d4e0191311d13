// Test fixture: a real `pll serve` child process on a temp home, stopped by
// pid (SIGTERM, then SIGKILL) however the test ends; and raw HTTP over its socket.
//
// Every `pll` this module starts is remembered until it exits. A test that
// times out never reaches its own `finally`, so a file-level `after` hook
// stops whatever is left — the server's jobs first, then the process — and a
// timed-out test is reported instead of keeping its file (and CI) alive.
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import { after } from "node:test";
import { homePaths } from "../../src/home.js";
import { socketAnswers } from "../../src/client/socket-probe.js";
import { pllBin, waitFor, withTempHome } from "../helpers/home.js";

export interface ServerProcess {
  pid: number;
  socket: string;
  /** everything the server wrote to stderr so far */
  stderr(): string;
  /** resolves with the exit code once it has exited */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** The live children, each with its exit promise and, for a server, its socket. */
const live = new Map<ChildProcess, { exited: Promise<number | null>; socket?: string }>();
const exits = new WeakMap<ChildProcess, Promise<number | null>>();

export function spawnPll(home: string, args: string[], env: NodeJS.ProcessEnv = {}, stdin: "ignore" | "pipe" = "ignore", cwd?: string): ChildProcess {
  const child = spawn(pllBin, args, { env: { ...process.env, PLL_HOME: home, NO_COLOR: "1", ...env }, stdio: [stdin, "pipe", "pipe"], ...(cwd ? { cwd } : {}) });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  exits.set(child, exited);
  live.set(child, { exited });
  void exited.then(() => live.delete(child));
  return child;
}

/** The exit code of a child `spawnPll` started, listened for from its start, so it is never missed. */
export function exitOf(child: ChildProcess): Promise<number | null> {
  const exited = exits.get(child);
  if (!exited) throw new Error("exitOf: not a child spawnPll started");
  return exited;
}

/** SIGTERM, then SIGKILL if it is still there after `graceMs`; resolves once it has exited. */
async function terminate(child: ChildProcess, exited: Promise<number | null>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

after(async () => {
  const left = [...live];
  if (left.length === 0) return;
  // Jobs outlive their server by design: end them through the API while it still answers.
  await Promise.all(left.map(([, l]) => (l.socket ? withDeadline(raw({ socket: l.socket }, "POST", "/jobs/all/kill"), 3_000).catch(() => {}) : undefined)));
  await Promise.all(left.map(([child, l]) => terminate(child, l.exited, 5_000)));
});

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)));
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `pll ARGS` to its end (with `input` on stdin when given) and collects what it said. */
export async function runPll(home: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {}): Promise<Ran> {
  const child = spawnPll(home, args, opts.env, opts.input !== undefined ? "pipe" : "ignore", opts.cwd);
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  if (opts.input !== undefined) child.stdin!.end(opts.input);
  return { code: await exitOf(child), stdout, stderr };
}

/** Starts `pll serve ARGS` and waits until its socket answers. */
export async function startServer(home: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const child = spawnPll(home, ["serve", ...args], env);
  let err = "";
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (err += c));
  child.stdout!.resume();
  const exited = exitOf(child);
  let done = false;
  void exited.then(() => (done = true));
  const socket = homePaths(home).socket;
  live.get(child)!.socket = socket;
  const server: ServerProcess = {
    pid: child.pid!,
    socket,
    stderr: () => err,
    exited,
    stop: () => terminate(child, exited, 10_000),
  };
  try {
    await waitFor(async () => done || ((await socketAnswers(socket)) && /serving/.test(err)), "the server to listen", 15_000);
  } catch (e) {
    await server.stop();
    throw e;
  }
  if (done) throw new Error(`pll serve exited early: ${err}`);
  return server;
}

/** Runs `fn` with a real server on a fresh temporary home; the server is stopped and the home removed however `fn` ends. */
export function withServer<T>(fn: (server: ServerProcess, home: string) => Promise<T>): Promise<T> {
  return withTempHome(async (home) => {
    const server = await startServer(home);
    try {
      return await fn(server, home);
    } finally {
      await server.stop();
    }
  });
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
}

/** One HTTP request over a unix socket (or TCP), with any body bytes — including wrong ones. */
export function raw(
  target: { socket: string } | { port: number },
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const where = "socket" in target ? { socketPath: target.socket } : { host: "127.0.0.1", port: target.port };
    const req = http.request({ ...where, method, path, headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode!, headers: res.headers, text, json });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}
