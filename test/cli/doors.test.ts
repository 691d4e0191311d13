// Every door behaves the same (issue 14, part 4): the CLI keeps its arguments'
// boundaries in job lines; jobsets come from stdin and pipes and run in the caller's
// directory; a file that is missing or does not parse is exit 2 with one message from
// check, graph, run and load; the API's status codes are docs/api.md's; hooks are seen.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { spawn } from "node:child_process";
import http from "node:http";
import { pllBin, stopServerOf, waitFor, withTempHome } from "../helpers/home.js";
import { raw, runPll, startServer, type ServerProcess } from "../server/server-process.js";

describe("the doors, against a server", () => {
  let home: string;
  let server: ServerProcess;
  const pll = (args: string[], opts: { input?: string; cwd?: string } = {}) => runPll(home, args, opts);
  /** The job's stdout, once it has ended (`wait` on it). */
  const outputOf = async (id: number): Promise<string> => {
    await pll(["wait", `#${id}`]);
    return (await pll(["tail", `#${id}`])).stdout;
  };
  before(async () => {
    home = await mkdtemp(path.join(tmpdir(), "pll-doors-"));
    server = await startServer(home);
  });
  after(async () => {
    try {
      await raw(server, "POST", "/jobs/all/kill").catch(() => {});
    } finally {
      await server?.stop();
      await rm(home, { recursive: true, force: true });
    }
  });

  test("a job line's arguments keep their boundaries: `pll '$' printf '[%s]\\n' \"a  b\"`", async () => {
    const queued = await pll(["$", "printf", "[%s]\\n", "a  b", "it's", "#1"]);
    assert.equal(queued.code, 0, queued.stderr);
    const id = Number(/#(\d+)/.exec(queued.stdout)![1]);
    assert.equal(await outputOf(id), "[a  b]\n[it's]\n[#1]\n");
    const piped = await pll(["$", "printf", "%s|", "a  b", "c"]);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal((await outputOf(Number(/#(\d+)/.exec(piped.stdout)![1]))).trimEnd(), "a  b|c|");
    // Modifiers before the `$`, and a `$` word that holds the command as written, still work.
    const written = await pll(["priority", "high", "$ echo one  two", "x  y"]);
    assert.equal(written.code, 0, written.stderr);
    assert.equal(await outputOf(Number(/#(\d+)/.exec(written.stdout)![1])), "one two x  y\n");
  });

  /** The jobset and working directory of the run a `pll run`/`pll load` printed (its job prints `pwd`). */
  const ranIn = async (printed: string): Promise<{ jobset: string; pwd: string }> => {
    const id = Number((/#(\d+)/.exec(printed) ?? [])[1]);
    assert.ok(id > 0, printed);
    const job = (await raw(server, "GET", `/jobs/${id}`)).json.job;
    const run = (await raw(server, "GET", `/runs/${job.runId}`)).json.run;
    return { jobset: run.jobset, pwd: (await outputOf(id)).trimEnd() };
  };

  test("`pll run -`, `pll load -`, /dev/stdin and `<(…)` read the text and run it in the caller's directory", async () => {
    const caller = path.join(home, "caller");
    await mkdir(caller, { recursive: true });
    const text = "a: $ pwd\n";
    const ran = await pll(["run", "-"], { input: text, cwd: caller });
    assert.equal(ran.code, 0, ran.stderr);
    assert.deepEqual(await ranIn(ran.stdout), { jobset: "stdin", pwd: caller });
    const loaded = await pll(["load", "-"], { input: text, cwd: caller });
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.match(loaded.stdout, /^run r\d+ stdin: 1 job #\d+\n$/);
    assert.deepEqual(await ranIn(loaded.stdout), { jobset: "stdin", pwd: caller });
    for (const verb of ["run", "load"]) {
      const devStdin = await pll([verb, "/dev/stdin"], { input: text, cwd: caller });
      assert.equal(devStdin.code, 0, devStdin.stderr);
      assert.deepEqual(await ranIn(devStdin.stdout), { jobset: "stdin", pwd: caller }, verb);
      // Process substitution, as a shell does it: a pipe named /dev/fd/N.
      const piped = await inBash(home, `exec "$0" ${verb} <(printf 'a: $ pwd\\n')`, caller);
      assert.equal(piped.code, 0, piped.stderr);
      assert.deepEqual(await ranIn(piped.stdout), { jobset: "pipe", pwd: caller }, verb);
    }
    // check and graph read stdin too.
    const checked = await pll(["check", "-"], { input: text });
    assert.equal(checked.stdout, "-: ok — jobset stdin: 1 job, 0 blocks, 0 dependencies, 0 schedules\n");
    assert.match((await pll(["graph", "-"], { input: text })).stdout, /^digraph "stdin"/);
  });

  test("a file that does not exist or does not parse: exit 2 and one message, from check, graph, run and load", async () => {
    const missing = path.join(home, "missing.pll");
    const bad = path.join(home, "bad.pll");
    await writeFile(bad, "a: priority bogus $ x\n");
    for (const [file, message] of [
      [missing, `pll: can't read ${missing}: no such file\n`],
      [bad, `${bad}:1:13: error: unknown priority \`bogus\`: use \`high\`, \`normal\` or \`low\` or a whole number\n   1 | a: priority bogus $ x\n     |             ^^^^^\n`],
    ] as const) {
      for (const verb of ["check", "graph", "run", "load"]) {
        const r = await pll([verb, file]);
        assert.deepEqual([r.code, r.stderr], [2, message], `${verb} ${file}`);
      }
    }
  });

  test("acting on a job in the wrong state is 409, `cancel` of an ended job too, with a message", async () => {
    const queued = await pll(["$", "true"]);
    const id = Number(/#(\d+)/.exec(queued.stdout)![1]);
    await outputOf(id);
    for (const [action, body, message] of [
      ["retry", undefined, /is success; only errored or cancelled/],
      ["kill", undefined, /is success, not running/],
      ["start", undefined, /is success, not pending/],
      ["priority", '{"priority": "high"}', /only a pending job's priority/],
      ["cancel", undefined, new RegExp(`^job #${id} is success; only pending, blocked or running jobs can be cancelled$`)],
    ] as const) {
      const res = await raw(server, "POST", `/jobs/${id}/${action}`, body);
      assert.deepEqual([res.status, res.json?.kind], [409, "conflict"], `${action}: ${res.text}`);
      assert.match(res.json.error, message, action);
    }
    const cli = await pll(["cancel", String(id)]);
    assert.deepEqual([cli.code, cli.stderr], [1, `pll: job #${id} is success; only pending, blocked or running jobs can be cancelled\n`]);
  });

  test("load errors: an `at` time in the past, a job that needs more units than the capacity — and nothing is recorded", async () => {
    const past = path.join(home, "past.pll");
    await writeFile(past, 'jobset past\nat "2020-01-01 00:00" $ echo never\n');
    const loaded = await pll(["load", past]);
    assert.equal(loaded.code, 2, loaded.stdout + loaded.stderr);
    assert.match(loaded.stderr, new RegExp(`^${past}:2:1: error: at "2020-01-01T00:00:00" is in the past \\(it is now .+\\): the schedule would never fire\n$`));
    assert.ok(!(await raw(server, "GET", "/schedules")).json.schedules.some((s: { jobset: string }) => s.jobset === "past"));
    const ran = await pll(["run", past]);
    assert.equal(ran.code, 2, ran.stdout + ran.stderr);

    const big = path.join(home, "big.pll");
    await writeFile(big, "jobset big\nsmall: $ true\nhuge: units 3 $ true\n");
    assert.equal((await raw(server, "POST", "/settings/capacity", '{"capacity": 2}')).status, 200);
    try {
      const runsBefore = (await raw(server, "GET", "/runs")).json.runs.length;
      const res = await raw(server, "POST", "/runs", JSON.stringify({ path: big }));
      assert.equal(res.status, 400, res.text);
      assert.equal(res.json.error, `${big}:3:1: error: job \`huge\` needs 3 units, more than the capacity (2): it could never start (\`pll capacity 3\` raises it)`);
      const line = await raw(server, "POST", "/jobs", JSON.stringify({ line: "units 5 $ true", cwd: home }));
      assert.equal(line.status, 400, line.text);
      assert.equal((await raw(server, "GET", "/runs")).json.runs.length, runsBefore, "no run made");
      assert.equal((await pll(["load", big])).code, 2);
    } finally {
      await raw(server, "POST", "/settings/capacity", '{"capacity": null}');
    }
  });

  test("a hook's output and exit status show in `pll show`, in the API and as a `hook` event", async () => {
    const events = subscribe(server.socket);
    try {
      await events.ready;
      const file = path.join(home, "hooky.pll");
      await writeFile(file, "jobset hooky\non failure $ echo hooked out; echo hooked err >&2; exit 3\nboom: $ exit 4\n");
      const loaded = await pll(["load", file]);
      assert.equal(loaded.code, 0, loaded.stderr);
      const [, runId, id] = /^run r(\d+) hooky: 1 job #(\d+)/.exec(loaded.stdout)!.map(Number);
      const ended = await waitFor(async () => {
        const { hooks } = (await raw(server, "GET", `/jobs/${id}/hooks`)).json;
        return hooks.length === 1 && hooks[0].endedAt !== undefined ? hooks : undefined;
      }, "the hook to end");
      assert.equal(ended[0].on, "failure");
      assert.equal(ended[0].exitCode, 3);
      assert.equal(ended[0].output, "hooked out\nhooked err\n");
      const run = (await raw(server, "GET", `/runs/${runId}`)).json;
      assert.deepEqual(run.hooks.map((h: { jobId: number; exitCode: number }) => [h.jobId, h.exitCode]), [[id, 3]]);
      const event = await waitFor(() => events.seen.find((e) => e.type === "hook" && e.jobId === id), "the hook event");
      assert.deepEqual([event.hook.on, event.hook.exitCode, event.hook.command], ["failure", 3, "echo hooked out; echo hooked err >&2; exit 3"]);
      const shown = await pll(["show", String(id)]);
      assert.match(shown.stdout, /\nhook 1 +on failure \$ echo hooked out; echo hooked err >&2; exit 3 .* exit 3\n  │ hooked out\n  │ hooked err\n$/);
    } finally {
      events.close();
    }
  });
});

describe("the doors, with no server: `pll run` hosting its own engine", () => {
  test("`pll run -` runs in the caller's directory as jobset `stdin`; an `at` in the past is the same load error", async () => {
    await withTempHome(async (home) => {
      try {
        const caller = path.join(home, "caller");
        await mkdir(caller);
        const ran = await runPll(home, ["run", "--json", "-"], { input: "a: $ pwd\n", cwd: caller });
        assert.equal(ran.code, 0, ran.stderr);
        const job = ran.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.type === "job" && e.job.state === "success").job;
        assert.deepEqual([job.jobset, job.cwd], ["stdin", caller]);
        assert.equal(await readFile(job.logOut, "utf8"), `${caller}\n`);
        const past = path.join(home, "past.pll");
        await writeFile(past, 'jobset past\nat "2020-01-01 00:00" $ echo never\n');
        const refused = await runPll(home, ["run", past]);
        assert.equal(refused.code, 2);
        assert.match(refused.stderr, new RegExp(`^${past}:2:1: error: at "2020-01-01T00:00:00" is in the past`));
      } finally {
        await stopServerOf(home);
      }
    });
  });
});

/** `script` run by bash (`$0` is pll) in `cwd`, for what only a shell does: process substitution. */
function inBash(home: string, script: string, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn("bash", ["-c", script, pllBin], { cwd, env: { ...process.env, PLL_HOME: home, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}

/** The server's event stream from now on: `seen` collects each event's data. */
function subscribe(socket: string): { ready: Promise<void>; seen: any[]; close(): void } {
  const seen: any[] = [];
  let req!: http.ClientRequest;
  const ready = new Promise<void>((resolve, reject) => {
    req = http.get({ socketPath: socket, path: "/events", agent: false }, (res) => {
      let buffer = "";
      res.setEncoding("utf8").on("data", (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (/^event: ready$/m.test(frame)) resolve();
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (data !== undefined) seen.push(JSON.parse(data));
        }
      });
    });
    req.on("error", reject);
  });
  return { ready, seen, close: () => req.destroy() };
}
