// Starting a server in the background for `pll start` and for clients that
// find none: a detached `pll serve` whose output goes to $PLL_HOME/server.log.
import { spawn } from "node:child_process";
import { closeSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { HomeError, homePaths } from "../home.js";
import { checkHome, openHomeFile, readHomeFile } from "../home-check.js";
import { ServerUnreachable } from "./errors.js";
import { serverPid, socketAnswers } from "./socket-probe.js";

export { socketAnswers };

const cliPath = fileURLToPath(new URL("../main.js", import.meta.url));
const START_TIMEOUT_MS = 20_000;

/**
 * Spawns `pll serve` detached and waits until its socket answers. When two
 * clients race, the loser's server exits (the home is taken) and both simply
 * find the winner's socket. Returns the pid of the server it started when that
 * is the one now serving (else another client's server won the race).
 * `env` is added to the server's environment: a secret goes there, not into
 * `serveArgs`, which anyone can read with `ps` for as long as it runs.
 * A home pll must refuse (src/home-check.ts) throws a HomeError.
 */
export async function startBackgroundServer(home: string, serveArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ pid?: number }> {
  const paths = homePaths(home);
  checkHome(home, { create: true });
  let log: number;
  try {
    log = openHomeFile(paths.serverLog, "append").fd;
  } catch (err) {
    if (err instanceof HomeError) throw err;
    throw new ServerUnreachable(`cannot start a pll server in ${home}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let child;
  try {
    child = spawn(process.execPath, [cliPath, "serve", ...serveArgs], {
      detached: true,
      stdio: ["ignore", log, log],
      env: { ...process.env, ...env, PLL_HOME: home },
    });
  } finally {
    closeSync(log);
  }
  child.unref();
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", (code) => {
      exited = code;
      resolve();
    }),
  );
  let deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (await socketAnswers(paths.socket)) {
      // Racing clients each spawn one; only the winner's pid is worth announcing.
      const pid = await serverPid(paths.socket);
      if (pid !== undefined && pid === child.pid) return { pid };
      // Another client's server won: ours is about to give up; see it go, so none lingers.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exit, new Promise((r) => (timer = setTimeout(r, START_TIMEOUT_MS)))]);
      clearTimeout(timer);
      return {};
    }
    if (exited !== undefined && deadline - Date.now() > 3000) deadline = Date.now() + 3000; // it gave up; maybe another won
    if (Date.now() > deadline) {
      // The server's own last words (its `pll:` lines), not a stack trace.
      let said: string[] = [];
      try {
        said = (readHomeFile(paths.serverLog) ?? "").split("\n").filter((l) => l.startsWith("pll"));
      } catch {
        // No last words to show.
      }
      const tail = said.slice(-2).join("\n");
      throw new ServerUnreachable(`could not start a pll server for ${home}${tail ? `:\n${tail}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, 30));
  }
}
