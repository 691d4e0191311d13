// What a pll command costs before it does anything: `pll check` of a sample,
// `pll status` against a running server, the first job of a one-job `pll run`
// (from the command to the job's start, and to the command's exit), and
// optionally a whole `pll run` of N trivial jobs. Each given launcher is
// measured in turn within every round (A B A B …), so that a shared machine's
// load falls on all of them alike; medians of wall time and of the command's
// CPU (all its threads, from GNU time).
// Usage: node dist/bench/startup.js [--rounds 20] [--jobs N] [--job-rounds 7]
//          [--launcher NAME=[VAR=VALUE…] COMMAND…]…
// Without --launcher, the checkout's bin/pll alone. For example, another
// build against this one: --launcher new=bin/pll --launcher old=../old/bin/pll
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { flatSource } from "./lib-graphs.js";
import { benchDir, fmtMs, machineLoad, median, pllBin, repoRoot, tempHome } from "./lib-measure.js";

interface Launcher {
  name: string;
  argv: string[];
  env: Record<string, string>;
}

/** `NAME=[VAR=VALUE…] COMMAND [ARGS…]`, split on spaces. */
function parseLauncher(spec: string): Launcher {
  const eq = spec.indexOf("=");
  if (eq <= 0) throw new Error(`--launcher ${spec}: expected NAME=COMMAND`);
  const words = spec.slice(eq + 1).split(/\s+/).filter(Boolean);
  const env: Record<string, string> = {};
  while (words.length > 1 && /^[A-Za-z_]\w*=/.test(words[0]!)) {
    const [k, ...v] = words.shift()!.split("=");
    env[k!] = v.join("=");
  }
  if (!words.length) throw new Error(`--launcher ${spec}: no command`);
  return { name: spec.slice(0, eq), argv: words.map((w) => (w.includes("/") ? path.resolve(repoRoot, w) : w)), env };
}

interface Sample {
  wallMs: number;
  cpuMs: number;
}

/** Runs the launcher with `args`, under GNU time for its CPU; rejects on a non-zero exit. */
function timed(l: Launcher, args: string[], home: string): Promise<Sample> {
  const timeFile = path.join(work, "time");
  const started = performance.now();
  return new Promise<Sample>((resolve, reject) => {
    const child = spawn("/usr/bin/time", ["-f", "%U %S", "-o", timeFile, ...l.argv, ...args], {
      env: { ...process.env, NO_COLOR: "1", ...l.env, PLL_HOME: home },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0) return reject(new Error(`${l.name} ${args.join(" ")}: exit ${code}\n${stderr}`));
      const [user, sys] = readFileSync(timeFile, "utf8").trim().split("\n").pop()!.split(" ").map(Number);
      resolve({ wallMs, cpuMs: (user! + sys!) * 1000 });
    });
  });
}

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "20" },
    jobs: { type: "string" },
    "job-rounds": { type: "string", default: "7" },
    launcher: { type: "string", multiple: true },
  },
});
const launchers = (values.launcher ?? [`pll=${pllBin}`]).map(parseLauncher);
const rounds = Number(values.rounds);
const jobs = values.jobs ? Number(values.jobs) : 0;

const work = mkdtempSync(path.join(tmpdir(), "pll-bench-startup-"));
const sample = path.join(repoRoot, "samples", "hello.pll");
const oneJob = path.join(work, "one.pll");
const mark = path.join(work, "started");
writeFileSync(oneJob, `jobset first\n$ date +%s%N > ${mark}\n`);
const manyJobs = path.join(work, "many.pll");
if (jobs) writeFileSync(manyJobs, flatSource(jobs));

type Row = "check" | "status" | "first job: start" | "first job: exit" | "many";
const results = new Map<string, Map<Row, Sample[]>>(launchers.map((l) => [l.name, new Map()]));
const record = (l: Launcher, row: Row, s: Sample) => {
  const rows = results.get(l.name)!;
  rows.set(row, [...(rows.get(row) ?? []), s]);
};

