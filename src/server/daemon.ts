// One server per home: open the engine (its store lock is the real guard),
// serve the API, write the pid file, and stop gracefully on a signal or
// POST /shutdown — leaving running jobs running for the next server to adopt.
import { closeSync, unlinkSync, writeSync } from "node:fs";
import { unlink } from "node:fs/promises";
import { UserError } from "../core/errors.js";
import type { EngineControl } from "../core/types.js";
import { HomeError, homePaths } from "../home.js";
import { checkHome, openHomeFile, readHomeFile } from "../home-check.js";
import { isLoopback, loadOrCreateToken, parseListen } from "./auth.js";
import { openEngine, type QueueOptions } from "./engine.js";
import { launcherFromEnv } from "../exec/spawner.js";
import { socketAnswers } from "../client/socket-probe.js";
import { startApiServer, type ApiServer } from "./http.js";

export interface ServeOptions {
  home: string;
  /** "HOST:PORT" to also serve TCP */
  listen?: string;
  token?: string;
  allowRemote?: boolean;
  /** the queue role jobs go through to `pll worker`s (issue 15) */
  queue?: QueueOptions;
  /** this machine's name (PLL_WORKER of its jobs) */
  name?: string;
}

const say = (line: string) => process.stderr.write(`pll: ${line}\n`);

/** Runs the server in this process until it is stopped; resolves to the exit code. */
export async function serve(opts: ServeOptions): Promise<number> {
  const paths = homePaths(opts.home);
  try {
    // A home that cannot exist, or that someone else could change, is the caller's configuration, like a bad option.
    checkHome(opts.home, { create: true, engine: true });
  } catch (err) {
    if (err instanceof HomeError) return usage(err.message);
    throw err;
  }

  if (await socketAnswers(paths.socket)) {
    say(`a server is already running for ${opts.home}${await pidNote(paths.pidFile)}`);
    return 1;
  }
  let listen: { host: string; port: number } | undefined;
  let token: string | undefined;
  if (opts.listen !== undefined) {
    const parsed = parseListen(opts.listen);
    if ("error" in parsed) return usage(parsed.error);
    if (!isLoopback(parsed.host) && !opts.allowRemote) {
      return usage(`refusing to listen on non-loopback address ${parsed.host} without --allow-remote (anyone who can reach it and has the token controls your jobs)`);
    }
    listen = parsed;
    let t: { token: string; created: boolean };
    try {
      t = loadOrCreateToken(paths.token, opts.token);
    } catch (err) {
      if (err instanceof HomeError) return usage(err.message);
      throw err;
    }
    token = t.token;
    if (t.created) say(`generated a token in ${paths.token} (mode 0600)`);
  }

  let engine: EngineControl;
  try {
    engine = await openEngine({
      home: opts.home,
      launcher: launcherFromEnv(),
      ...(opts.queue ? { queue: opts.queue } : {}),
      ...(opts.name !== undefined ? { name: opts.name } : {}),
    });
  } catch (err) {
    if (err instanceof UserError && err.kind === "locked") {
      say(`another pll process (a server or a \`pll run\`) is using ${opts.home}${await pidNote(paths.pidFile)}`);
      return 1;
    }
    // A full disk, a damaged store, a home it cannot make its folders in: one line, not a stack.
    if (err instanceof UserError) {
      say(err.message);
      return 1;
    }
    throw err;
  }

  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  let api: ApiServer;
  try {
    api = await startApiServer(engine, { socketPath: paths.socket, home: opts.home, ...(listen ? { listen, token: token! } : {}), shutdown: () => stop() });
  } catch (err) {
    await engine.close({ killJobs: false });
    // A taken port, a socket path too long for the OS, a server that won the race: one line, not a stack.
    const e = err as NodeJS.ErrnoException;
    say(`cannot listen${e.code ? ` (${e.code})` : ""}: ${e.message}`);
    return 1;
  }
  try {
    writePidFile(paths.pidFile);
  } catch (err) {
    await api.close();
    await engine.close({ killJobs: false });
    if (err instanceof HomeError) return usage(err.message);
    throw err;
  }
  const unsubscribe = engine.subscribe((e) => {
    if (e.type === "notice") say(`${e.level}: ${e.message}`);
  });
  const signals = ["SIGTERM", "SIGINT", "SIGHUP"] as const;
  for (const s of signals) process.on(s, stop);
  say(`server ${process.pid} serving ${paths.socket}${api.tcpPort !== undefined ? ` and http://${listen!.host}:${api.tcpPort} (bearer token required)` : ""}`);
  if (opts.queue) say(`role jobs go to the workers on ${opts.queue.config.shown}${opts.queue.roles?.length ? `; roles served here too: ${opts.queue.roles.join(",")}` : ""}`);

  await stopped;
  for (const s of signals) process.off(s, stop);
  say("stopping: running jobs keep running and are adopted by the next server");
  unsubscribe();
  await api.close();
  await engine.close({ killJobs: false });
  await unlink(paths.pidFile).catch(() => {});
  return 0;
}

/** Replaced, not rewritten: a new file of ours, never one left (or linked) there before. */
function writePidFile(file: string): void {
  try {
    unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const { fd } = openHomeFile(file, "create");
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
}

function usage(message: string): number {
  say(message);
  return 2;
}

async function pidNote(pidFile: string): Promise<string> {
  let pid = "";
  try {
    pid = (readHomeFile(pidFile) ?? "").trim();
  } catch {
    // No pid to name.
  }
  return pid ? ` (pid ${pid})` : "";
}
