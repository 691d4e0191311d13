// argv → the module that serves that verb. Every entry exports its USAGE (for
// --help and `pll help`) and `main(args: string[]): Promise<number>`, which returns the exit code:
// 0 success, 1 a job or command failed, 2 usage or parse error, 3 server unreachable
// (each error kind's code: src/cli/exit-codes.ts), 70 a bug.
// Loading this module does nothing: the entries (src/main.ts, and the start-up
// snapshot's main in src/snapshot/entry.ts) call setV8Flags() and runCli().

import { UserError } from "../core/errors.js";
import { exitCodeOf } from "./exit-codes.js";
import { setFlagsFromString } from "node:v8";

/**
 * The V8 flags pll sets, each on the V8 lines (majors, inclusive) where it exists and a
 * measurement showed that it pays (bench/README.md, "Decisions", V8). V8 renames and drops
 * such flags between lines, and an unknown one is not an error but a line on stderr
 * ("Error: unrecognized flag") at every start; a V8 outside the ranges gets V8's defaults.
 */
const V8_TUNING: readonly { flag: string; v8: readonly [number, number] }[] = [
  // V8 optimises a function with TurboFan, on background threads, once it has run for
  // a budget of bytecode. At the default budget a `pll run` spends much of its JIT work
  // on code that runs once (the parser, start-up) and competes with the jobs for the
  // CPU: on 2 cores (Node 20), 2,000 trivial jobs took 1.21 s, 1.15 s at 8× the budget
  // (medians of 10, alternating), and 20,000 took 9.9 s, 9.5 s at 8×. With no TurboFan
  // at all (--no-opt) the short run gains as much and the long one loses 9 %: hot code
  // is still worth optimising, a little later. V8 12 and 13 (Node 22, 24) count
  // invocations instead and have no --interrupt-budget; 8× their TurboFan (and
  // Maglev) counts gained nothing on Node 24, so they keep V8's tiering.
  { flag: "--interrupt-budget=540672", v8: [11, 11] },
  // After a full GC, V8 lets the heap grow to up to 4× what was live before the
  // next one. A server holds every job in memory, and a run of 100,000 jobs
  // promotes a few MB/s of short-lived garbage: its RSS climbed from 415 MB to
  // 650 MB without one full GC in 40 s. At a fixed 1.5× it stays at 330–360 MB
  // (peak 330–420 MB, in the load), run time unchanged. On Node 24 (V8 13) the
  // load's peak is 433 MB with it, 545 MB without.
  { flag: "--heap-growing-percent=50", v8: [11, 13] },
];

/** The flags of V8_TUNING for a V8 version such as process.versions.v8 ("13.6.233.17-node.63"). */
export function v8FlagsFor(v8Version: string): string[] {
  const major = Number.parseInt(v8Version, 10);
  return V8_TUNING.filter(({ v8: [from, to] }) => major >= from && major <= to).map(({ flag }) => flag);
}

/** Called first thing, before pll's code runs (not while a start-up snapshot is built: V8 would refuse the snapshot). */
export function setV8Flags(): void {
  // Set before anything else is loaded, so that all of pll's code runs with them.
  for (const flag of v8FlagsFor(process.versions.v8)) setFlagsFromString(flag);
}

/** A verb's module: its `main`, and its USAGE — what `pll VERB --help` and `pll help VERB` print, written once. */
type Entry = () => Promise<{ main(args: string[]): Promise<number>; USAGE: string }>;

/** The CLI's own verbs, in the order `pll help` lists them; each summary is its line there. */
export const cliVerbs: Record<string, { load: Entry; summary: string }> = {
  run: { load: () => import("./run/command.js"), summary: "run a jobset file and follow it to the end (on the server if one runs)" },
  each: { load: () => import("./each/command.js"), summary: "run a command once per argument, like GNU parallel (::: ARG…, :::: FILE, stdin)" },
  check: { load: () => import("./check.js"), summary: "check files without running them" },
  graph: { load: () => import("./graph.js"), summary: "a file's job graph, as Graphviz DOT or a text tree" },
  shell: { load: () => import("./shell.js"), summary: "the full-screen shell; reading stdin: one command per line" },
  serve: { load: () => import("./serve.js"), summary: "the server in the foreground (--listen HOST:PORT for TCP)" },
  start: { load: () => import("./serve.js"), summary: "the server in the background" },
  stop: { load: () => import("./serve.js"), summary: "stop the background server; running jobs keep running" },
  doctor: { load: () => import("./doctor.js"), summary: "check the store; --repair mends a damaged one" },
  worker: { load: () => import("./worker.js"), summary: "run the role jobs a server's queue sends (--role R --slots N --name NAME)" },
  workers: { load: () => import("./workers.js"), summary: "the workers of the queue: roles, slots, running, heartbeat (--json)" },
  help: { load: () => import("./help.js"), summary: "this list, or one verb or command in full" },
};

async function main(argv: string[]): Promise<number> {
  const verb = argv[0];
  // `pll` alone is a usage mistake (the list on stderr, exit 2); `pll --help` asks for it.
  if (verb === undefined || verb === "--help" || verb === "-h") return (await import("./help.js")).list(verb === undefined ? "stderr" : "stdout");
  const entry = Object.hasOwn(cliVerbs, verb) ? cliVerbs[verb]!.load : undefined;
  // serve/start/stop share one module and need to know which verb they are.
  if (entry) return (await entry()).main(verb === "start" || verb === "stop" || verb === "serve" ? argv : argv.slice(1));
  // Everything else is a command of the one command language (pjc, retry, tail…).
  return (await import("./command.js")).main(argv);
}

/** Runs the verb or command in `argv` (without node and script) and sets the exit code. */
export function runCli(argv: string[]): void {
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      // A mistake or a condition the user must act on (a full disk, a damaged store): one line, not a stack.
      if (err instanceof UserError) {
        process.stderr.write(`pll: ${err.message}\n`);
        process.exitCode = exitCodeOf(err.kind);
        return;
      }
      // A bug, not a user mistake: say so plainly, with the stack for the report.
      process.stderr.write(`pll: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 70;
    },
  );
}
