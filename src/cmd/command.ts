// `pll COMMAND ARGS…`: one command of the command language from the CLI
// (`pll pjc 6`, `pll retry 12`, `pll tail -f 3`, `pll '$ make test'`).
// Starts a background server when the command needs one and none runs.
import { Client, connect } from "../client/client.js";
import { clientEnv, wantsColor } from "../client/env.js";
import { describeError, execute, helpText, requiresServer } from "../commands/index.js";
import { isJobLine, quoteWord } from "../commands/words.js";
import { homePaths, pllHome } from "../home.js";

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0) {
    process.stderr.write(helpText() + "\n");
    return 2;
  }
  if (argv[0] === "--help" || argv[0] === "-h") {
    process.stdout.write(helpText() + "\n");
    return 0;
  }
  // A job line is passed verbatim (`pll '$ make test'` or `pll priority high '$' ./x.sh`).
  const line = argv.some(isJobLine) ? argv.join(" ") : argv.map(quoteWord).join(" ");
  const home = pllHome();
  let client: Client;
  try {
    client = requiresServer(line) ? await connect({ home, autostart: true }) : new Client(homePaths(home).socket);
  } catch (err) {
    const { message, code } = describeError(err);
    process.stderr.write(`pll: ${message}\n`);
    return code;
  }
  try {
    const result = await execute(line, {
      client,
      cwd: process.cwd(),
      env: clientEnv(),
      color: wantsColor(),
      write: (text) => void process.stdout.write(text),
    });
    if (result.error !== undefined && !argv.includes("--json")) process.stderr.write(`pll: ${result.error}\n`);
    else if (result.output !== "") process.stdout.write(result.output + "\n");
    return result.code;
  } finally {
    client.close();
  }
}
