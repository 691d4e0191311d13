// Commands act on the run you mean (issue 14 §1): sets (`failed`, `all`, a
// state, none) are taken from one scope — `--run rN`, `--jobset NAME`, `--all`,
// or by default the current runs (the runs still active, else the most recent
// run) — resolved on the server, the same from the CLI, stdin and the API.
// Runs are written r5 and jobs 12 or #12, and a wrong one says which was meant.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { JobRecord, JobState, RunRecord, WireJob } from "../../src/core/types.js";
import { ShellModel } from "../../src/shell/model.js";
import { waitFor } from "../helpers/home.js";
import { raw, runPll, startServer, type ServerProcess } from "../server/server-process.js";

// A test that fails must not hang the others (on the code before this change, a bare `wait` waited for every blocked job ever).
describe("the scope of commands that take a set", { timeout: 120_000 }, () => {
  let home: string;
  let server: ServerProcess;
  const pll = (...args: string[]) => runPll(home, args);
  const runOf = async (id: number): Promise<{ run: RunRecord; jobs: JobRecord[] }> => (await raw(server, "GET", `/runs/${id}`)).json;
  const ended = (id: number) => waitFor(async () => (await runOf(id)).run.state !== "running", `run r${id} to end`);
  const load = async (file: string): Promise<number> => {
    const r = await pll("load", path.join(home, file));
    assert.equal(r.code, 0, r.stderr);
    loadSaid.push(r.stdout);
    return Number(/^run r?(\d+) /.exec(r.stdout)![1]);
  };
  const loadSaid: string[] = [];
  let oldRun: number;
  let newRun: number;
  const jobId = async (run: number, name: string) => (await runOf(run)).jobs.find((j) => j.name === name)!.id;

  before(async () => {
    home = await mkdtemp(path.join(tmpdir(), "pll-scope-"));
    server = await startServer(home);
    await writeFile(path.join(home, "old.pll"), "jobset old\nbroken: $ exit 3\nlater: after broken $ true\n");
    await writeFile(path.join(home, "new.pll"), "jobset new\nfine: $ true\nflop: $ exit 1\n");
    await writeFile(path.join(home, "good.pll"), "jobset good\nyes: $ true\n");
    oldRun = await load("old.pll");
    await ended(oldRun);
    newRun = await load("new.pll");
    await ended(newRun);
  });
  after(async () => {
    await server?.stop();
    await rm(home, { recursive: true, force: true });
  });

  test("`retry failed` retries the current run's failed jobs only; --run rN another run's; --all all history", async () => {
    const flop = await jobId(newRun, "flop");
    const broken = await jobId(oldRun, "broken");
    const r = await pll("retry", "failed");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([...r.stdout.matchAll(/#(\d+)/g)].map((m) => Number(m[1])), [flop], r.stdout);
    await ended(newRun);
    assert.equal((await runOf(oldRun)).jobs.find((j) => j.id === broken)!.attempts.length, 1, "the old run's job was not retried");

    const other = await pll("retry", "failed", "--run", `r${oldRun}`);
    assert.equal(other.code, 0, other.stderr);
    assert.deepEqual([...other.stdout.matchAll(/#(\d+)/g)].map((m) => Number(m[1])), [broken], other.stdout);
    await ended(oldRun);

    const every = await pll("retry", "failed", "--all");
    assert.equal(every.code, 0, every.stderr);
    assert.deepEqual([...every.stdout.matchAll(/#(\d+)/g)].map((m) => Number(m[1])).sort((a, b) => a - b), [broken, flop]);
    await ended(oldRun);
    await ended(newRun);
  });

  test("POST /jobs/failed/retry acts on the same scope, given in the query string", async () => {
    const flop = await jobId(newRun, "flop");
    const broken = await jobId(oldRun, "broken");
    const current = await raw(server, "POST", "/jobs/failed/retry");
    assert.equal(current.status, 200, current.text);
    assert.deepEqual(current.json.jobs.map((j: JobRecord) => j.id), [flop]);
    await ended(newRun);
    const byJobset = await raw(server, "POST", "/jobs/failed/retry?jobset=old");
    assert.equal(byJobset.status, 200, byJobset.text);
    assert.deepEqual(byJobset.json.jobs.map((j: JobRecord) => j.id), [broken]);
    await ended(oldRun);
    const listed = await raw(server, "GET", `/jobs?ref=failed&run=r${oldRun}`);
    assert.deepEqual(listed.json.jobs.map((j: JobRecord) => j.id), [broken]);
  });

  test("run and job references cannot be confused, and a wrong one says which was meant", async () => {
    for (const said of loadSaid) assert.match(said, /^run r\d+ /, "load prints the run as rN");
    const show = await pll("show", `r${newRun}`);
    assert.equal(show.code, 2);
    assert.match(show.stderr, new RegExp(`r${newRun} is a run; .*\`status r${newRun}\``));
    const runAsJob = await pll("retry", "failed", "--run", String(oldRun));
    assert.equal(runAsJob.code, 2);
    assert.match(runAsJob.stderr, new RegExp(`#${oldRun} is a job; runs are written r${oldRun}`));
    const noRun = await pll("status", "r999");
    assert.equal(noRun.code, 1);
    assert.match(noRun.stderr, /no such run: r999/);
    const noJob = await pll("show", "999");
    assert.equal(noJob.code, 1);
    assert.match(noJob.stderr, /no such job: #999/);
    // The API's run path takes both spellings: it can only be a run.
    assert.equal((await raw(server, "GET", `/runs/r${oldRun}`)).json.run.id, oldRun);
  });

  test("start and priority take a name, resolved by the server like every other reference", async () => {
    await writeFile(path.join(home, "held.pll"), "jobset held\npjc 1\nfirst: $ true\nsecond: after first $ true\n");
    await pll("pause", "held");
    const run = await load("held.pll");
    try {
      const res = await raw(server, "POST", "/jobs/second/priority", JSON.stringify({ priority: "high" }));
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.job.runId, run);
      assert.equal(res.json.job.name, "second");
      const cli = await pll("priority", "first", "low");
      assert.equal(cli.code, 0, cli.stderr);
      assert.match(cli.stdout, /first: priority low/);
    } finally {
      await pll("resume", "held");
      await ended(run);
    }
  });

  test("`status` shows the current run, with a RUN column; `status rN` one run's jobs; --all history, newest run first", async () => {
    await pll("retry", "failed", "--all"); // leaves every run ended again
    await ended(oldRun);
    await ended(newRun);
    const latest = await load("good.pll");
    await ended(latest);
    const cur = await pll("status");
    assert.equal(cur.code, 0, cur.stderr);
    const rows = (out: string) => out.split("\n").filter((l) => /^\s*r\d+\s/.test(l)).map((l) => l.trim().split(/\s+/).slice(0, 3).join(" "));
    assert.match(cur.stdout, /^\s*RUN\s+#\s+NAME/);
    assert.deepEqual(rows(cur.stdout), [`r${latest} ${await jobId(latest, "yes")} yes`]);
    assert.deepEqual(rows((await pll("status", `r${oldRun}`)).stdout).map((r) => r.split(" ")[2]), ["broken", "later"]);
    const all = rows((await pll("status", "--all")).stdout).map((r) => Number(r.split(" ")[0]!.slice(1)));
    assert.deepEqual(all, [...all].sort((a, b) => b - a), "newest run first");
    assert.ok(all.includes(oldRun) && all.includes(latest));
    assert.deepEqual(rows((await pll("status", "errored", "--run", `r${newRun}`)).stdout).map((r) => r.split(" ")[2]), ["flop"]);
  });

  test("`runs` is the history newest first, paginated; the API answers {runs, next}", async () => {
    const page = await raw(server, "GET", "/runs?limit=2");
    const ids = page.json.runs.map((r: RunRecord) => r.id);
    assert.equal(ids.length, 2);
    assert.ok(ids[0] > ids[1], "newest first");
    assert.equal(page.json.next, ids[1]);
    const rest = await raw(server, "GET", `/runs?limit=100&before=${page.json.next}`);
    assert.ok(rest.json.runs.every((r: RunRecord) => r.id < ids[1]));
    assert.equal(rest.json.next, null);
    assert.ok(rest.json.runs.some((r: RunRecord) => r.id === oldRun));
    const cli = await pll("runs", "--limit", "1");
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, new RegExp(`^\\s*RUN .*\\n\\s*r${ids[0]}\\s`));
    assert.match(cli.stdout, new RegExp(`older runs: \`runs --before r${ids[0]}\``));
  });

  test("bare `wait` waits for what is active now: finished old runs, failed or not, never fail it", { timeout: 30_000 }, async () => {
    // Every run has ended; the old ones failed and left a blocked job.
    const r = await pll("wait");
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /nothing to wait for \(no run is active\)/);
    // `wait rN` is that run's outcome.
    const old = await pll("wait", `r${oldRun}`);
    assert.equal(old.code, 1);
    assert.match(old.stdout, /failed: 2 jobs/);
  });

  test("in a stdin script, bare `wait` waits for what the script loaded and exits by that", { timeout: 30_000 }, async () => {
    const none = await runPll(home, ["shell"], { input: "wait\n" });
    assert.equal(none.code, 0, none.stdout + none.stderr);
    const good = await runPll(home, ["shell"], { input: `load ${path.join(home, "good.pll")}\nwait\n` });
    assert.equal(good.code, 0, good.stdout + good.stderr);
    assert.match(good.stdout, /done: 1 job \(1 success\)/);
    const bad = await runPll(home, ["shell"], { input: `load ${path.join(home, "new.pll")}\nwait\n` });
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout, /failed: 2 jobs/);
  });

  test("`pll run`'s summary names the run in its retry hint", async () => {
    const r = await pll("run", path.join(home, "old.pll"));
    assert.equal(r.code, 1);
    const m = /run r(\d+) failed/.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.match(r.stdout, new RegExp(`pll retry failed --run r${m[1]}`));
  });
});

function job(id: number, runId: number, state: JobState, extra: Partial<WireJob> = {}): JobRecord {
  return {
    id, runId, jobset: `set${runId}`, key: `k${id}`, name: `job${id}`, command: "true", cwd: "/", env: {},
    priority: 0, deps: [], blocks: [], retry: { count: 0, backoffMs: 0 }, units: 1, hooks: [], state,
    attempts: [], createdAt: 1000 + id, logOut: "", logErr: "", ...extra,
  } as JobRecord;
}

test("the shell's counters and failure count are of the current runs, not all history", () => {
  const model = new ShellModel(() => 5000);
  const run = (id: number, jobIds: number[], state: RunRecord["state"]): RunRecord => ({ id, jobset: `set${id}`, file: "x.pll", state, createdAt: 1000, jobIds, blockPjc: {} });
  model.loadSnapshot({
    runs: [run(1, [1, 2, 3], "failed"), run(2, [4, 5], "running")],
    jobs: [job(1, 1, "errored"), job(2, 1, "errored"), job(3, 1, "blocked"), job(4, 2, "errored"), job(5, 2, "running")],
  });
  assert.equal(model.countOf("errored"), 1);
  assert.deepEqual([model.header().counts.errored, model.header().counts.blocked], [1, 0]);
  // The active run ends: the current run is then the most recent one.
  model.apply({ type: "job", job: job(5, 2, "success") });
  model.apply({ type: "run", run: run(2, [4, 5], "failed") });
  assert.equal(model.countOf("errored"), 1);
  assert.equal(model.header().counts.success, 1);
});
