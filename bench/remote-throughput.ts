// Issue 15: 2,000 trivial jobs through 2 `pll worker`s (4 slots each) on
// this machine, against the same jobs run by the server itself, in one run
// of this script: jobs/s of each path, dispatch latency, and the CPU each
// process spent per job (what stays readable on a loaded machine). Redis, the server and the workers are
// real processes on temp homes, stopped at the end.
// Usage: node dist/bench/remote-throughput.js [--jobs N]
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const pll = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/pll");
const { values } = parseArgs({ options: { jobs: { type: "string", default: "2000" } } });
const N = Number(values.jobs);
const children: ChildProcess[] = [];
const dirs: string[] = [];

const port = await new Promise<number>((resolve) => {
  const s = net.createServer().listen(0, "127.0.0.1", () => {
    const p = (s.address() as net.AddressInfo).port;
    s.close(() => resolve(p));
  });
});
const url = `redis://127.0.0.1:${port}`;
const dir = () => {
  const d = mkdtempSync(path.join(tmpdir(), "pll-bench-"));
  dirs.push(d);
  return d;
};
/** CPU seconds (user + system) each started process has used so far: Redis, the workers, the server, by name. */
const cpu = () =>
  new Map(
    children.map((c, i) => {
      const f = readFileSync(`/proc/${c.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      return [i === 0 ? "redis" : i === children.length - 1 ? "server" : `worker${i}`, (Number(f[11]) + Number(f[12])) / 100];
    }),
  );
const cpuPerJob = (before: Map<string, number>, after: Map<string, number>) =>
  [...after].map(([name, s]) => `${name} ${(((s - before.get(name)!) * 1000) / N).toFixed(2)}`).join(", ") + " ms CPU per job";
const start = (cmd: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp) =>
  new Promise<void>((resolve, reject) => {
    const c = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    children.push(c);
    let out = "";
    const look = (b: Buffer) => {
      out += b;
      if (ready.test(out)) resolve();
    };
    c.stdout!.on("data", look);
    c.stderr!.on("data", look);
    c.once("exit", () => reject(new Error(`${cmd} exited: ${out}`)));
  });
const run = (home: string, file: string) =>
  new Promise<number>((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const c = spawn(pll, ["run", file], { env: { ...process.env, PLL_HOME: home }, stdio: "ignore" });
    c.once("exit", (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t0) / 1e9) : reject(new Error(`pll run exited ${code}`))));
  });

try {
  await start("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {}, /Ready to accept/);
  for (const name of ["w1", "w2"]) await start(pll, ["worker", "--role", "r", "--slots", "4", "--name", name], { PLL_HOME: dir(), PLL_QUEUE: url }, /serving/);
  const home = dir();
  await start(pll, ["serve"], { PLL_HOME: home, PLL_QUEUE: url }, /role jobs go to/);
  await new Promise((r) => setTimeout(r, 1500)); // the workers' first heartbeats
  const marks = path.join(home, "marks");
  // Each job appends one short line (atomic under PIPE_BUF): its number and when its command ran.
  const jobs = (role: string) => ["jobset b", "pjc 8", ...Array.from({ length: N }, (_, i) => `j${i}: ${role}$ echo $PLL_JOB_ID $(date +%s%3N) >> ${marks}`)].join("\n") + "\n";
  writeFileSync(path.join(home, "remote.pll"), jobs("role r "));
  writeFileSync(path.join(home, "local.pll"), jobs(""));
  const c0 = cpu();
  const local = await run(home, path.join(home, "local.pll"));
  const c1 = cpu();
  const remote = await run(home, path.join(home, "remote.pll"));
  const c2 = cpu();
  const ran = new Map(readFileSync(marks, "utf8").trim().split("\n").map((l) => l.split(" ").map(Number) as [number, number]));
  const listed = JSON.parse(execFileSync(pll, ["status", "--all", "--json", "--limit", String(2 * N)], { env: { ...process.env, PLL_HOME: home }, maxBuffer: 1 << 28 }).toString()) as { jobs: { id: number; role?: string; attempts: { startedAt: number }[] }[] };
  const latency = (remoteJobs: boolean) => {
    const ms = listed.jobs.filter((j) => (j.role !== undefined) === remoteJobs).map((j) => ran.get(j.id)! - j.attempts[0]!.startedAt).sort((a, b) => a - b);
    return `p50 ${ms[Math.floor(ms.length * 0.5)]} ms, p99 ${ms[Math.floor(ms.length * 0.99)]} ms`;
  };
  console.log(`${N} trivial jobs at pjc 8:`);
  console.log(`  local:                 ${(N / local).toFixed(0)} jobs/s (${local.toFixed(2)} s); dispatch → command: ${latency(false)}`);
  console.log(`    ${cpuPerJob(c0, c1)}`);
  console.log(`  2 workers × 4 slots:   ${(N / remote).toFixed(0)} jobs/s (${remote.toFixed(2)} s), ${(remote / local).toFixed(1)}× the local time; dispatch → command: ${latency(true)}`);
  console.log(`    ${cpuPerJob(c1, c2)}`);
} finally {
  for (const c of children.reverse()) c.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 3000));
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
