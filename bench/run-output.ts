// One job writing a lot of stdout: `pll run`'s time and peak RSS, for a small
// and a 1 GB output — the output goes to the log by file descriptor, so the
// RSS must stay flat. Usage: node dist/bench/run-output.js [MB=1024]
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fmtMs, machineLoad, measure, pllBin, tempHome } from "./lib-measure.js";

const bigMb = Number(process.argv[2] ?? 1024);
console.log(machineLoad());
const dir = mkdtempSync(path.join(tmpdir(), "pll-bench-"));
try {
  for (const mb of [1, bigMb]) {
    const file = path.join(dir, `out${mb}.pll`);
    writeFileSync(file, `jobset output\nbig: $ head -c ${mb * 1024 * 1024} /dev/zero\n`);
    const home = tempHome();
    try {
      const m = await measure([pllBin, "run", file], { env: { ...process.env, PLL_HOME: home } });
      const log = statSync(path.join(home, "logs", "1", "1.out")).size;
      console.log(`${String(mb).padStart(5)} MB of stdout: pll run ${fmtMs(m.wallMs)}, peak RSS ${m.peakRssMb?.toFixed(0) ?? "?"} MB, log ${(log / 1048576).toFixed(0)} MB, exit ${m.code}`);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
