// A 100,000-job jobset through `pll run`: load time (start until the first
// job runs: read, compile, store 100k records), run time, peak RSS.
// Usage: node dist/bench/run-100k.js [N=100000] [PJC=8]   Target: < 500 MB.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { flatSource } from "./lib-graphs.js";
import { fmtMs, machineLoad, measure, pllBin, tempHome } from "./lib-measure.js";

const n = Number(process.argv[2] ?? 100_000);
const pjc = Number(process.argv[3] ?? 8);
console.log(machineLoad());
const dir = mkdtempSync(path.join(tmpdir(), "pll-bench-"));
const home = tempHome();
try {
  const file = path.join(dir, "big.pll");
  writeFileSync(file, flatSource(n));
  const started = performance.now();
  let firstRun: number | undefined;
  const m = await measure([pllBin, "run", file, "--pjc", String(pjc)], {
    env: { ...process.env, PLL_HOME: home },
    onStdout: (chunk) => {
      // line mode: the first "#N name running" line marks the end of loading
      if (firstRun === undefined && chunk.includes(" running")) firstRun = performance.now();
    },
  });
  const load = (firstRun ?? started) - started;
  console.log(`${n} jobs at PJC ${pjc}: load ${fmtMs(load)}, run ${fmtMs(m.wallMs - load)} (${((n / (m.wallMs - load)) * 1000).toFixed(0)} jobs/s), ` +
    `total ${fmtMs(m.wallMs)}, peak RSS ${m.peakRssMb?.toFixed(0) ?? "?"} MB (target < 500), exit ${m.code}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}
