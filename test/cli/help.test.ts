// Help for every verb: `pll VERB --help` and `pll help VERB` print the verb's one
// usage text (exit 0, stdout), `pll help` lists every verb beside the command
// language, a name that is both says what it means on the CLI first — and none
// of it touches the home or starts a server.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { withTempHome } from "../helpers/home.js";
import { runPll } from "../server/server-process.js";

const VERBS = ["run", "check", "graph", "shell", "serve", "start", "stop", "doctor", "help"];

/** Runs pll with a PLL_HOME that does not exist yet: any server or store would have to create it. */
function withUnmadeHome(fn: (pll: (...args: string[]) => ReturnType<typeof runPll>, home: string) => Promise<void>): Promise<void> {
  return withTempHome(async (dir) => {
    const home = path.join(dir, "home");
    await fn((...args) => runPll(home, args), home);
    assert.equal(existsSync(home), false, "no home, socket or server was made");
  });
}

test("every verb has --help (exit 0, usage on stdout) and `pll help VERB` prints the same", () =>
  withUnmadeHome(async (pll) => {
    for (const verb of VERBS) {
      const own = await pll(verb, "--help");
      assert.deepEqual([own.code, own.stderr], [0, ""], `pll ${verb} --help: ${own.stderr}`);
      assert.match(own.stdout, new RegExp(`^usage: pll ${verb === "start" || verb === "stop" ? "serve" : verb}\\b`), verb);
      assert.equal((await pll(verb, "-h")).stdout, own.stdout, `pll ${verb} -h`);
      const page = await pll("help", verb);
      assert.deepEqual([page.code, page.stderr], [0, ""], `pll help ${verb}`);
      assert.ok(page.stdout.startsWith(own.stdout.trimEnd()), `pll help ${verb} starts with its --help:\n${page.stdout}`);
    }
  }));

test("`pll help` lists every verb and every command, without a server", () =>
  withUnmadeHome(async (pll) => {
    for (const args of [["help"], ["--help"]]) {
      const r = await pll(...args);
      assert.equal(r.code, 0, r.stderr);
      for (const verb of VERBS) assert.match(r.stdout, new RegExp(`^  pll ${verb}\\b`, "m"), `${args.join(" ")} lists ${verb}`);
      for (const c of ["load", "status", "tail", "retry", "start", "wait", "version"]) assert.match(r.stdout, new RegExp(`^  ${c}\\b`, "m"), c);
    }
    const bare = await pll();
    assert.deepEqual([bare.code, bare.stdout], [2, ""]);
    assert.match(bare.stderr, /^  pll run\b/m, "`pll` alone: the list on stderr, exit 2");
  }));

test("a name that is a verb and a command: the CLI meaning first, the other in one line", () =>
  withUnmadeHome(async (pll) => {
    const run = (await pll("help", "run")).stdout;
    assert.match(run, /^usage: pll run FILE/);
    assert.match(run, /--pjc N /, "run's page names --pjc");
    assert.match(run, /^In the shell and stdin scripts, `run` is `load`.*$/m);
    const start = (await pll("help", "start")).stdout;
    assert.match(start, /pll start .*the server, in the background/);
    assert.match(start, /^In the shell and stdin scripts, `start` is the command `start N`: start a pending job now.*$/m);
    assert.match((await pll("help", "load")).stdout, /^usage: load FILE\.pll…/, "the command's own page is still there");
    const unknown = await pll("help", "chek");
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^pll: help: unknown command 'chek' \(did you mean 'check'\?\)/);
  }));

test("a command's --help and `help $` need no server either", () =>
  withUnmadeHome(async (pll) => {
    for (const args of [["status", "--help"], ["help", "$"], ["help", "status"]]) {
      const r = await pll(...args);
      assert.deepEqual([r.code, r.stderr], [0, ""], args.join(" "));
      assert.match(r.stdout, /^usage: /, args.join(" "));
    }
  }));
