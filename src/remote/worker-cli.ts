// `pll worker` (run role jobs for a server) and `pll workers` (list them).
import os from "node:os";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { UserError } from "../core/errors.js";
import { launcherFromEnv } from "../exec/spawner.js";
import { pllHome } from "../home.js";
import { registryKey, type WorkerInfo } from "./protocol.js";
import { parseRoles, queueFrom, type QueueConfig } from "./queue-url.js";
import { PllWorker } from "./worker.js";
import { workersTable } from "./workers-table.js";

export const WORKER_USAGE = `usage: pll worker --role R[,R…] [--slots N] [--name NAME] [--queue URL] [--cwd DIR]
Runs the jobs with \`role R\` that the server of the queue (--queue URL, else PLL_QUEUE) sends,
at most N at once (default: the number of CPUs). NAME (default: the host name) is their PLL_WORKER.
DIR (default: the current directory) stands for the directory of a job's jobset file: a cwd inside it runs
at the same place under DIR; a cwd outside it is used as it is.
Its own state (job logs, spawner) is in PLL_HOME. SIGTERM or SIGINT stops it: its running jobs are cancelled.`;

export const WORKERS_USAGE = `usage: pll workers [--json] [--queue URL]
The workers of the queue (--queue URL, else PLL_QUEUE): name, host, roles, slots, running, last heartbeat.`;

const say = (line: string) => process.stderr.write(`pll: ${line}\n`);

function needQueue(option: string | undefined): QueueConfig {
  const q = queueFrom(option);
  if (!q) throw new UserError("usage", "no queue: give --queue URL or set PLL_QUEUE (redis://…)");
  delete process.env.PLL_QUEUE; // jobs start with this environment: the password stays out of it
  return q;
}

export async function workerMain(args: string[]): Promise<number> {
  try {
    const { values } = parseArgs({
      args,
      options: {
        role: { type: "string" },
        slots: { type: "string" },
        name: { type: "string" },
        queue: { type: "string" },
        cwd: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) return (process.stdout.write(WORKER_USAGE + "\n"), 0);
    if (values.role === undefined) throw new UserError("usage", `--role R is required\n${WORKER_USAGE}`);
    const roles = parseRoles(values.role, "--role");
    const slots = values.slots === undefined ? os.availableParallelism() : Number(values.slots);
    if (!Number.isInteger(slots) || slots < 1) throw new UserError("usage", `--slots: expected a whole number of at least 1, got ${values.slots}`);
    const name = values.name ?? os.hostname();
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new UserError("usage", `--name: 1 to 64 letters, digits, '_', '.' or '-', got ${JSON.stringify(name)}`);
    const queue = needQueue(values.queue);
    const heartbeatMs = Number(process.env.PLL_WORKER_HEARTBEAT_MS ?? 1_000);
    const worker = new PllWorker({
      queue,
      home: pllHome(),
      name,
      roles,
      slots,
      cwd: values.cwd ?? process.cwd(),
      launcher: launcherFromEnv(),
      heartbeatMs: Number.isFinite(heartbeatMs) && heartbeatMs > 0 ? heartbeatMs : 1_000,
      killGraceMs: 5_000,
    });
    await worker.start();
    await new Promise<void>((resolve) => {
      for (const s of ["SIGTERM", "SIGINT"] as const) process.once(s, () => resolve());
    });
    say(`worker ${name} stopping: its running jobs are cancelled`);
    await worker.close();
    return 0;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (err instanceof UserError || (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS"))) return (say((err as Error).message), 2);
    throw err;
  }
}

export async function workersMain(args: string[]): Promise<number> {
  let values: { json?: boolean; queue?: string; help?: boolean };
  let queue: QueueConfig;
  try {
    ({ values } = parseArgs({ args, options: { json: { type: "boolean" }, queue: { type: "string" }, help: { type: "boolean", short: "h" } }, strict: true, allowPositionals: false }));
    if (values.help) return (process.stdout.write(WORKERS_USAGE + "\n"), 0);
    queue = needQueue(values.queue);
  } catch (err) {
    return (say((err as Error).message), 2);
  }
  const redis = new Redis(queue.url, { maxRetriesPerRequest: 1, connectTimeout: 3_000, retryStrategy: () => null, lazyConnect: true });
  redis.on("error", () => {});
  let all: Record<string, string>;
  try {
    await redis.connect();
    all = await redis.hgetall(registryKey(queue.prefix));
  } catch (err) {
    say(`cannot reach the queue's Redis (${queue.shown}): ${(err as Error).message}`);
    return 3;
  } finally {
    redis.disconnect();
  }
  const now = Date.now();
  const workers = Object.values(all)
    .map((j) => JSON.parse(j) as WorkerInfo)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((w) => ({ name: w.name, host: w.host, roles: w.roles, slots: w.slots, running: w.running.length, jobs: w.running.map((r) => r.jobId), lastHeartbeat: new Date(w.at).toISOString(), ageMs: now - w.at }));
  if (values.json) {
    process.stdout.write(JSON.stringify(workers) + "\n");
    return 0;
  }
  if (workers.length === 0) {
    process.stdout.write(`no workers on ${queue.shown}\n`);
    return 0;
  }
  process.stdout.write(workersTable(workers.map((w) => ({ ...w, at: now - w.ageMs })), now) + "\n");
  return 0;
}
