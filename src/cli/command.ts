// `pll COMMAND ARGS…`: one command of the command language from the CLI
// (`pll pjc 6`, `pll retry 12`, `pll tail -f 3`, `pll '$ make test'`).
// Starts a background server only for a command that gives it jobs to run
// (load, job lines); any other fails with exit 3 when no server runs.
import { Client, connect } from "../client/client.js";
import { clientEnv, wantsColor } from "../client/env.js";
import { execute, serverNeed } from "../commands/index.js";
import type { ServerNeed } from "../commands/types.js";
import { isJobLine, jobLineOfArgs, quoteWord } from "../commands/words.js";
import { describeError } from "./exit-codes.js";
import { homePaths, pllHome } from "../home.js";
import { isDiagnostic } from "../lang/diagnostics.js";

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === "--version") argv = ["version", ...argv.slice(1)];
  // A job line (`pll '$ make test'`, `pll priority high '$' ./x.sh "a  b"`) keeps its arguments' boundaries.
  // `pll help $` asks about job lines: it is not one.
  const line = argv[0] !== "help" && argv.some(isJobLine) ? jobLineOfArgs(argv) : argv.map(quoteWord).join(" ");
  return withClient(pllHome(), serverNeed(line), async (client) => {
    const result = await execute(line, {
      client,
      cwd: process.cwd(),
      env: clientEnv(),
      stdin: true,
      color: wantsColor(),
      write: (text) => void process.stdout.write(text),
    });
    // A compiler's diagnostics name their place themselves (`x.pll:1:13: error: …`), as `pll check` prints them.
    if (result.error !== undefined && !argv.includes("--json")) process.stderr.write(`${isDiagnostic(result.error) ? "" : "pll: "}${result.error}\n`);
    else if (result.output !== "") process.stdout.write(result.output + "\n");
    return result.code;
  });
}

/**
 * Runs `fn` with a client of the home's server — with `need` "start", started in
 * the background if none runs — and closes it after; an unreachable server is reported
 * on stderr and becomes the exit code (3), a home pll refuses (2) — src/cli/exit-codes.ts.
 */
export async function withClient(home: string, need: ServerNeed, fn: (client: Client) => Promise<number>): Promise<number> {
  let client: Client;
  try {
    client = need === "none" ? new Client(homePaths(home).socket) : await connect({ home, autostart: need === "start" });
  } catch (err) {
    const { message, code } = describeError(err);
    process.stderr.write(`pll: ${message}\n`);
    return code;
  }
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}
