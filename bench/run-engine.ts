// The engine alone (no compiler, no CLI): N trivial jobs at PJC P, in-process.
// Usage: node dist/bench/run-engine.js [N] [P]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { openEngine } from "../src/server/engine.js";
import { flatGraph } from "./lib-graphs.js";

const n = Number(process.argv[2] ?? 2000);
const pjc = Number(process.argv[3] ?? 4);
const home = await mkdtemp(path.join(tmpdir(), "pll-bench-"));
try {
  const t0 = performance.now();
  const engine = await openEngine({ home, pjc });
  const { run } = await engine.submit(flatGraph(n), "");
  const t1 = performance.now();
  await new Promise<void>((resolve) => {
    const off = engine.subscribe((e) => {
      if (e.type === "run" && e.run.id === run.id && e.run.state !== "running") {
        off();
        resolve();
      }
    });
  });
  const t2 = performance.now();
  await engine.close();
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(`${n} jobs at pjc ${pjc}: submit ${(t1 - t0).toFixed(0)} ms, run ${(t2 - t1).toFixed(0)} ms (${((n / (t2 - t1)) * 1000).toFixed(0)} jobs/s), peak RSS ${rss.toFixed(0)} MB`);
} finally {
  await rm(home, { recursive: true, force: true });
}
