// The start-up snapshot's entry. `npm run build` bundles this module and all
// it reaches into one script (src/snapshot/build.ts) and has Node run it with
// --build-snapshot: the modules below are loaded and evaluated then — the
// Chevrotain parser built and self-analysed, the compiler, the engine and the
// store — and the heap is saved in dist/pll.blob. bin/pll starts Node from
// that heap, so a command begins with its code already loaded.
//
// A module evaluated here must not read the environment, the terminal, the
// clock or its arguments when it loads: it would keep the values of the
// build. Reads of process.env while the modules load fail the build (below).
import { startupSnapshot } from "node:v8";
import { runCli, setV8Flags } from "../cli/verbs.js";

/** Replaced by the build with the package's root directory (where bin/ and dist/ are). */
declare const __PLL_ROOT__: string;

const realEnv = process.env;
const stackTraceLimit = Object.getOwnPropertyDescriptor(Error, "stackTraceLimit");
Error.stackTraceLimit = 20; // not set while a snapshot is built: the reads' stacks say who read
const envReads: string[] = [];
process.env = new Proxy(realEnv, {
  get(target, key) {
    const stack = new Error("read").stack ?? "";
    // The reader is the frame below this getter; Node's own reads (for its warnings about the snapshot) are harmless.
    // (chalk decides its default colour level at load, but with stdout a pipe, as the build has it, it reads nothing.)
    const reader = stack.split("\n")[2] ?? "";
    if (typeof key === "string" && !reader.includes("(node:")) envReads.push(`process.env.${key} read while loading:\n${stack}`);
    return Reflect.get(target, key) as unknown;
  },
});

// What `pll run` and `pll check` load. The commands (`pll status`…) load node:http, which
// cannot be loaded while a snapshot is built (Node 20: "methods.toSorted is not a function").
// The full-screen shell and the server are loaded when used, as without a snapshot.
void Promise.all([import("../cli/run/command.js"), import("../cli/check.js")]).then(
  () => {
    process.env = realEnv;
    // Back as it was, so that the runtime gets Node's own default.
    if (stackTraceLimit) Object.defineProperty(Error, "stackTraceLimit", stackTraceLimit);
    else delete (Error as { stackTraceLimit?: number }).stackTraceLimit;
    if (envReads.length) {
      process.stderr.write(`${envReads.join("\n")}\n`);
      process.exitCode = 1;
    }
  },
  (err: unknown) => {
    process.env = realEnv;
    throw err;
  },
);

startupSnapshot.setDeserializeMainFunction(() => {
  // bin/pll runs `node --snapshot-blob dist/pll.blob -- ARGS…`: put argv back in its usual shape for everything that reads it.
  process.argv = [process.argv[0]!, `${__PLL_ROOT__}/bin/pll`, ...process.argv.slice(1)];
  setV8Flags();
  runCli(process.argv.slice(2));
});
