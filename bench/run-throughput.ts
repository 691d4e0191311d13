// `pll run` on N trivial jobs (`true`) at PJC 4 against `xargs -P 4` and GNU
// `parallel -j 4`, in the same run, median of several rounds, with ratios.
// Usage: node dist/bench/run-throughput.js [N=2000] [ROUNDS=3]
// Targets: pll within 1.6× of xargs, at least 3× faster than GNU parallel.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { flatSource } from "./lib-graphs.js";
import { benchDir, ensureGnuParallel, fmtMs, machineLoad, measure, median, pllBin, settledFileCreation, tempHome } from "./lib-measure.js";

const n = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 3);
const dir = mkdtempSync(path.join(tmpdir(), "pll-bench-"));
const file = path.join(dir, "trivial.pll");
writeFileSync(file, flatSource(n));
const parallel = ensureGnuParallel();
// pll creates two log files per job; on this VM's ext4 that is cheap only when no mass deletion happened there lately.
const settled = await settledFileCreation(benchDir());

const times: Record<string, number[]> = { pll: [], xargs: [], parallel: [] };
// Homes are removed only after the last round: deleting thousands of log
// files makes creating files near them slow for minutes on ext4 without a
// journal (see settledFileCreation), which would be charged to the next round.
const homes: string[] = [];
try {
  for (let r = 0; r < rounds; r++) {
    const home = tempHome();
    homes.push(home);
    const pll = await measure([pllBin, "run", file, "--pjc", "4"], { env: { ...process.env, PLL_HOME: home } });
    if (pll.code !== 0) throw new Error(`pll run exited ${pll.code}`);
    times.pll!.push(pll.wallMs);
    times.xargs!.push((await measure(["sh", "-c", `seq ${n} | xargs -P 4 -I{} sh -c true`])).wallMs);
    if (parallel) times.parallel!.push((await measure(["sh", "-c", `seq ${n} | ${parallel} --will-cite -j 4 true`])).wallMs);
    process.stderr.write(`round ${r + 1}/${rounds}: pll ${fmtMs(times.pll!.at(-1)!)}, xargs ${fmtMs(times.xargs!.at(-1)!)}` +
      `${parallel ? `, parallel ${fmtMs(times.parallel!.at(-1)!)}` : ""}\n`);
  }
} finally {
  for (const home of [...homes, settled.probeDir]) rmSync(home, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
}

const pll = median(times.pll!);
const xargs = median(times.xargs!);
console.log(`${n} × true at PJC 4, median of ${rounds} (${machineLoad()}; a new file in ${benchDir()}: ${settled.usPerFile.toFixed(0)} µs${settled.settled ? "" : ", NOT settled after 7 minutes"}):`);
console.log(`  pll run          ${fmtMs(pll)}  (${((n / pll) * 1000).toFixed(0)} jobs/s)`);
console.log(`  xargs -P 4       ${fmtMs(xargs)}  → pll/xargs = ${(pll / xargs).toFixed(2)}× (target ≤ 1.6×)`);
if (parallel) {
  const par = median(times.parallel!);
  console.log(`  parallel -j 4    ${fmtMs(par)}  → parallel/pll = ${(par / pll).toFixed(2)}× (target ≥ 3×)`);
} else console.log("  GNU parallel: not available (apt-get install parallel failed)");
