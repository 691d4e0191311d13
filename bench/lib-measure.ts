// Measuring commands for the benchmarks: wall time and peak RSS (through GNU
// time when present), medians over rounds, and the tools compared against.
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
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

/** Where the temporary homes go: PLL_BENCH_DIR, else the system's temporary directory. */
export const benchDir = () => process.env.PLL_BENCH_DIR ?? tmpdir();

/** A fresh PLL_HOME; PLL_BENCH_DIR chooses the file system (log files are created per job). */
export const tempHome = () => mkdtempSync(path.join(benchDir(), "pll-bench-home-"));

/**
 * Creating a file on ext4 without a journal (this VM's root file system) can
 * cost 50× its usual price for minutes after many files were deleted nearby:
 * the kernel will not reuse an inode freed less than 60 s ago (360 s while
 * its inode-table block is still dirty), and each new file steps over every
 * such inode of its block group, ≈ 0.25 µs each (fs/ext4/ialloc.c,
 * recently_deleted). After one bench's homes were removed (20,000 log files),
 * a file cost ≈ 1 ms of kernel CPU instead of ≈ 20 µs, and `pll run` of
 * 2,000 jobs — 4,000 new log files — took 4.6 s instead of 1.8 s.
 *
 * So a bench that creates files waits until creating them in `dir` costs less
 * than `maxUs` per file in two probes in a row, probing every 15 s (5 s once
 * one was under) for up to 7 minutes, and says what it measured. The probe's files are kept (a deletion now would be the very
 * thing waited for) in a directory the caller removes with its own at the end.
 */
export async function settledFileCreation(dir: string, maxUs = 30): Promise<{ usPerFile: number; probeDir: string; settled: boolean }> {
  const probeDir = mkdtempSync(path.join(dir, "pll-bench-probe-"));
  // The best of three batches of 50 files, so that one slow moment (or cold code) does not count as a slow file system.
  const probe = (round: number) => {
    let best = Infinity;
    for (let batch = 0; batch < 3; batch++) {
      const started = performance.now();
      for (let i = 0; i < 50; i++) closeSync(openSync(path.join(probeDir, `${round}.${batch}.${i}`), "w"));
      best = Math.min(best, ((performance.now() - started) * 1000) / 50);
    }
    return best;
  };
  // Settled: two probes in a row under maxUs. One alone can fall in a lull: after the deletions of
  // two test-suite runs, one probe read 29 µs and the bench's first rounds still paid 40–400 µs a file.
  let previous = probe(0);
  let usPerFile = previous;
  const deadline = Date.now() + 7 * 60_000;
  for (let round = 1; Date.now() < deadline; round++) {
    if (round > 1 && Math.max(previous, usPerFile) <= maxUs) return { usPerFile: Math.max(previous, usPerFile), probeDir, settled: true };
    if (usPerFile > maxUs)
      process.stderr.write(
        `bench: creating a file in ${dir} costs ${usPerFile.toFixed(0)} µs (recent deletions on ext4 without a journal?); waiting for it to settle…\n`,
      );
    await sleep(usPerFile > maxUs ? 15_000 : 5_000);
    previous = usPerFile;
    usPerFile = probe(round);
  }
  return { usPerFile, probeDir, settled: false };
}

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
