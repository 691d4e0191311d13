// Load test of the control API: many clients submitting (job lines and small
// .pll sources) and listing at once against one real `pll serve`, for a
// bounded time. Prints requests/s and latencies, then checks that every
// submitted job exists exactly once. Dispatch is paused by default so the
// figures are the API's and the store's, not process spawning's (--run lets
// the jobs run too).
//
//   node dist/bench/load-api.js [--clients 32] [--seconds 5] [--run]
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Client } from "../src/client/client.js";
import { socketAnswers } from "../src/client/socket-probe.js";
import { fetchJobs } from "../src/commands/jobs-api.js";
import { homePaths } from "../src/home.js";
import type { JobListResponse, SubmitResponse } from "../src/server/api-types.js";

const { values } = parseArgs({ options: { clients: { type: "string", default: "32" }, seconds: { type: "string", default: "5" }, run: { type: "boolean", default: false } } });
const clients = Number(values.clients);
const seconds = Number(values.seconds);
const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src/main.js");

const home = await mkdtemp(path.join(tmpdir(), "pll-load-"));
const server = spawn(process.execPath, [cli, "serve"], { env: { ...process.env, PLL_HOME: home }, stdio: ["ignore", "ignore", "inherit"] });
const exited = new Promise((r) => server.once("exit", r));
try {
  const socket = homePaths(home).socket;
  const deadlineStart = Date.now() + 15_000;
  while (!(await socketAnswers(socket))) {
    if (Date.now() > deadlineStart) throw new Error("the server did not start");
    await new Promise((r) => setTimeout(r, 20));
  }
  const admin = new Client(socket);
  if (!values.run) await admin.request("POST", "/settings/pause", {});

  const submitted: number[] = [];
  const latencies: number[] = [];
  const byKind = new Map<string, { n: number; ms: number }>();
  let requests = 0;
  let errors = 0;
  const timed = async <T>(kind: string, call: () => Promise<T>): Promise<T | undefined> => {
    const t0 = performance.now();
    try {
      return await call();
    } catch (err) {
      errors++;
      console.error(`request failed: ${(err as Error).message}`);
      return undefined;
    } finally {
      const ms = performance.now() - t0;
      latencies.push(ms);
      const k = byKind.get(kind) ?? { n: 0, ms: 0 };
      byKind.set(kind, { n: k.n + 1, ms: k.ms + ms });
      requests++;
    }
  };
  const until = Date.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const client = new Client(socket);
      for (let i = 0; Date.now() < until; i++) {
        let r: SubmitResponse | undefined;
        switch (i % 4) {
          case 0:
            r = await timed("POST /jobs", () => client.request<SubmitResponse>("POST", "/jobs", { line: `$ echo ${c}-${i}`, cwd: home }));
            break;
          case 1:
            r = await timed("POST /runs", () => client.request<SubmitResponse>("POST", "/runs", { source: `jobset load${c}\na: $ true\nb: after a $ true\n`, path: path.join(home, `load${c}.pll`) }));
            break;
          case 2:
            await timed("GET /jobs", () => client.request<JobListResponse>("GET", "/jobs?limit=100&state=pending"));
            break;
          default:
            await timed("GET /runs", () => client.request("GET", "/runs?limit=20"));
        }
        if (r) submitted.push(...r.jobs.map((j) => j.id));
      }
      client.close();
    }),
  );
  const elapsed = (performance.now() - started) / 1000;

  const stored = await fetchJobs(admin);
  const seen = new Map<number, number>();
  for (const j of stored) seen.set(j.id, (seen.get(j.id) ?? 0) + 1);
  const missing = submitted.filter((id) => !seen.has(id));
  const duplicated = [...seen].filter(([, n]) => n > 1);
  const extra = stored.length - new Set(submitted).size;
  const dupSubmitted = submitted.length - new Set(submitted).size;
  admin.close();

  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1);
  console.log(`clients ${clients} · ${elapsed.toFixed(1)} s · dispatch ${values.run ? "on" : "paused"}`);
  console.log(`requests ${requests} (${(requests / elapsed).toFixed(0)}/s) · errors ${errors} · latency p50 ${pct(50)} ms p99 ${pct(99)} ms max ${pct(100)} ms`);
  console.log([...byKind].map(([k, v]) => `${k} ${v.n} × ${(v.ms / v.n).toFixed(1)} ms`).join(" · "));
  console.log(`jobs submitted ${submitted.length} (${(submitted.length / elapsed).toFixed(0)}/s) · stored ${stored.length}`);
  const ok = missing.length === 0 && duplicated.length === 0 && extra === 0 && dupSubmitted === 0 && errors === 0;
  console.log(ok ? "every submitted job exists exactly once" : `MISMATCH: missing ${missing.length}, stored twice ${duplicated.length}, numbers given twice ${dupSubmitted}, unexpected ${extra}, errors ${errors}`);
  process.exitCode = ok ? 0 : 1;
} finally {
  server.kill("SIGTERM");
  await exited;
  await rm(home, { recursive: true, force: true });
}
