// The long version of the crash-consistency suite (test/crash/): many trials
// of a few hundred marked jobs with SIGKILLs of the server, the spawner or
// both, then a table of what came out wrong, by kind of crash.
// Usage: node dist/bench/crash-soak.js [TRIALS=12] [--jobs 300] [--kills 4] [--pjc 8]
//          [--kinds server,spawner,both] [--modes plain,burst,stalled,probed] [--retry N] [--seed S] [--verbose]
// Trials go round the kinds in turn. `--modes plain` alone kills at random
// moments only, as issue 12's first report did (300 jobs, pjc 8, 4 kills).
// Exit status 1 when any trial found a job run or recorded wrongly.
import { parseArgs } from "node:util";
import { describeMismatch, KILL_MODES, modesFor, runCrashTrial, type KillKind, type KillMode, type TrialResult } from "../test/crash/crash-trial.js";
import type { Mismatch } from "../test/crash/marked-jobs.js";
import { benchDir, fmtMs, machineLoad } from "./lib-measure.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    jobs: { type: "string", default: "300" },
    kills: { type: "string", default: "4" },
    pjc: { type: "string", default: "8" },
    kinds: { type: "string", default: "server,spawner,both" },
    modes: { type: "string", default: KILL_MODES.join(",") },
    retry: { type: "string", default: "0" },
    seed: { type: "string" },
    verbose: { type: "boolean", default: false },
  },
});
const trials = Number(positionals[0] ?? 12);
const kinds = values.kinds.split(",") as KillKind[];
const modes = values.modes.split(",").map((m) => (m === "stalled" ? "stalled burst" : m)) as KillMode[];
// The probe catches the server's moment: a spawner-only trial goes without it.
const modesOf = (kind: KillKind) => modes.filter((m) => modesFor(kind).includes(m));
for (const k of kinds) if (!["server", "spawner", "both"].includes(k)) throw new Error(`--kinds: unknown kind ${k}`);
for (const m of modes) if (!KILL_MODES.includes(m)) throw new Error(`--modes: unknown mode ${m}`);
const seed0 = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);

console.log(`${trials} trials of ${values.jobs} jobs at pjc ${values.pjc}, ${values.kills} kills each, kinds ${kinds.join(",")}, modes ${modes.join(",")}` +
  `${Number(values.retry) ? `, retry ${values.retry} on failing jobs` : ""}; first seed ${seed0}; homes in ${benchDir()}; ${machineLoad()}`);
const results: TrialResult[] = [];
for (let t = 0; t < trials; t++) {
  const kind = kinds[t % kinds.length]!;
  // Each trial starts the modes' cycle at a different place, so every mode comes at every point of a run.
  const own = modesOf(kind);
  const start = t % own.length;
  const r = await runCrashTrial({
    kind,
    seed: seed0 + t,
    jobs: Number(values.jobs),
    kills: Number(values.kills),
    pjc: Number(values.pjc),
    retryFailing: Number(values.retry),
    modes: [...own.slice(start), ...own.slice(0, start)],
    dir: benchDir(),
    ...(values.verbose ? { log: (line: string) => console.log(`  ${line}`) } : {}),
  });
  results.push(r);
  const wrong = countByKind(r.mismatches);
  console.log(`trial ${t + 1}/${trials}: ${kind}, seed ${r.seed}, ${r.kills.map((k) => k.mode).join("/")}: ` +
    `${r.mismatches.length ? `${r.mismatches.length} wrong (${[...wrong].map(([k, n]) => `${k} ${n}`).join(", ")})` : "all right"}` +
    `${r.notes.length ? `; ${r.notes.join("; ")}` : ""} [${fmtMs(r.elapsedMs)}]`);
}

function countByKind(ms: Mismatch[]): Map<string, number> {
  const by = new Map<string, number>();
  for (const m of ms) by.set(m.kind, (by.get(m.kind) ?? 0) + 1);
  return by;
}

// The summary: one row per kind of crash; a column per kind of mismatch that occurred.
const mismatchKinds = [...new Set(results.flatMap((r) => r.mismatches.map((m) => m.kind)))];
const header = ["killed", "trials", "failed", "kills", "jobs", ...mismatchKinds, "notes"];
const rows = kinds.map((kind) => {
  const rs = results.filter((r) => r.kind === kind);
  const all = countByKind(rs.flatMap((r) => r.mismatches));
  return [
    kind,
    rs.length,
    rs.filter((r) => r.mismatches.length || r.notes.length).length,
    rs.reduce((n, r) => n + r.kills.length, 0),
    rs.reduce((n, r) => n + r.jobs, 0),
    ...mismatchKinds.map((k) => all.get(k) ?? 0),
    rs.reduce((n, r) => n + r.notes.length, 0),
  ].map(String);
});
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
console.log(`\n${line(header)}\n${rows.map(line).join("\n")}`);

// One example of each kind of mismatch, with the trial it came from.
const examples = new Map<string, string>();
for (const r of results) for (const m of r.mismatches) if (!examples.has(m.kind)) examples.set(m.kind, `${r.kind} kills, seed ${r.seed}:\n${describeMismatch(m)}`);
for (const [kind, text] of examples) console.log(`\n${kind}, e.g. in ${text}`);
if (results.some((r) => r.mismatches.length || r.notes.length)) process.exitCode = 1;
