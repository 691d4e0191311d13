// The environment rule (issue 14): a job runs in the environment of the process
// that submitted it — `pll run`, `pll load`, a stdin script, a job line, the
// API's `env` — with its file's `env` settings on top and pll's own PLL_*
// variables; the server's environment never reaches it, and the client's
// PLL_* variables do not either. So `FOO=bar pll run env.pll` prints the
// same with and without a server.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { waitFor, withTempHome } from "../helpers/home.js";
import { raw, runPll, startServer } from "../server/server-process.js";

/** A job that writes what it sees to `name` beside the file (its cwd). */
const probe = (name: string) =>
  `$ echo "FOO=[$FOO] SERVER=[$SERVER_ONLY] CUSTOM=[$PLL_CUSTOM] HOME=[$PLL_HOME] JOB=[$PLL_JOB_NAME]" > ${name}\n`;

async function seen(dir: string, name: string): Promise<string> {
  const file = path.join(dir, name);
  return waitFor(async () => (await readFile(file, "utf8").catch(() => "")).trim(), `the job to write ${name}`, 15_000);
}

test("pll run gives a job the same environment with and without a server", async () => {
  await withTempHome(async (home) => {
    const file = path.join(home, "env.pll");
    await writeFile(file, `jobset env\nenv_job: ${probe("out.txt")}`);
    const client = { FOO: "bar", PLL_CUSTOM: "client" };
    const alone = await runPll(home, ["run", file], { env: client });
    assert.equal(alone.code, 0, alone.stderr);
    const without = await seen(home, "out.txt");
    assert.equal(without, `FOO=[bar] SERVER=[] CUSTOM=[] HOME=[${home}] JOB=[env_job]`);

    const server = await startServer(home, [], { SERVER_ONLY: "leaked", FOO: "server's" });
    try {
      await writeFile(path.join(home, "out.txt"), "");
      const served = await runPll(home, ["run", file], { env: client });
      assert.equal(served.code, 0, served.stderr);
      assert.equal(await seen(home, "out.txt"), without);
    } finally {
      await server.stop();
    }
  });
});

test("load, a stdin script, a job line and the API: the submitter's environment, the file's env on top", async () => {
  await withTempHome(async (home) => {
    const server = await startServer(home, [], { SERVER_ONLY: "leaked", FOO: "server's" });
    try {
      const write = (name: string, text: string) => writeFile(path.join(home, name), text);
      await write("load.pll", `jobset loaded\nl: ${probe("load.txt")}`);
      await write("script.pll", `jobset scripted\ns: ${probe("script.txt")}`);
      await write("over.pll", `jobset over\nenv FOO=file\no: ${probe("over.txt")}`);

      const load = await runPll(home, ["load", path.join(home, "load.pll")], { env: { FOO: "load" } });
      assert.equal(load.code, 0, load.stderr);
      assert.equal(await seen(home, "load.txt"), `FOO=[load] SERVER=[] CUSTOM=[] HOME=[${home}] JOB=[l]`);

      const script = await runPll(home, ["shell"], { env: { FOO: "stdin" }, input: `load ${path.join(home, "script.pll")}\n` });
      assert.equal(script.code, 0, script.stderr);
      assert.equal(await seen(home, "script.txt"), `FOO=[stdin] SERVER=[] CUSTOM=[] HOME=[${home}] JOB=[s]`);

      const over = await runPll(home, ["load", path.join(home, "over.pll")], { env: { FOO: "client" } });
      assert.equal(over.code, 0, over.stderr);
      assert.equal(await seen(home, "over.txt"), `FOO=[file] SERVER=[] CUSTOM=[] HOME=[${home}] JOB=[o]`);

      // A schedule's firings run in the environment of the load that registered it (the first fires at once).
      await write("sched.pll", `jobset sched\nfired: every 1h $ echo "FOO=[$FOO] SERVER=[$SERVER_ONLY]" > sched.txt\n`);
      const sched = await runPll(home, ["load", path.join(home, "sched.pll")], { env: { FOO: "scheduled" } });
      assert.equal(sched.code, 0, sched.stderr);
      assert.equal(await seen(home, "sched.txt"), "FOO=[scheduled] SERVER=[]");
      assert.equal((await runPll(home, ["unschedule", "sched/fired"])).code, 0);

      const line = await runPll(home, [`$ echo "FOO=[$FOO] SERVER=[$SERVER_ONLY] CUSTOM=[$PLL_CUSTOM]" > line.txt`], {
        env: { FOO: "line", PLL_CUSTOM: "client" },
        cwd: home,
      });
      assert.equal(line.code, 0, line.stderr);
      assert.equal(await seen(home, "line.txt"), "FOO=[line] SERVER=[] CUSTOM=[]");

      // The API: `env` is the whole base environment; without it a job has only its file's env and pll's.
      const given = await raw(server, "POST", "/runs", JSON.stringify({ source: `api: ${probe("api.txt")}`, cwd: home, env: { FOO: "api", PLL_CUSTOM: "x" } }));
      assert.equal(given.status, 201, given.text);
      assert.equal(await seen(home, "api.txt"), `FOO=[api] SERVER=[] CUSTOM=[] HOME=[${home}] JOB=[api]`);
      const none = await raw(server, "POST", "/jobs", JSON.stringify({ line: `$ echo "FOO=[$FOO] SERVER=[$SERVER_ONLY]" > bare.txt`, cwd: home }));
      assert.equal(none.status, 201, none.text);
      assert.equal(await seen(home, "bare.txt"), "FOO=[] SERVER=[]");
    } finally {
      await server.stop();
    }
  });
});
