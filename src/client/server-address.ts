// Which server the CLI talks to: its home's unix socket, or — with PLL_SERVER=HOST:PORT
// set — a TCP server (`pll serve --listen HOST:PORT`), with the bearer token from
// PLL_TOKEN, else the file PLL_TOKEN_FILE names, else $PLL_HOME/token.
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.js";
import { checkHome } from "../home-check.js";

export interface TcpServer {
  host: string;
  port: number;
  token: string;
  /** where the token came from, for messages: `PLL_TOKEN` or a file's path */
  tokenFrom: string;
}

/** The TCP server PLL_SERVER names, or undefined when it is not set (the home's socket then). */
export function tcpServerFromEnv(home: string, env: NodeJS.ProcessEnv = process.env): TcpServer | undefined {
  const where = env.PLL_SERVER;
  if (where === undefined || where === "") return undefined;
  const m = /^(?:http:\/\/)?(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})\/?$/.exec(where.trim());
  const port = m ? Number(m[2]) : 0;
  if (!m || port < 1 || port > 65535) throw new UserError("usage", `PLL_SERVER must be HOST:PORT (as given to \`pll serve --listen\`), got '${where}'`);
  const host = m[1]!.replace(/^\[(.*)\]$/, "$1");
  if (env.PLL_TOKEN) return { host, port, token: env.PLL_TOKEN, tokenFrom: "PLL_TOKEN" };
  const file = env.PLL_TOKEN_FILE || path.join(home, "token");
  // The home's token is trusted only from a home pll would use (checked, not created).
  if (!env.PLL_TOKEN_FILE) checkHome(home);
  let token: string;
  try {
    if (!statSync(file).isFile()) throw new Error("not a regular file");
    token = readFileSync(file, "utf8").trim();
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    throw new UserError("usage", `PLL_SERVER is set but there is no token: set PLL_TOKEN or PLL_TOKEN_FILE (can't read ${file}: ${why})`);
  }
  if (token === "") throw new UserError("usage", `PLL_SERVER is set but the token file ${file} is empty`);
  return { host, port, token, tokenFrom: file };
}
