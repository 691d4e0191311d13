// Job graphs and .pll files for the benchmarks (built with the engine tests' graph helper).
import type { JobGraph } from "../src/core/types.js";
import { graphOf, job } from "../test/engine/graphs.js";

/** `n` independent jobs running `command`, as the compiler would produce them. */
export function flatGraph(n: number, command = "true", cwd = "/tmp"): JobGraph {
  return graphOf(Array.from({ length: n }, (_, i) => job(`j${i}`, command)), { jobset: "bench", cwd });
}

/** The same as a .pll file: one `$ command` line per job. */
export function flatSource(n: number, command = "true"): string {
  return `jobset bench\n${`$ ${command}\n`.repeat(n)}`;
}
