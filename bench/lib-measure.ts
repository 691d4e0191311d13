// Measuring commands for the benchmarks: wall time and peak RSS (through GNU
// time when present), medians over rounds, and the tools compared against.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const pllBin = path.join(repoRoot, "bin", "pll");
const GNU_TIME = "/usr/bin/time";

export interface Measured {
  wallMs: number;
  /** peak resident set of the command's largest process, MB (needs GNU time) */
  peakRssMb?: number;
  code: number;
}

/** Runs `argv` with stdout discarded (or handed to `onStdout`), measuring it. */
export async function measure(
  argv: string[],
  opts: { env?: NodeJS.ProcessEnv; onStdout?: (chunk: Buffer) => void } = {},
): Promise<Measured> {
  const dir = mkdtempSync(path.join(tmpdir(), "pll-measure-"));
  const timeOut = path.join(dir, "time");
  const withTime = existsSync(GNU_TIME) ? [GNU_TIME, "-f", "%M", "-o", timeOut, ...argv] : argv;
  const started = performance.now();
  try {
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(withTime[0]!, withTime.slice(1), {
        env: opts.env ?? process.env,
        stdio: ["ignore", opts.onStdout ? "pipe" : "ignore", "inherit"],
      });
      if (opts.onStdout) child.stdout!.on("data", opts.onStdout);
      child.on("error", reject);
      child.on("close", (c) => resolve(c ?? 1));
    });
    const wallMs = performance.now() - started;
    const rss = existsSync(timeOut) ? Number(readFileSync(timeOut, "utf8").trim().split("\n").pop()) : NaN;
    return { wallMs, code, ...(Number.isFinite(rss) ? { peakRssMb: rss / 1024 } : {}) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** A fresh PLL_HOME; PLL_BENCH_DIR chooses the file system (log files are created per job). */
export const tempHome = () => mkdtempSync(path.join(process.env.PLL_BENCH_DIR ?? tmpdir(), "pll-bench-home-"));

/** The machine's load while measuring: on a shared machine the figures move with it. */
export const machineLoad = () => `load average ${loadavg().map((l) => l.toFixed(1)).join(" ")} on ${cpus().length} CPUs`;

/** GNU parallel, installed from Debian if missing; undefined when it cannot be had. */
export function ensureGnuParallel(): string | undefined {
  const which = () => spawnSync("sh", ["-c", "command -v parallel"], { encoding: "utf8" }).stdout.trim() || undefined;
  const found = which();
  if (found) return found;
  process.stderr.write("bench: installing GNU parallel (apt-get install -y parallel)…\n");
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  spawnSync(sudo[0] ?? "apt-get", [...sudo.slice(1), ...(sudo.length ? ["apt-get"] : []), "install", "-y", "parallel"], { stdio: "ignore" });
  return which();
}

export const fmtMs = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`);
