// `pll serve` (foreground), `pll start` (background), `pll stop` (graceful:
// running jobs keep running and are adopted by the next server).
import { parseArgs } from "node:util";
import { startBackgroundServer } from "../client/autostart.js";
import { connectIfRunning } from "../client/client.js";
import { UserError } from "../core/errors.js";
import { exitCodeOf } from "./exit-codes.js";
import type { HealthResponse } from "../server/api-types.js";
import { HomeError, homePaths, pllHome } from "../home.js";

export const USAGE = `usage: pll serve [--listen HOST:PORT [--token TOKEN] [--allow-remote]]   the server, in the foreground
       pll start [same options]    the server, in the background (log: $PLL_HOME/server.log)
       pll stop                    stop it; running jobs keep running and are adopted next time
       pll start N                 not the server: start pending job N now (the command \`start N\`)
The TCP token is PLL_TOKEN, else $PLL_HOME/token (made with mode 0600 if missing);
--token TOKEN works too, but shows in \`ps\` while \`pll serve\` runs.`;

const say = (line: string) => process.stderr.write(`pll: ${line}\n`);

export async function main(argv: string[]): Promise<number> {
  const [verb, ...args] = argv;
  // `pll start 12` is the command language's `start N` (run a pending job now), not a server.
  if (verb === "start" && args[0] !== undefined && !args[0].startsWith("-")) return (await import("./command.js")).main(argv);
  let values: { listen?: string; token?: string; "allow-remote"?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: { listen: { type: "string" }, token: { type: "string" }, "allow-remote": { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    say(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  const home = pllHome();
  const token = values.token ?? process.env.PLL_TOKEN;
  // Every job and hook starts with the server's environment: the token stays out of it.
  delete process.env.PLL_TOKEN;
  try {
    if (verb === "stop") return args.length ? (say(USAGE), 2) : await stop(home);
    if (verb === "start") return await start(home, values, token);
  } catch (err) {
    // A home pll refuses (someone else could change it): one line, like a bad option.
    if (err instanceof HomeError) return (say(err.message), 2);
    throw err;
  }
  const { serve } = await import("../server/daemon.js");
  return serve({
    home,
    ...(values.listen !== undefined ? { listen: values.listen } : {}),
    ...(token ? { token } : {}),
    allowRemote: values["allow-remote"] === true,
  });
}

async function start(home: string, values: { listen?: string; "allow-remote"?: boolean }, token: string | undefined): Promise<number> {
  const running = await connectIfRunning(home);
  if (running) {
    const { pid } = await running.request<HealthResponse>("GET", "/health").finally(() => running.close());
    say(`a server is already running for ${home} (pid ${pid})`);
    return 0;
  }
  // The token goes to the server in its environment, not its arguments: `ps` shows those to everyone.
  const args = [...(values.listen !== undefined ? ["--listen", values.listen] : []), ...(values["allow-remote"] ? ["--allow-remote"] : [])];
  if (values.listen !== undefined && !token) {
    // A token file the server would refuse is refused here, in one line, rather than in its log.
    const { readTokenFile } = await import("../server/auth.js");
    readTokenFile(homePaths(home).token);
  }
  try {
    const { pid } = await startBackgroundServer(home, args, token ? { PLL_TOKEN: token } : {});
    say(`server started for ${home}${pid !== undefined ? ` (pid ${pid})` : ""}`);
    return 0;
  } catch (err) {
    if (err instanceof HomeError) throw err;
    say((err as Error).message);
    return err instanceof UserError ? exitCodeOf(err.kind) : 1;
  }
}

async function stop(home: string): Promise<number> {
  const client = await connectIfRunning(home);
  if (!client) {
    say(`no server is running for ${home}`);
    return 0;
  }
  try {
    const { pid } = await client.request<HealthResponse>("GET", "/health");
    await client.request("POST", "/shutdown");
    const deadline = Date.now() + 30_000;
    while (isAlive(pid)) {
      if (Date.now() > deadline) {
        say(`server ${pid} did not stop within 30 s`);
        return 1;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    say(`stopped the server (pid ${pid}); running jobs keep running and are adopted by the next server`);
    return 0;
  } finally {
    client.close();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
