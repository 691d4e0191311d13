// `pll shell [--json]`: the full-screen UI on a terminal; on a pipe, one
// command per line (a script: `#` comments and blank lines skipped), each
// answered in plain text or, with --json, one JSON object per line. A bad line
// prints a one-line error and the rest still run; exit 0 only if all succeeded.
import readline from "node:readline";
import { parseArgs } from "node:util";
import type { Client } from "../client/client.js";
import { clientEnv, wantsColor } from "../client/env.js";
import { execute } from "../commands/index.js";
import { pllHome } from "../home.js";
import { withClient } from "./command.js";

export const USAGE = `usage: pll shell [--json]
  on a terminal: the full-screen shell (? lists its keys); starts a background server if none runs
    keys: Esc to the job table (j/k move, x kill and c cancel ask y/N, : back to typing), q quits;
    Ctrl-C stops a tail -f or wait and never quits
  reading a pipe: one command per line (\`pll help\` lists them; # comments and blank lines skipped),
  each answered in turn; a bad line says so and the rest still run; exit 0 only if every line succeeded
  --json  answer each line with one JSON object`;

export async function main(argv: string[]): Promise<number> {
  let json = false;
  try {
    const { values } = parseArgs({ args: argv, options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } }, strict: true });
    if (values.help) {
      process.stdout.write(USAGE + "\n");
      return 0;
    }
    json = values.json === true;
  } catch (err) {
    process.stderr.write(`pll: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const home = pllHome();
  return withClient(home, "start", (client) => (process.stdin.isTTY && !json ? fullScreen(client, home) : lineMode(client, json)));
}

async function fullScreen(client: Client, home: string): Promise<number> {
  let app: { runShell(opts: { client: Client; home: string }): Promise<number> };
  try {
    app = (await import("../shell/app.js")) as typeof app;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND") throw err;
    process.stderr.write("pll: the full-screen shell is not built yet; pipe commands instead: echo status | pll shell\n");
    return 2;
  }
  return app.runShell({ client, home });
}

async function lineMode(client: Client, json: boolean): Promise<number> {
  const color = !json && wantsColor();
  const env = clientEnv();
  let worst = 0;
  let lineNo = 0;
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    lineNo++;
    const text = line.trim();
    if (text === "" || text.startsWith("#")) continue;
    const result = await execute(text, { client, cwd: process.cwd(), env, json, color, write: (t) => void process.stdout.write(t) });
    if (json) {
      const record = result.error !== undefined ? { line: lineNo, input: text, ok: false, code: result.code, error: result.error } : { line: lineNo, input: text, ok: result.ok, result: result.data ?? null };
      process.stdout.write(JSON.stringify(record) + "\n");
    } else if (result.error !== undefined) {
      // One line per problem: compiler diagnostics lose their source excerpt and caret here.
      const problems = result.error.split("\n").filter((l) => l.trim() !== "" && !/^\s/.test(l));
      for (const p of problems) process.stderr.write(`pll: line ${lineNo}: ${p}\n`);
    } else if (result.output !== "") {
      process.stdout.write(result.output + "\n");
    }
    if (!result.ok) worst = Math.max(worst, result.code);
    if (result.quit) break;
  }
  lines.close();
  return worst;
}
