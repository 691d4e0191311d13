// `after` glob benchmark: files where every job waits for a glob over all the
// others. `gN: after g*` (every job on one big cycle: an error) and
// `bN: after a*` (n jobs waiting for n: n² edges, valid). The edges are n² by
// the language's meaning; what this shows is that compiling costs in
// proportion to them (it was cubic: the cycle walk) — compare CPU per edge.
// Run: npx tsc -p . && node dist/bench/after-globs.js [n…]
import { loadavg } from "node:os";
import { compileSource } from "../src/lang/index.js";

const lines = (n: number, line: (i: number) => string): string => Array.from({ length: n }, (_, i) => line(i + 1)).join("\n");

function measure(what: string, source: string, edges: number): void {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = compileSource(source, `${what}.pll`);
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const outcome = r.graph ? `${r.graph.jobs.length} jobs` : `${r.diagnostics.length} error(s)`;
  console.log(`${what.padEnd(16)} ${edges.toLocaleString("en").padStart(11)} edges  wall ${wall.toFixed(0).padStart(6)} ms  cpu ${cpuMs.toFixed(0).padStart(6)} ms  ${((cpuMs * 1e6) / edges).toFixed(0).padStart(4)} ns/edge  ${outcome}`);
}

console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
for (const n of process.argv.slice(2).map(Number).filter(Boolean).concat(process.argv.length > 2 ? [] : [500, 1000, 2000, 3000])) {
  measure(`g* ×${n}`, lines(n, (i) => `g${i}: after g* $ true`), n * (n - 1));
  measure(`a* ×${n}+${n}`, `${lines(n, (i) => `a${i}: $ true`)}\n${lines(n, (i) => `b${i}: after a* $ true`)}`, n * n);
}