// One server for every launcher's `status`; each launcher's runs in a home of its own, without a server.
const serverHome = mkdtempSync(path.join(work, "server-"));
const runHomes = new Map(launchers.map((l) => [l.name, mkdtempSync(path.join(work, `run-${l.name}-`))]));
const homes: string[] = [];
try {
  await timed(launchers[0]!, ["start"], serverHome);
  // A first pass of each, unrecorded: the page cache and the stores warm for all alike.
  for (const l of launchers) {
    await timed(l, ["status"], serverHome);
    await timed(l, ["run", oneJob], runHomes.get(l.name)!);
  }
  for (let r = 0; r < rounds; r++) {
    for (const l of launchers) {
      record(l, "check", await timed(l, ["check", sample], serverHome));
      record(l, "status", await timed(l, ["status"], serverHome));
      const wallStart = performance.timeOrigin + performance.now(); // ms since the epoch, as the job's `date +%s%N`
      const run = await timed(l, ["run", oneJob], runHomes.get(l.name)!);
      const startedMs = Number(readFileSync(mark, "utf8").trim()) / 1e6;
      record(l, "first job: start", { wallMs: startedMs - wallStart, cpuMs: NaN });
      record(l, "first job: exit", run);
    }
    process.stderr.write(`round ${r + 1}/${rounds} (${machineLoad()})\n`);
  }
  // The whole run of many jobs, fewer rounds; homes kept to the end (deleting their logs slows ext4, see settledFileCreation).
  for (let r = 0; jobs && r < Number(values["job-rounds"]); r++) {
    for (const l of launchers) {
      const home = tempHome();
      homes.push(home);
      // Wall time only: the spawner outlives its run, so GNU time does not always count its CPU and the jobs'.
      record(l, "many", { ...(await timed(l, ["run", manyJobs, "--pjc", "4"], home)), cpuMs: NaN });
    }
    process.stderr.write(`${jobs}-job round ${r + 1} (${machineLoad()})\n`);
  }
} finally {
  await timed(launchers[0]!, ["stop"], serverHome).catch((err: unknown) => process.stderr.write(`bench: ${String(err)}\n`));
  for (const home of homes) rmSync(home, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}

const labels: Record<Row, string> = {
  check: "pll check samples/hello.pll",
  status: "pll status (server running)",
  "first job: start": "pll run, 1 job: to its start",
  "first job: exit": "pll run, 1 job: to exit",
  many: `pll run, ${jobs} × true, PJC 4 (home in ${benchDir()})`,
};
const first = launchers[0]!.name;
console.log(`medians of ${rounds} interleaved rounds (${jobs ? `${values["job-rounds"]} for the ${jobs}-job run; ` : ""}${machineLoad()} at the end)`);
console.log(["", ...launchers.map((l) => l.name), ...launchers.slice(1).map((l) => `${l.name} − ${first}, per round`)].join(" | "));
for (const row of Object.keys(labels) as Row[]) {
  const per = launchers.map((l) => results.get(l.name)!.get(row) ?? []);
  if (!per[0]!.length) continue;
  const wall = per.map((s) => median(s.map((x) => x.wallMs)));
  const cpu = per.map((s) => median(s.map((x) => x.cpuMs)));
  const cell = (i: number) => `${fmtMs(wall[i]!)}${Number.isNaN(cpu[i]) ? "" : ` (CPU ${fmtMs(cpu[i]!)})`}`;
  // The median of the per-round differences: a round's A and B ran moments apart, under the same load.
  const paired = (i: number, key: keyof Sample) => median(per[i]!.map((s, r) => s[key] - per[0]![r]![key]));
  const signed = (ms: number) => `${ms >= 0 ? "+" : "−"}${fmtMs(Math.abs(ms))}`;
  const diff = (i: number) =>
    `${signed(paired(i, "wallMs"))}${Number.isNaN(cpu[i]) ? "" : ` (CPU ${signed(paired(i, "cpuMs"))})`}, ×${(wall[i]! / wall[0]!).toFixed(2)}`;
  console.log([labels[row], ...launchers.map((_, i) => cell(i)), ...launchers.slice(1).map((_, i) => diff(i + 1))].join(" | "));
}
