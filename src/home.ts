// Where pll keeps its state: $PLL_HOME, else $XDG_STATE_HOME/pll, else ~/.local/state/pll.
import os from "node:os";
import path from "node:path";

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
