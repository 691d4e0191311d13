// Job graphs and .pll files for the benchmarks.
import type { JobGraph } from "../src/core/types.js";

const loc = { file: "bench.pll", line: 1, col: 1 };

/** `n` independent jobs running `command`, as the compiler would produce them. */
export function flatGraph(n: number, command = "true", cwd = "/tmp"): JobGraph {
  return {
    jobset: "bench",
    file: "/tmp/bench.pll",
    jobs: Array.from({ length: n }, (_, i) => ({
      key: `j${i}`,
      name: `j${i}`,
      command,
      cwd,
      env: {},
      priority: 0,
      deps: [],
      blocks: [],
      retry: { count: 0, backoffMs: 0 },
      units: 1,
      hooks: [],
      loc,
    })),
    blocks: [],
    schedules: [],
  };
}

/** The same as a .pll file: one `$ command` line per job. */
export function flatSource(n: number, command = "true"): string {
  return `jobset bench\n${`$ ${command}\n`.repeat(n)}`;
}
