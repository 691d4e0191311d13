// `pll each`: GNU parallel's one-liner as a run of the engine — placeholders on
// odd file names (always quoted: a name is never code), arguments from stdin
// and from files, cartesian `:::` groups, and parallel's exit status.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { waitFor, withTempHome } from "../helpers/home.js";
import { exitOf, runPll, spawnPll, startServer } from "../server/server-process.js";

async function withWorkDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), "pll-each-"));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The files `out.N` the jobs wrote, by N. */
async function outputs(dir: string): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  for (const f of await readdir(dir)) {
    const m = /^out\.(\d+)$/.exec(f);
    if (m) found.set(Number(m[1]), await readFile(path.join(dir, f), "utf8"));
  }
  return found;
}

test("placeholders on odd file names: each argument is one quoted word, never code", async () => {
  await withTempHome((home) =>
    withWorkDir(async (dir) => {
      const names = ["a b; touch pwned.tar.gz", "it's $(touch pwned2).txt", "sub dir/x.y", "plain"];
      const r = await runPll(home, ["each", `printf '%s|' {} {.} {/} {//} {/.} {#} > out.{#}`, ":::", ...names], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      const got = await outputs(dir);
      assert.deepEqual(
        [...got.keys()].sort(),
        [1, 2, 3, 4],
      );
      assert.equal(got.get(1), "a b; touch pwned.tar.gz|a b; touch pwned.tar|a b; touch pwned.tar.gz|.|a b; touch pwned.tar|1|");
      assert.equal(got.get(2), "it's $(touch pwned2).txt|it's $(touch pwned2)|it's $(touch pwned2).txt|.|it's $(touch pwned2)|2|");
      assert.equal(got.get(3), "sub dir/x.y|sub dir/x|x.y|sub dir|x|3|");
      assert.equal(got.get(4), "plain|plain|plain|.|plain|4|");
      const files = await readdir(dir);
      assert.ok(!files.includes("pwned") && !files.includes("pwned2"), `an argument ran as code: ${files.join(", ")}`);
    }),
  );
});

test("with no placeholder the argument is appended; with no ::: the arguments are stdin's lines", async () => {
  await withTempHome((home) =>
    withWorkDir(async (dir) => {
      await writeFile(path.join(dir, "w"), `#!/bin/sh\nprintf '%s' "$1" > "out.$2"\n`, { mode: 0o755 });
      const r = await runPll(home, ["each", "./w"], { cwd: dir, input: "first 1\nsecond;2\n" });
      assert.equal(r.code, 0, r.stderr);
      // `./w 'first 1'`: a line is one argument, so $2 is empty for both jobs.
      const files = (await readdir(dir)).filter((f) => f.startsWith("out."));
      assert.deepEqual(files, ["out."]);
      const r2 = await runPll(home, ["each", "printf %s {} > out.{#}"], { cwd: dir, input: "first 1\nsecond;2\n" });
      assert.equal(r2.code, 0, r2.stderr);
      const got = await outputs(dir);
      assert.equal(got.get(1), "first 1");
      assert.equal(got.get(2), "second;2");
    }),
  );
});

test("several ::: groups make every combination, first group outermost; :::: reads a file's lines; {N} picks a group", async () => {
  await withTempHome((home) =>
    withWorkDir(async (dir) => {
      await writeFile(path.join(dir, "hosts"), "h 1\nh2\n");
      const r = await runPll(home, ["each", "printf '%s/%s/%s' {1} {2} {3} > out.{#}", ":::", "a", "b", "::::", "hosts", ":::", "x"], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      const got = await outputs(dir);
      assert.deepEqual([...got.entries()].sort(([a], [b]) => a - b).map(([, v]) => v), ["a/h 1/x", "a/h2/x", "b/h 1/x", "b/h2/x"]);
    }),
  );
});

test("the exit status is the number of jobs that failed (at most 101), and the run is a run like any other", async () => {
  await withTempHome((home) =>
    withWorkDir(async (dir) => {
      const r = await runPll(home, ["each", "--retry", "1", "test {} -lt 3", ":::", "1", "2", "3", "4", "5"], { cwd: dir });
      assert.equal(r.code, 3, r.stderr + r.stdout);
      const many = await runPll(home, ["each", "-j8", "false", ":::", ...Array.from({ length: 105 }, (_, i) => String(i))], { cwd: dir });
      assert.equal(many.code, 101, many.stderr);
      assert.equal(many.stdout, "");
    }),
  );
});

test("on a running server: the run is the server's, jobset `each`, its jobs listed, retried and logged as any", async () => {
  await withTempHome((home) =>
    withWorkDir(async (dir) => {
      const server = await startServer(home);
      try {
        const r = await runPll(home, ["each", "echo {}; test {} != b", ":::", "a", "b"], { cwd: dir });
        assert.equal(r.code, 1, r.stderr + r.stdout);
        const listed = await runPll(home, ["status", "--json"]);
        const jobs = (JSON.parse(listed.stdout) as { jobs: { id: number; name: string; jobset: string; state: string; cwd: string; logOut: string }[] }).jobs;
        assert.deepEqual(jobs.map((j) => [j.name, j.jobset, j.state, j.cwd]), [["each.1", "each", "success", dir], ["each.2", "each", "errored", dir]]);
        assert.equal(await readFile(jobs[1]!.logOut, "utf8"), "b\n");
        const retried = await runPll(home, ["retry", String(jobs[1]!.id)]);
        assert.equal(retried.code, 0, retried.stderr);
      } finally {
        await server.stop();
      }
    }),
  );
});

test("bad input: one line and exit 2; no arguments runs nothing and succeeds", async () => {
  await withTempHome((home) =>
    withWorkDir(async (dir) => {
      for (const [args, message] of [
        [["each", "--pjc", "0", "echo", ":::", "a"], /--pjc: expected a whole number of at least 1, got 0/],
        [["each", "--timeout", "5", "echo", ":::", "a"], /--timeout: expected a duration/],
        [["each", "--frobnicate", "echo"], /unknown option --frobnicate/],
        [["each", ":::", "a"], /expected a COMMAND/],
        [["each", "echo", "::::", "missing"], /can't read missing: no such file/],
        [["each", "echo", ":::", "a\nb"], /holds a line break/],
      ] as const) {
        const r = await runPll(home, [...args], { cwd: dir });
        assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
        assert.match(r.stderr.split("\n")[0]!, message);
        assert.ok(!/\bat .*\.js:\d+/.test(r.stderr), r.stderr);
      }
      const none = await runPll(home, ["each", "echo"], { cwd: dir, input: "" });
      assert.equal(none.code, 0, none.stderr);
      assert.match(none.stderr, /no arguments: nothing to run/);
    }),
  );
});

// ───────────────────────── job output (--output, --keep-order) ─────────────

/** Job N waits until job N+1 has written its mark, so the jobs end in reverse order (no timing involved). */
const REVERSED = `echo "{} first"; if [ {} -lt 3 ]; then while [ ! -e mark.$(({} + 1)) ]; do sleep 0.02; done; fi; echo "{} second"; echo "{} err" >&2; touch mark.{}`;

test("--output group (the default off a terminal): stdout is the jobs' output only, each job's lines together", async () => {
  await withTempHome((home) =>
    withWorkDir(async (dir) => {
      const r = await runPll(home, ["each", "--pjc", "3", REVERSED, ":::", "1", "2", "3"], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      // Ended 3, 2, 1: grouped, in the order they ended.
      assert.equal(r.stdout, "3 first\n3 second\n2 first\n2 second\n1 first\n1 second\n");
      assert.match(r.stderr, /3 err\n[^]*2 err\n[^]*1 err\n/);
      assert.match(r.stderr, /run r\d+ success: 3\/3 succeeded/, "the summary goes to stderr");
    }),
  );
});

test("--keep-order writes in job order although the jobs end in reverse; tag prefixes each line with the job's name", async () => {
  await withTempHome((home) =>
    withWorkDir(async (dir) => {
      const k = await runPll(home, ["each", "--pjc", "3", "--keep-order", REVERSED, ":::", "1", "2", "3"], { cwd: dir });
      assert.equal(k.code, 0, k.stderr);
      assert.equal(k.stdout, "1 first\n1 second\n2 first\n2 second\n3 first\n3 second\n");
      await rm(path.join(dir, "mark.1"));
      await rm(path.join(dir, "mark.2"));
      await rm(path.join(dir, "mark.3"));
      const t = await runPll(home, ["each", "--pjc", "3", "--output", "tag", "--keep-order", `${REVERSED}; printf 'no newline'`, ":::", "1", "2", "3"], { cwd: dir });
      assert.equal(t.code, 0, t.stderr);
      assert.equal(t.stdout, ["1 first", "1 second", "no newline", "2 first", "2 second", "no newline", "3 first", "3 second", "no newline"].map((l, i) => `each.${Math.floor(i / 3) + 1}\t${l}\n`).join(""));
      // Live: a line's start read while the job still runs (it sleeps) is ended when the job ends.
      const live = await runPll(home, ["each", "--output", "tag", "echo a{}; printf b{}; sleep 0.3", ":::", "1", "2"], { cwd: dir });
      assert.deepEqual(live.stdout.split("\n").filter(Boolean).sort(), ["each.1\ta1", "each.1\tb1", "each.2\ta2", "each.2\tb2"]);
      const none = await runPll(home, ["each", "--output", "none", "echo hidden", ":::", "1"], { cwd: dir });
      assert.equal(none.code, 0, none.stderr);
      assert.equal(none.stdout, "");
      const bad = await runPll(home, ["each", "--output", "loud", "echo", ":::", "1"], { cwd: dir });
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /^pll each: --output: expected group, tag or none, got loud\n/);
    }),
  );
});

test("a killed job's output is kept: by its timeout, and by Ctrl-C of pll each", async () => {
  await withTempHome((home) =>
    withWorkDir(async (dir) => {
      const timedOut = await runPll(home, ["each", "--timeout", "1s", "echo before {}; sleep 30; echo never", ":::", "x"], { cwd: dir });
      assert.equal(timedOut.code, 1, timedOut.stderr);
      assert.equal(timedOut.stdout, "before x\n");
      const child = spawnPll(home, ["each", "echo started {}; touch mark.{}; sleep 30", ":::", "y"], {}, "ignore", dir);
      let out = "";
      child.stdout!.setEncoding("utf8").on("data", (c: string) => (out += c));
      child.stderr!.resume();
      try {
        await waitFor(() => existsSync(path.join(dir, "mark.y")), "the job to start");
        child.kill("SIGINT");
        assert.equal(await exitOf(child), 130);
        assert.equal(out, "started y\n");
      } finally {
        if (child.exitCode === null) child.kill("SIGKILL");
      }
    }),
  );
});

test("pll run shows job output too: grouped off a terminal, among its event lines; --output none as before", async () => {
  await withTempHome((home) =>
    withWorkDir(async (dir) => {
      await writeFile(path.join(dir, "x.pll"), "a: $ echo one; echo two\nb: after a $ echo oops >&2; exit 3\n");
      const r = await runPll(home, ["run", "x.pll"], { cwd: dir });
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^#\d+ a running\n[^]*^one\ntwo\n[^]*^run r\d+ failed/m);
      assert.equal(r.stderr, "oops\n");
      const none = await runPll(home, ["run", "--output", "none", "x.pll"], { cwd: dir });
      assert.doesNotMatch(none.stdout, /one/);
      assert.equal(none.stderr, "");
    }),
  );
});

// ───────────────────────── joblog ─────────────────────────

interface JoblogRow { seq: number; host: string; start: number; runtime: number; send: number; receive: number; exitval: number; signal: number; command: string }

/** Parses a joblog as a script reading parallel's would: split on tabs, the header names the columns. */
function parseJoblog(text: string): JoblogRow[] {
  const [header, ...rows] = text.trimEnd().split("\n");
  assert.deepEqual(header!.split("\t"), ["Seq", "Host", "Starttime", "JobRuntime", "Send", "Receive", "Exitval", "Signal", "Command"]);
  return rows.map((r) => {
    const f = r.split("\t");
    assert.equal(f.length, 9, r);
    assert.match(f[2]!, /^\d+\.\d{3}$/);
    assert.match(f[3]!, /^ *\d+\.\d{3}$/);
    return { seq: Number(f[0]), host: f[1]!, start: Number(f[2]), runtime: Number(f[3]), send: Number(f[4]), receive: Number(f[5]), exitval: Number(f[6]), signal: Number(f[7]), command: f[8]! };
  });
}

test("--joblog FILE and `pll joblog RUN` write GNU parallel's joblog; its columns parse back", async () => {
  await withTempHome((home) =>
    withWorkDir(async (dir) => {
      const server = await startServer(home);
      try {
        const before = Date.now() / 1000;
        const r = await runPll(home, ["each", "--joblog", "jl", "--timeout", "1s", "sh -c {}", ":::", "exit 0", "exit 3", "sleep 30"], { cwd: dir });
        assert.equal(r.code, 2, r.stderr);
        const rows = parseJoblog(await readFile(path.join(dir, "jl"), "utf8")).sort((a, b) => a.seq - b.seq);
        assert.deepEqual(rows.slice(0, 2).map((x) => [x.seq, x.host, x.send, x.receive, x.exitval, x.command]), [
          [1, ":", 0, 0, 0, "sh -c 'exit 0'"],
          [2, ":", 0, 0, 3, "sh -c 'exit 3'"],
        ]);
        // Killed by its timeout: SIGTERM (15), and not a success whatever its shell made of it (-1, or 143 when it saw its child die).
        const killed = rows[2]!;
        assert.deepEqual([killed.seq, killed.command], [3, "sh -c 'sleep 30'"]);
        assert.ok(killed.signal === 15 && killed.exitval !== 0, JSON.stringify(killed));
        assert.deepEqual(rows.map((x) => x.signal).slice(0, 2), [0, 0]);
        for (const x of rows) assert.ok(x.start >= before - 1 && x.start <= Date.now() / 1000 && x.runtime >= 0, JSON.stringify(x));
        const runId = /run r(\d+) failed/.exec(r.stderr)![1]!;
        for (const ref of [`r${runId}`, runId, undefined]) {
          const j = await runPll(home, ref === undefined ? ["joblog"] : ["joblog", ref]);
          assert.equal(j.code, 0, j.stderr);
          assert.deepEqual(parseJoblog(j.stdout).sort((a, b) => a.seq - b.seq), rows);
        }
        const bad = await runPll(home, ["joblog", "x12"]);
        assert.equal(bad.code, 2);
        assert.match(bad.stderr, /expected a run \(r12 or 12\), got 'x12'/);
        const missing = await runPll(home, ["joblog", "999"]);
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, /no such run: r999/);
      } finally {
        await server.stop();
      }
    }),
  );
});
