// Every command from the CLI (`pll pjc 6`, `pll retry 12`, `pll tail -f 3`)
// against a real server: output, --json, colour, and the exit codes
// 0 ok · 1 failed · 2 usage/parse · 3 unreachable.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { procInfo } from "../../src/exec/proc-status.js";
import { homePaths } from "../../src/home.js";
import { repoRoot, stopServerOf, waitFor, withTempHome } from "../helpers/home.js";
import { exitOf, raw, runPll, spawnPll, startServer, type ServerProcess } from "../server/server-process.js";

const pll = (home: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) => runPll(home, args, opts);

describe("pll COMMAND from the CLI", () => {
  let home: string;
  let server: ServerProcess;
  const run = (...args: string[]) => pll(home, args);
  before(async () => {
    home = await mkdtemp(path.join(tmpdir(), "pll-cli-"));
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

  test("load prints the run and job numbers; wait exits 1 when a job failed; status lists them aligned", async () => {
    const file = path.join(home, "cli-a.pll");
    await writeFile(file, "jobset cli-a\nok1: $ echo one\nboom: $ echo two >&2; exit 4\n");
    const loaded = await run("load", file);
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.match(loaded.stdout, /^run r(\d+) cli-a: 2 jobs #(\d+) and #(\d+)\n$/);
    const [, , a, b] = /^run r(\d+) cli-a: 2 jobs #(\d+) and #(\d+)/.exec(loaded.stdout)!;
    const waited = await run("wait", "cli-a");
    assert.equal(waited.code, 1, waited.stdout + waited.stderr);
    assert.match(waited.stdout, /failed: 2 jobs .*\n  #\d+ boom: errored \(exit 4\)/);
    assert.equal((await run("wait", a!)).code, 0);
    const status = await run("status", "cli-a");
    assert.equal(status.code, 0);
    const lines = status.stdout.trimEnd().split("\n");
    assert.match(lines[0]!, /^\s*RUN\s+#\s+NAME\s+STATE\s+PRI\s+TRIES\s+STARTED\s+DURATION\s+EXIT$/);
    const stateCol = lines[0]!.indexOf("STATE");
    assert.equal(lines[1]!.slice(stateCol, stateCol + 7), "success");
    assert.equal(lines[2]!.slice(stateCol, stateCol + 7), "errored");
    assert.match(lines[3]!, /1 success · 1 errored · pjc (\d+|none)/);
    assert.doesNotMatch(status.stdout, /\x1b\[/, "no colour on a pipe / with NO_COLOR");
    const tail = await run("tail", b!);
    assert.equal(tail.stdout, "! two\n");
    const show = await run("show", "boom");
    assert.match(show.stdout, new RegExp(`^#${b} boom  errored \\(exit 4\\)\\ncommand   echo two >&2; exit 4\\n`));
  });

  test("listing commands take --json and print one JSON document", async () => {
    for (const args of [["status"], ["ls", "errored"], ["runs"], ["jobsets"], ["schedules"], ["show", "1"], ["pjc", "3"], ["capacity", "unlimited"]]) {
      const r = await run(...args, "--json");
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      assert.doesNotThrow(() => JSON.parse(r.stdout), args.join(" "));
    }
    assert.equal(JSON.parse((await run("status", "--json")).stdout).settings.pjc, 3);
    const err = await run("show", "424242", "--json");
    assert.equal(err.code, 1);
    assert.deepEqual(JSON.parse(err.stdout), { error: "no such job: #424242" });
  });

  test("an error keeps its kind from the engine to the exit code: the API sends it beside the message", async () => {
    const missing = await raw(server, "GET", "/jobs/424242");
    assert.deepEqual([missing.status, missing.json], [404, { error: "no such job: #424242", kind: "not-found" }]);
    // A wrong state is 409 (docs/api.md) and a failed command (exit 1), not a usage error.
    const done = await run("$ true");
    const id = /^#(\d+)/.exec(done.stdout)![1]!;
    assert.equal((await run("wait", id)).code, 0);
    const again = await raw(server, "POST", `/jobs/${id}/start`);
    assert.deepEqual([again.status, again.json], [409, { error: `job #${id} is success, not pending`, kind: "conflict" }]);
    const started = await run("start", id);
    assert.deepEqual([started.code, started.stderr], [1, `pll: job #${id} is success, not pending\n`]);
    // A file that does not compile is the user's words: 400, and exit 2 — one line of diagnostics, no stack.
    const bad = path.join(home, "kinds-bad.pll");
    await writeFile(bad, "jobset kinds\nx: after nowhere $ true\n");
    const refused = await raw(server, "POST", "/runs", JSON.stringify({ path: bad }));
    assert.deepEqual([refused.status, refused.json.kind], [400, "usage"], refused.text);
    const loaded = await run("load", bad);
    assert.equal(loaded.code, 2, loaded.stderr);
    assert.match(loaded.stderr, /^\/.*kinds-bad\.pll:2:\d+: error: /);
    assert.doesNotMatch(loaded.stderr, /\n\s+at /);
  });

  test("colour follows FORCE_COLOR and NO_COLOR", async () => {
    const coloured = await pll(home, ["status"], { env: { NO_COLOR: "", FORCE_COLOR: "1" } });
    assert.match(coloured.stdout, /\x1b\[3\dm(success|errored)/);
    const plain = await pll(home, ["status"], { env: { NO_COLOR: "1", FORCE_COLOR: "1" } });
    assert.doesNotMatch(plain.stdout, /\x1b\[/);
  });

  test("job lines, pjc, capacity, pause/resume, priority, start, cancel, kill, retry — by CLI arguments", async () => {
    const gate = path.join(home, "cli-gate");
    assert.equal((await run("pause")).stdout, "paused: everything\n");
    const queued = await run(`$ while [ ! -e ${gate} ]; do sleep 0.02; done`);
    assert.equal(queued.code, 0, queued.stderr);
    const id = /^#(\d+) while: queued/.exec(queued.stdout)![1]!;
    const second = await run("priority", "low", "$", "true");
    const id2 = /^#(\d+)/.exec(second.stdout)![1]!;
    assert.equal((await run("priority", id2, "high")).stdout, `#${id2} true: priority high\n`);
    assert.equal((await run("priority", id2, "-5")).stdout, `#${id2} true: priority -5\n`);
    assert.equal((await run("cancel", id2)).stdout, `#${id2} true: cancelled\n`);
    assert.equal((await run("pjc", "4")).stdout, "pjc: 4\n");
    assert.equal((await run("pjc", "2", "shell")).stdout, "pjc of shell: 2\n");
    assert.equal((await run("capacity", "8")).stdout, "capacity: 8\n");
    const started = await run("start", id);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, new RegExp(`^#${id} while: running`));
    assert.equal((await run("resume")).stdout, "dispatching: all jobsets\n");
    const killed = await run("kill", id);
    assert.equal(killed.code, 0, killed.stderr);
    await waitFor(async () => JSON.parse((await run("show", id, "--json")).stdout).state === "errored", "the kill to land");
    await writeFile(gate, "");
    const retried = await run("retry", id);
    assert.equal(retried.code, 0, retried.stderr);
    assert.equal((await run("wait", id)).code, 0);
    assert.equal((await run("retry", id2)).code, 0, "cancelled jobs can be retried");
  });

  // `run` is an alias of `load` only in the command language (pll shell, its stdin: test/commands/stdin.test.ts);
  // from the CLI, `pll run` is its own verb (test/engine/run-server.test.ts).
  test("schedules and unschedule, retry failed, cancel JOBSET, kill all", async () => {
    const nightly = path.join(home, "nightly.pll");
    await writeFile(nightly, "jobset nightly\ncron \"0 2 * * *\"\n$ true\n");
    const loaded = await run("load", nightly);
    assert.equal(loaded.code, 0, loaded.stderr);
    const schedules = await run("schedules");
    assert.match(schedules.stdout, /^NAME\s+WHEN\s+ZONE\s+NEXT\s+LAST\s+RUN\s+RESULT\s+SKIPPED\s+SOURCE\nnightly\s+cron "0 2 \* \* \*"/);
    // Times in the schedule's own zone; the source relative to where pll runs.
    await writeFile(path.join(home, "tokyo.pll"), "jobset tokyo\ncron \"30 2 * * *\" tz \"Asia/Tokyo\" $ true\n");
    assert.equal((await pll(home, ["load", "tokyo.pll"], { cwd: home })).code, 0);
    const listed = await pll(home, ["schedules"], { cwd: home });
    const row = listed.stdout.split("\n").find((l) => l.startsWith("tokyo/"));
    assert.match(row ?? "", /^tokyo\/\S+\s+cron "30 2 \* \* \*"\s+Asia\/Tokyo\s+\d{4}-\d\d-\d\d 02:30:00 GMT\+9\s+-\s+-\s+-\s+0\s+tokyo\.pll$/, listed.stdout);
    assert.equal((await run("unschedule", row!.split(" ")[0]!)).code, 0);
    // A schedule's last path segment names it when no other schedule ends the same way.
    await writeFile(path.join(home, "hc.pll"), "jobset healthcheck\nchecks: cron \"0 3 * * *\" $ true\n");
    await writeFile(path.join(home, "hc2.pll"), "jobset healthcheck2\nchecks: cron \"0 3 * * *\" $ true\nother: cron \"0 4 * * *\" $ true\n");
    for (const f of ["hc.pll", "hc2.pll"]) assert.equal((await pll(home, ["load", f], { cwd: home })).code, 0, f);
    const ambiguous = await run("unschedule", "checks");
    assert.deepEqual([ambiguous.code, ambiguous.stderr], [1, "pll: `checks` names 2 schedules: healthcheck/checks, healthcheck2/checks — give the full name\n"]);
    assert.equal((await run("unschedule", "healthcheck2/checks")).stdout, "unscheduled healthcheck2/checks\n");
    assert.equal((await run("unschedule", "checks")).stdout, "unscheduled healthcheck/checks\n");
    assert.equal((await run("unschedule", "other", "--json")).stdout, `${JSON.stringify({ name: "healthcheck2/other" })}\n`);
    const typo = await run("unschedule", "nightyl");
    assert.equal(typo.code, 1, typo.stderr);
    assert.match(typo.stderr, /^pll: no schedule named `nightyl`.*did you mean .*nightly/);
    assert.equal((await run("unschedule", "nightly")).stdout, "unscheduled nightly\n");
    assert.equal((await run("schedules")).stdout, "no schedules\n");

    const flag = path.join(home, "fixed");
    const flaky = path.join(home, "flaky.pll");
    const hold = path.join(home, "hold-all");
    await writeFile(flaky, `jobset flaky\nf1: $ test -e ${flag}\nf2: $ test -e ${flag}\nafter_f: after f1 $ true\n`);
    assert.equal((await run("load", flaky)).code, 0);
    assert.equal((await run("wait", "flaky")).code, 1);
    await writeFile(flag, "");
    const retried = await run("retry", "failed");
    assert.equal(retried.code, 0, retried.stderr);
    assert.match(retried.stdout, /#\d+ f1: (pending|running|success)\n/);
    assert.match(retried.stdout, /#\d+ f2: (pending|running|success)\n/);
    const waited = await run("wait", "flaky");
    assert.equal(waited.code, 0, waited.stdout);
    assert.match(waited.stdout, /done: 3 jobs \(3 success\)/);

    await writeFile(path.join(home, "held.pll"), `jobset held\npjc 1\nh1: $ while [ ! -e ${hold} ]; do sleep 0.02; done\nh2: $ true\nh3: $ true\n`);
    assert.equal((await run("load", path.join(home, "held.pll"))).code, 0);
    const cancelled = await run("cancel", "held");
    assert.equal(cancelled.stdout, cancelled.stdout.match(/^(#\d+ h[23]: cancelled\n){2}$/)?.[0], cancelled.stdout + cancelled.stderr);
    const killed = await run("kill", "all");
    assert.match(killed.stdout, /^#\d+ h1: /);
    assert.equal((await run("wait", "held")).code, 1);
  });

  test("status shows the newest 200 jobs with counts of all and how many more; --limit N shows more", async () => {
    assert.equal((await run("pause", "many")).code, 0);
    const file = path.join(home, "many.pll");
    await writeFile(file, `jobset many\n${Array.from({ length: 250 }, (_, i) => `m${i}: $ true`).join("\n")}\n`);
    const loaded = await run("load", file);
    assert.equal(loaded.code, 0, loaded.stderr);
    const first = Number(/#(\d+)/.exec(loaded.stdout)![1]);
    const shown = (await run("status", "many")).stdout.trimEnd().split("\n");
    assert.equal(shown[0], "… 50 more (older); `status --limit N` lists more");
    assert.match(shown[1]!, /^\s*RUN\s+#\s+NAME\s+STATE/);
    assert.equal(shown.length, 1 + 1 + 200 + 1);
    assert.match(shown[2]!, new RegExp(`^\\s*r\\d+\\s+${first + 50}\\s+m50\\s+pending`));
    assert.match(shown.at(-1)!, /^250 pending · pjc (\d+|none)/);
    const all = (await run("status", "many", "--limit", "250")).stdout.trimEnd().split("\n");
    assert.equal(all.length, 1 + 250 + 1);
    assert.match(all[1]!, new RegExp(`^\\s*r\\d+\\s+${first}\\s+m0\\s+pending`));
    assert.equal(all.at(-1), shown.at(-1));
    const json = JSON.parse((await run("status", "many", "--json")).stdout);
    assert.equal(json.jobs.length, 200);
    assert.deepEqual([json.omitted, json.counts], [50, { pending: 250 }]);
    assert.match((await run("help", "status")).stdout, /--limit .*default 200/);
    // The API under it: the newest N with counts of every match; `last` does not page.
    const api = await raw(server, "GET", "/jobs?jobset=many&last=3&counts=1");
    assert.deepEqual(api.json.jobs.map((j: { name: string }) => j.name), ["m247", "m248", "m249"]);
    assert.deepEqual([api.json.total, api.json.counts, api.json.next], [250, { pending: 250 }, null]);
    assert.equal((await raw(server, "GET", "/jobs?last=3&limit=5")).status, 400);
    assert.equal((await run("cancel", "many")).code, 0);
    assert.equal((await run("resume", "many")).code, 0);
  });

  test("tail -f follows a job's output until it ends", async () => {
    const go = path.join(home, "tail-go");
    const q = await run(`$ echo before; while [ ! -e ${go} ] && [ -d ${home} ]; do sleep 0.02; done; echo after; echo bad >&2`);
    const id = /^#(\d+)/.exec(q.stdout)![1]!;
    const child = spawnPll(home, ["tail", "-f", id]);
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.stderr!.resume();
    await waitFor(() => out.includes("before\n"), "the first line to arrive");
    assert.doesNotMatch(out, /after/);
    await writeFile(go, "");
    // recorded since the spawn: the job and `tail -f` may end before writeFile returns
    assert.equal(await exitOf(child), 0);
    assert.match(out, /^before\nafter\n! bad\n── #\d+ echo: success\n$/);
    const last = await run("tail", id, "-n", "1");
    assert.equal(last.stdout, "after\n! bad\n");
  });

  test("mistakes: usage errors exit 2, failed commands exit 1, each with a one-line message", async () => {
    const cases: [string[], number, RegExp][] = [
      [["frobnicate"], 2, /unknown command 'frobnicate'/],
      [["statsu"], 2, /did you mean 'status'\?/],
      [["pjc", "0"], 2, /pjc must be a whole number ≥ 1, got .0. \(or reset\)/],
      [["pjc", "zero"], 2, /pjc must be a whole number/],
      [["pjc", "1", "a", "b"], 2, /too many arguments/],
      [["tail", "-x", "1"], 2, /Unknown option '-x'/],
      [["priority", "1", "sky"], 2, /priority must be high, normal, low/],
      [["load", "no-such-file.pll"], 2, /can't read no-such-file\.pll: no such file/],
      [["show", "999999"], 1, /no such job: #999999/],
      [["retry", "no_such_job"], 1, /no job or jobset named 'no_such_job' in the current run/],
      [["kill", "999999"], 1, /no such job/],
      [["unschedule", "nope"], 1, /no schedule named `nope`/],
      [["wait", "nothing_by_that_name"], 1, /no job or jobset named 'nothing_by_that_name'/],
      [["help", "bogus"], 2, /unknown command 'bogus'/],
      [["pjc", "6", "cli-b"], 1, /^pll: no jobset named `cli-b` — did you mean `cli-a`\?$/m],
      [["status", "nosuch"], 1, /^pll: no job or jobset named 'nosuch' in the current run \(r\d+; /m],
      [["ls", "erored"], 1, /no job or jobset named 'erored' .* — did you mean `errored`\?/],
    ];
    for (const [args, code, message] of cases) {
      const r = await run(...args);
      assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
      assert.equal(r.stderr.trimEnd().split("\n").length, 1, `one line: ${r.stderr}`);
    }
    assert.equal(JSON.parse((await run("status", "--json")).stdout).settings.jobsetPjc["cli-b"], undefined, "no pjc stored for an unknown jobset");
    const badFile = path.join(home, "bad.pll");
    await writeFile(badFile, "seq <\n  $ true\n");
    const parse = await run("load", badFile);
    assert.equal(parse.code, 2);
    assert.match(parse.stderr, /bad\.pll:\d+:\d+: error/);
  });

  test("help lists every command and explains one", async () => {
    const all = await run("help");
    assert.equal(all.code, 0);
    for (const c of ["load", "pjc", "status", "show", "tail", "retry", "kill", "start", "pause", "resume", "priority", "cancel", "runs", "schedules", "unschedule", "wait", "capacity", "help", "version"]) {
      assert.match(all.stdout, new RegExp(`^  ${c}\\b`, "m"), c);
    }
    assert.match((await run("help", "tail")).stdout, /^usage: tail N \[-n LINES\] \[-f\]/);
    assert.match((await run("--help")).stdout, /exit status: 0 ok/);
  });
});

test("a job line with no server running starts one in the background and says so", async () => {
  await withTempHome(async (home) => {
    let pid: number | undefined;
    try {
      const r = await pll(home, ["$ true"]);
      assert.equal(r.code, 0, r.stderr);
      pid = Number(/pid (\d+)/.exec(r.stderr)?.[1]);
      assert.match(r.stderr, /started a background server for .* \(pid \d+/);
      assert.match(r.stdout, /^#1 true: queued \(run r1\)\n$/);
      assert.equal((await raw({ socket: homePaths(home).socket }, "GET", "/health")).json.pid, pid);
      const quiet = await pll(home, ["status"]);
      assert.equal(quiet.stderr, "", "the next command finds it");
      assert.equal((await pll(home, ["stop"])).code, 0);
      pid = undefined;
    } finally {
      if (pid) process.kill(pid, "SIGTERM");
      await stopServerOf(home); // one the failing command started before we learnt its pid
    }
  });
});

test("pll --version and pll version print the package's version and start no server", async () => {
  const { version } = JSON.parse(await readFile(path.join(repoRoot, "package.json"), "utf8")) as { version: string };
  await withTempHome(async (home) => {
    for (const args of [["--version"], ["version"]]) {
      const r = await pll(home, args);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, `pll ${version}\n`, ""], args.join(" "));
    }
    assert.equal((await pll(home, ["version", "--json"])).stdout, `${JSON.stringify({ version })}\n`);
    assert.equal(existsSync(homePaths(home).socket), false, "no server was started");
  });
});

// A home problem is configuration, like a bad option: 2 (exit 3, an unreachable server, is in timeouts.test).
test("a home that cannot be created (a file in the way) is exit code 2 and one line, for a client command too", async () => {
  await withTempHome(async (dir) => {
    const notADir = path.join(dir, "file");
    await writeFile(notADir, "");
    const r = await pll(path.join(notADir, "home"), ["status"]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, `pll: can't create PLL_HOME ${path.join(notADir, "home")}: ENOTDIR\n`);
  });
});

test("CLI commands racing to autostart on a fresh home end up sharing one server", async () => {
  await withTempHome(async (home) => {
    const pids = new Set<number>();
    try {
      // Job lines: giving the server jobs is what starts one.
      const results = await Promise.all(Array.from({ length: 5 }, (_, i) => pll(home, [`$ echo ${i + 1}`])));
      for (const [i, r] of results.entries()) {
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^#\d+ echo: queued \(run r\d+\)\n$/, `job line ${i + 1}`);
        const started = /pid (\d+)/.exec(r.stderr);
        if (started) pids.add(Number(started[1]));
      }
      const health = await raw({ socket: homePaths(home).socket }, "GET", "/health");
      assert.ok(pids.size <= 1 && (pids.size === 0 || pids.has(health.json.pid)), `announced ${[...pids]} but ${health.json.pid} serves`);
    } finally {
      // Whatever failed above, the server that serves this home is stopped too (it would outlive the test).
      const serving = await raw({ socket: homePaths(home).socket }, "GET", "/health").catch(() => undefined);
      if (serving?.json?.pid) pids.add(serving.json.pid);
      for (const pid of pids) {
        try {
          process.kill(pid, "SIGTERM");
        } catch {
          // already stopped
        }
      }
      // It writes its store as it stops: the home is removed only after that.
      for (const pid of pids) await waitFor(() => procInfo(pid)?.zombie ?? true, `server ${pid} to stop`);
      await stopServerOf(home);
    }
  });
});
