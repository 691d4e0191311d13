// `npm run bench`: the `pll run` benchmarks in order — throughput against
// xargs and GNU parallel (of `pll run` and of `pll each`), a 1 GB output, a 100k-job jobset — each in its own
// process (so one's memory does not weigh on the next), with their defaults.
// Usage: node dist/bench/run.js [--only throughput,each,output,100k]
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const BENCHES = { throughput: "run-throughput.js", each: "each-throughput.js", output: "run-output.js", "100k": "run-100k.js" } as const;
type Name = keyof typeof BENCHES;
const names = Object.keys(BENCHES) as Name[];
const usage = `usage: node dist/bench/run.js [--only ${names.join(",")}]`;

function picked(): Name[] | string {
  let only: string | undefined;
  try {
    ({ only } = parseArgs({ options: { only: { type: "string" } } }).values);
  } catch (err) {
    return (err as Error).message;
  }
  if (only === undefined) return names;
  const wanted = only.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = wanted.filter((w) => !names.includes(w as Name));
  if (unknown.length || !wanted.length) return `--only: unknown benchmark ${unknown.join(", ") || "(none given)"}; pick from ${names.join(", ")}`;
  return names.filter((n) => wanted.includes(n));
}

const run = (script: string) =>
  new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, [script], { stdio: "inherit" });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });

const which = picked();
if (typeof which === "string") {
  process.stderr.write(`bench: ${which}\n${usage}\n`);
  process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
let failed = 0;
for (const name of which) {
  console.log(`\n== ${name} ==`);
  const code = await run(path.join(here, BENCHES[name]));
  if (code !== 0) {
    console.log(`bench ${name} exited ${code}`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
