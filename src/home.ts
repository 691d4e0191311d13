// Where pll keeps its state: $PLL_HOME, else $XDG_STATE_HOME/pll, else ~/.local/state/pll.
import { mkdir, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { UserError } from "./core/errors.js";

export function pllHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PLL_HOME) return path.resolve(env.PLL_HOME);
  const state = env.XDG_STATE_HOME || path.join(os.homedir(), ".local", "state");
  return path.join(state, "pll");
}

export const homePaths = (home: string) => ({
  db: path.join(home, "db"),
  logs: path.join(home, "logs"),
  socket: path.join(home, "pll.sock"),
  token: path.join(home, "token"),
  history: path.join(home, "history"),
  serverLog: path.join(home, "server.log"),
  pidFile: path.join(home, "server.pid"),
});

/**
 * The home cannot be used: it cannot be created (a path under /proc, a file in
 * the way, no permission), or someone else could change it (src/home-check.ts).
 * A configuration problem, like a bad option: exit 2.
 */
export class HomeError extends UserError {
  constructor(
    readonly path: string,
    readonly code: string,
    message = `can't create PLL_HOME ${path}: ${code}`,
  ) {
    super("usage", message);
    this.name = "HomeError";
  }
}

/**
 * `mkdir -p` without `{ recursive: true }`, which in Node 20 never returns on
 * some paths (`/proc/nope`: it retries the parent forever at full CPU). Creates
 * each missing component in turn (with `mode`), skipping existing ones, and
 * throws a HomeError naming `dir` on the first other failure.
 */
export async function makeDirs(dir: string, mode = 0o700): Promise<void> {
  const target = path.resolve(dir);
  const fail = (err: unknown): never => {
    throw new HomeError(target, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
  };
  if (await isDirectory(target).catch(() => false)) return;
  const { root } = path.parse(target);
  let at = root;
  for (const part of target.slice(root.length).split(path.sep).filter(Boolean)) {
    at = path.join(at, part);
    await mkdir(at, { mode }).catch((err: NodeJS.ErrnoException) => (err.code === "EEXIST" ? undefined : fail(err)));
  }
  // The last step's EEXIST may have been a file in the way.
  if (!(await isDirectory(target).catch(fail))) fail(Object.assign(new Error(), { code: "ENOTDIR" }));
}

const isDirectory = async (p: string) => (await stat(p)).isDirectory();
