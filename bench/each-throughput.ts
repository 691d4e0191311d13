// `pll each true ::: $(seq N)` against `parallel true ::: $(seq N)` and
// `xargs -P`, in the same run, each at 4 at a time, each started from `sh -c`
// as a user types it; median of several rounds, with ratios. pll's own
// progress lines (stderr) go to /dev/null, as parallel's nothing does.
// Usage: node dist/bench/each-throughput.js [N=2000] [ROUNDS=3]
// Target: at least 3× faster than GNU parallel.
import { rmSync } from "node:fs";
import { benchDir, ensureGnuParallel, fmtMs, machineLoad, measure, median, pllBin, settledFileCreation, tempHome } from "./lib-measure.js";

const n = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 3);
const parallel = ensureGnuParallel();
// pll creates two log files per job: measure only once creating files is cheap again (lib-measure.ts).
const settled = await settledFileCreation(benchDir());

const times: Record<string, number[]> = { pll: [], xargs: [], parallel: [] };
const homes: string[] = [];
try {
  for (let r = 0; r < rounds; r++) {
    const home = tempHome();
    homes.push(home);
    const pll = await measure(["sh", "-c", `${pllBin} each --pjc 4 true ::: $(seq ${n}) 2>/dev/null`], { env: { ...process.env, PLL_HOME: home } });
    if (pll.code !== 0) throw new Error(`pll each exited ${pll.code}`);
    times.pll!.push(pll.wallMs);
    times.xargs!.push((await measure(["sh", "-c", `seq ${n} | xargs -P 4 -I{} sh -c 'true {}'`])).wallMs);
    if (parallel) times.parallel!.push((await measure(["sh", "-c", `${parallel} --will-cite -j 4 true ::: $(seq ${n})`])).wallMs);
    process.stderr.write(`round ${r + 1}/${rounds}: pll each ${fmtMs(times.pll!.at(-1)!)}, xargs ${fmtMs(times.xargs!.at(-1)!)}` +
      `${parallel ? `, parallel ${fmtMs(times.parallel!.at(-1)!)}` : ""}\n`);
  }
} finally {
  for (const home of [...homes, settled.probeDir]) rmSync(home, { recursive: true, force: true });
}

const pll = median(times.pll!);
const xargs = median(times.xargs!);
console.log(`${n} × true, 4 at a time, median of ${rounds} (${machineLoad()}; a new file in ${benchDir()}: ${settled.usPerFile.toFixed(0)} µs${settled.settled ? "" : ", NOT settled after 7 minutes"}):`);
console.log(`  pll each --pjc 4 true ::: …   ${fmtMs(pll)}  (${((n / pll) * 1000).toFixed(0)} jobs/s)`);
console.log(`  xargs -P 4 -I{} sh -c …       ${fmtMs(xargs)}  → pll/xargs = ${(pll / xargs).toFixed(2)}×`);
if (parallel) {
  const par = median(times.parallel!);
  console.log(`  parallel -j 4 true ::: …      ${fmtMs(par)}  → parallel/pll = ${(par / pll).toFixed(2)}× (target ≥ 3×)`);
} else console.log("  GNU parallel: not available (apt-get install parallel failed)");
