// Test fixture: a real `pll serve` child process on a temp home, stopped by
// pid (SIGTERM, then SIGKILL) however the test ends; and raw HTTP over its socket.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import http from "node:http";
import { homePaths } from "../../src/home.js";
import { socketAnswers } from "../../src/client/socket-probe.js";
import { pllBin, waitFor } from "../helpers/home.js";

export interface ServerProcess {
  pid: number;
  socket: string;
  /** everything the server wrote to stderr so far */
  stderr(): string;
  /** resolves with the exit code once it has exited */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export function spawnPll(home: string, args: string[], env: NodeJS.ProcessEnv = {}, stdin: "ignore" | "pipe" = "ignore", cwd?: string): ChildProcess {
  return spawn(process.execPath, [pllBin, ...args], { env: { ...process.env, PLL_HOME: home, NO_COLOR: "1", ...env }, stdio: [stdin, "pipe", "pipe"], ...(cwd ? { cwd } : {}) });
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
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}

/** Starts `pll serve ARGS` and waits until its socket answers. */
export async function startServer(home: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const child = spawnPll(home, ["serve", ...args], env);
  let err = "";
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (err += c));
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  const socket = homePaths(home).socket;
  const server: ServerProcess = {
    pid: child.pid!,
    socket,
    stderr: () => err,
    exited,
    async stop() {
      if (done) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
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
