// `pll serve` (foreground), `pll start` (background), `pll stop` (graceful:
// running jobs keep running and are adopted by the next server).
import { parseArgs } from "node:util";
import { startBackgroundServer } from "../client/autostart.js";
import { connectIfRunning } from "../client/client.js";
import { UserError } from "../core/errors.js";
import { exitCodeOf } from "./exit-codes.js";
import type { HealthResponse } from "../server/api-types.js";
import { HomeError, homePaths, pllHome } from "../home.js";
import { parseQueueUrl, parseRoles } from "../remote/queue-url.js";
import type { QueueOptions } from "../server/engine.js";

export const USAGE = `usage: pll serve [--listen HOST:PORT [--token TOKEN] [--allow-remote]] [--queue URL [--roles R,…]] [--name NAME]
                                   the server, in the foreground
       pll start [same options]    the server, in the background (log: $PLL_HOME/server.log)
       pll stop                    stop it; running jobs keep running and are adopted next time
       pll start N                 not the server: start pending job N now (the command \`start N\`)
The TCP token is PLL_TOKEN, else $PLL_HOME/token (made with mode 0600 if missing);
--token TOKEN works too, but shows in \`ps\` while \`pll serve\` runs.
--queue URL (else PLL_QUEUE): the Redis that \`role\` jobs go through to \`pll worker\`s;
--roles R,… the roles this machine serves itself; --name NAME its PLL_WORKER (default: host name).`;

const say = (line: string) => process.stderr.write(`pll: ${line}\n`);

export async function main(argv: string[]): Promise<number> {
  const [verb, ...args] = argv;
  // `pll start 12` is the command language's `start N` (run a pending job now), not a server.
  if (verb === "start" && args[0] !== undefined && !args[0].startsWith("-")) return (await import("./command.js")).main(argv);
  let values: { listen?: string; token?: string; "allow-remote"?: boolean; help?: boolean; queue?: string; roles?: string; name?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        listen: { type: "string" },
        token: { type: "string" },
        "allow-remote": { type: "boolean" },
        help: { type: "boolean", short: "h" },
        queue: { type: "string" },
        roles: { type: "string" },
        name: { type: "string" },
      },
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
  // Jobs start with the server's environment: the queue's URL (its password) stays out of it.
  const queueUrl = values.queue ?? process.env.PLL_QUEUE;
  delete process.env.PLL_QUEUE;
  let queue: QueueOptions | undefined;
  try {
    queue = queueOptions(queueUrl, values.queue !== undefined ? "--queue" : "PLL_QUEUE", values.roles);
  } catch (err) {
    if (err instanceof UserError) return (say(err.message), 2);
    throw err;
  }
  const token = values.token ?? process.env.PLL_TOKEN;
  // Every job and hook starts with the server's environment: the token stays out of it.
  delete process.env.PLL_TOKEN;
  try {
    if (verb === "stop") return args.length ? (say(USAGE), 2) : await stop(home);
    if (verb === "start") return await start(home, { ...values, ...(queueUrl !== undefined ? { queue: queueUrl } : {}) }, token);
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
    ...(queue ? { queue } : {}),
    ...(values.name !== undefined ? { name: values.name } : {}),
  });
}

/** --queue/PLL_QUEUE, --roles and PLL_WORKER_LOST_MS as the engine takes them; throws a usage error. */
function queueOptions(url: string | undefined, where: string, roles: string | undefined): QueueOptions | undefined {
  if (!url) {
    if (roles !== undefined) throw new UserError("usage", "--roles needs a queue (--queue URL or PLL_QUEUE)");
    return undefined;
  }
  const config = parseQueueUrl(url, where);
  const lost = process.env.PLL_WORKER_LOST_MS;
  if (lost !== undefined && !(Number.isInteger(Number(lost)) && Number(lost) > 0)) throw new UserError("usage", `PLL_WORKER_LOST_MS: expected a whole number of ms, got ${JSON.stringify(lost)}`);
  return {
    config,
    ...(roles !== undefined ? { roles: parseRoles(roles, "--roles") } : {}),
    ...(lost !== undefined ? { lostAfterMs: Number(lost) } : {}),
  };
}

async function start(home: string, values: { listen?: string; "allow-remote"?: boolean; queue?: string; roles?: string; name?: string }, token: string | undefined): Promise<number> {
  const running = await connectIfRunning(home);
  if (running) {
    const { pid } = await running.request<HealthResponse>("GET", "/health").finally(() => running.close());
    say(`a server is already running for ${home} (pid ${pid})`);
    return 0;
  }
  // The token goes to the server in its environment, not its arguments: `ps` shows those to everyone.
  const args = [
    ...(values.listen !== undefined ? ["--listen", values.listen] : []),
    ...(values["allow-remote"] ? ["--allow-remote"] : []),
    ...(values.roles !== undefined ? ["--roles", values.roles] : []),
    ...(values.name !== undefined ? ["--name", values.name] : []),
  ];
  if (values.listen !== undefined && !token) {
    // A token file the server would refuse is refused here, in one line, rather than in its log.
    const { readTokenFile } = await import("../server/auth.js");
    readTokenFile(homePaths(home).token);
  }
  try {
    // The queue's URL (its password) goes in the environment too, out of `ps`.
    const env: Record<string, string> = { ...(token ? { PLL_TOKEN: token } : {}), ...(values.queue !== undefined ? { PLL_QUEUE: values.queue } : {}) };
    const { pid } = await startBackgroundServer(home, args, env);
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
