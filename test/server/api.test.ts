// The control API against a real `pll serve` on a temp home, over HTTP on its
// unix socket: every resource, and every way a request can be wrong.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { waitFor } from "../helpers/home.js";
import { raw, startServer, type ServerProcess } from "./server-process.js";

describe("the control API over the unix socket", () => {
  let home: string;
  let server: ServerProcess;
  const api = (method: string, p: string, body?: unknown) => raw(server, method, p, body === undefined ? undefined : JSON.stringify(body));
  const submit = async (source: string, name = "t.pll") => {
    const res = await api("POST", "/runs", { source, path: path.join(home, name) });
    assert.equal(res.status, 201, res.text);
    return res.json as { run: { id: number; jobIds: number[] }; jobs: { id: number; name: string }[] };
  };
  const job = async (id: number) => (await api("GET", `/jobs/${id}`)).json.job;
  const settledJob = (id: number) => waitFor(async () => {
    const j = await job(id);
    return ["success", "errored", "cancelled", "skipped", "blocked"].includes(j.state) ? j : undefined;
  }, `job #${id} to settle`);
  /** a job that runs until the test creates its release file */
  const holdUntil = (name: string) => `while [ ! -e "${path.join(home, name)}" ]; do sleep 0.02; done`;

  before(async () => {
    home = await mkdtemp(path.join(tmpdir(), "pll-api-"));
    server = await startServer(home);
  });
  after(async () => {
    try {
      if (server) await api("POST", "/jobs/all/kill").catch(() => {});
    } finally {
      await server?.stop();
      await rm(home, { recursive: true, force: true });
    }
  });

  test("health names the server's pid and home", async () => {
    const res = await api("GET", "/health");
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { ok: true, pid: server.pid, home });
  });

  test("a submitted source becomes a run with numbered jobs, and list, get and the run agree", async () => {
    const { run, jobs } = await submit("jobset api-basic\na: $ echo A\nb: after a $ echo B\n");
    assert.deepEqual(jobs.map((j) => j.name), ["a", "b"]);
    await settledJob(jobs[1]!.id);
    const got = await api("GET", `/runs/${run.id}`);
    assert.equal(got.status, 200);
    assert.equal(got.json.run.state, "success");
    assert.deepEqual(got.json.run.counts, { success: 2 });
    const listed = await api("GET", `/jobs?runId=${run.id}`);
    assert.deepEqual(listed.json.jobs.map((j: { id: number }) => j.id), run.jobIds);
    const viaAlias = await api("GET", `/jobsets/${run.id}`);
    assert.equal(viaAlias.json.run.id, run.id);
    assert.ok((await api("GET", "/runs")).json.runs.some((r: { id: number }) => r.id === run.id));
  });

  test("a path alone is read and compiled by the server", async () => {
    const file = path.join(home, "by-path.pll");
    await writeFile(file, "jobset by-path\n$ true\n");
    const res = await api("POST", "/runs", { path: file });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.run.jobset, "by-path");
  });

  test("bad source is a 400 naming file:line:col, and nothing is stored", async () => {
    const before = (await api("GET", "/runs")).json.runs.length;
    const res = await api("POST", "/runs", { source: "ok: $ true\nseq <\n  $ true\n", path: path.join(home, "broken.pll") });
    assert.equal(res.status, 400);
    assert.match(res.json.error, /broken\.pll:\d+:\d+: error/);
    const unreadable = await api("POST", "/runs", { path: path.join(home, "missing.pll") });
    assert.equal(unreadable.status, 400);
    assert.match(unreadable.json.error, /cannot read .*missing\.pll: ENOENT/);
    assert.equal((await api("GET", "/runs")).json.runs.length, before);
  });

  test("job lines enqueue jobs in the client's directory, and `after NAME` waits for that job", async () => {
    const { jobs } = await submit(`jobset lines\ngate: $ ${holdUntil("gate-open")}\n`);
    const line = await api("POST", "/jobs", { line: "after gate $ pwd", cwd: home, env: { X: "1" } });
    assert.equal(line.status, 201, line.text);
    const queued = line.json.jobs[0];
    assert.deepEqual(queued.deps, [jobs[0]!.id]);
    assert.equal(queued.cwd, home);
    assert.equal((await job(queued.id)).state, "pending");
    await writeFile(path.join(home, "gate-open"), "");
    assert.equal((await settledJob(queued.id)).state, "success");
    const log = await api("GET", `/jobs/${queued.id}/log`);
    assert.equal(log.text, `${home}\n`);
    const unknownRef = await api("POST", "/jobs", { line: "after no_such_job $ true", cwd: home });
    assert.equal(unknownRef.status, 404);
    const badLine = await api("POST", "/jobs", { line: "priority sky $ true", cwd: home });
    assert.equal(badLine.status, 400);
    assert.match(badLine.json.error, /<shell>:1:\d+/);
  });

  test("the job list filters by state, jobset and run, and pages with afterId and limit", async () => {
    const { run } = await submit("jobset paging\n$ true\n$ true\n$ true\n$ false\n");
    for (const id of run.jobIds) await settledJob(id);
    const failed = await api("GET", `/jobs?runId=${run.id}&state=errored`);
    assert.equal(failed.json.jobs.length, 1);
    const ofJobset = await api("GET", "/jobs?jobset=paging");
    assert.equal(ofJobset.json.jobs.length, 4);
    const page1 = await api("GET", `/jobs?runId=${run.id}&limit=3`);
    assert.equal(page1.json.jobs.length, 3);
    assert.equal(page1.json.next, run.jobIds[2]);
    const page2 = await api("GET", `/jobs?runId=${run.id}&limit=3&afterId=${page1.json.next}`);
    assert.deepEqual(page2.json.jobs.map((j: { id: number }) => j.id), [run.jobIds[3]]);
    assert.equal(page2.json.next, null);
    const byName = await api("GET", `/jobs?ref=${encodeURIComponent("#" + run.jobIds[0])}`);
    assert.equal(byName.json.jobs[0].id, run.jobIds[0]);
  });

  test("logs: everything, the last N lines, one stream, ndjson; stderr lines are marked", async () => {
    const { jobs } = await submit("jobset logs\nl: $ for i in 1 2 3 4; do echo out$i; done; echo err1 >&2\n");
    await settledJob(jobs[0]!.id);
    const id = jobs[0]!.id;
    assert.equal((await api("GET", `/jobs/${id}/log`)).text, "out1\nout2\nout3\nout4\n! err1\n");
    assert.equal((await api("GET", `/jobs/${id}/log?tail=2`)).text, "out3\nout4\n! err1\n");
    assert.equal((await api("GET", `/jobs/${id}/log?stream=err`)).text, "! err1\n");
    const nd = (await api("GET", `/jobs/${id}/log?format=ndjson&stream=err`)).text;
    assert.deepEqual(JSON.parse(nd), { stream: "err", line: "err1" });
    assert.equal((await api("GET", `/jobs/${id}/log?tail=-1`)).status, 400);
  });

  test("a log larger than one read is streamed whole, and its tail is read from the end", async () => {
    const { jobs } = await submit("jobset big\nbig: $ seq 1 300000\n");
    const id = jobs[0]!.id;
    await settledJob(id);
    const all = (await api("GET", `/jobs/${id}/log`)).text.split("\n");
    assert.equal(all.length, 300001);
    assert.equal(all[299999], "300000");
    assert.equal((await api("GET", `/jobs/${id}/log?tail=2`)).text, "299999\n300000\n");
    const followed = (await api("GET", `/jobs/${id}/log?follow=1&format=ndjson`)).text.trimEnd().split("\n");
    assert.equal(followed.length, 300000);
    assert.deepEqual(JSON.parse(followed[123456]!), { stream: "out", line: "123457" });
  });

  test("a followed log streams new lines as the job writes them and ends with the job", async () => {
    const { jobs } = await submit(`jobset follow\nf: $ echo first; ${holdUntil("follow-go")}; echo second; echo last-no-newline | tr -d '\\n'\n`);
    const id = jobs[0]!.id;
    await waitFor(async () => (await api("GET", `/jobs/${id}/log`)).text === "first\n", "the first line");
    const followed = api("GET", `/jobs/${id}/log?follow=1`);
    await writeFile(path.join(home, "follow-go"), "");
    const res = await followed;
    assert.equal(res.text, "first\nsecond\nlast-no-newline\n");
  });

  test("retry, kill, start, cancel and priority act on jobs by number, name or `failed`", async () => {
    await api("POST", "/settings/pjc", { pjc: 1, jobset: "acts" });
    const { jobs } = await submit(`jobset acts\nrunner: $ ${holdUntil("never")}\nwaiting: $ true\nlater: $ true\nflaky: $ test -e "${path.join(home, "flaky-ok")}"\n`);
    const [runner, waiting, later, flaky] = jobs.map((j) => j.id) as [number, number, number, number];
    await waitFor(async () => (await job(runner)).state === "running", "runner to run");
    const pri = await api("POST", `/jobs/${later}/priority`, { priority: "high" });
    assert.equal(pri.status, 200, pri.text);
    assert.equal(pri.json.job.priority, 10);
    assert.equal((await api("POST", `/jobs/${later}/priority`, { priority: -3 })).json.job.priority, -3);
    const cancelled = await api("POST", `/jobs/${waiting}/cancel`);
    assert.equal(cancelled.json.jobs[0].state, "cancelled");
    const started = await api("POST", `/jobs/${flaky}/start`);
    assert.equal(started.status, 200, started.text);
    assert.equal((await settledJob(flaky)).state, "errored");
    const killed = await api("POST", "/jobs/runner/kill");
    assert.equal(killed.status, 200, killed.text);
    assert.equal((await settledJob(runner)).state, "errored");
    await writeFile(path.join(home, "flaky-ok"), "");
    const retried = await api("POST", `/jobs/${flaky}/retry`);
    assert.equal(retried.status, 200, retried.text);
    assert.equal((await settledJob(flaky)).state, "success");
    const cancelJobset = await api("POST", "/jobs/acts/cancel");
    assert.ok(cancelJobset.status === 200 || cancelJobset.status === 409, cancelJobset.text);
    await settledJob(later);
  });

  test("settings: pjc (global and per jobset), capacity, pause and resume", async () => {
    const pjc = await api("POST", "/settings/pjc", { pjc: 7 });
    assert.equal(pjc.json.settings.pjc, 7);
    const mine = await api("POST", "/settings/pjc", { pjc: 2, jobset: "only-me" });
    assert.equal(mine.json.settings.jobsetPjc["only-me"], 2);
    assert.equal((await api("POST", "/settings/capacity", { capacity: 5 })).json.settings.capacity, 5);
    assert.equal((await api("POST", "/settings/capacity", { capacity: null })).json.settings.capacity, null);
    assert.deepEqual((await api("POST", "/settings/pause", {})).json.settings.paused, ["*"]);
    assert.deepEqual((await api("POST", "/settings/resume")).json.settings.paused, []);
    assert.deepEqual((await api("POST", "/settings/pause", { jobset: "x" })).json.settings.paused, ["x"]);
    assert.deepEqual((await api("POST", "/settings/resume", { jobset: "x" })).json.settings.paused, []);
    assert.equal((await api("GET", "/settings")).json.settings.pjc, 7);
  });

  test("schedules are listed and can be unscheduled; an unknown one is a 404", async () => {
    await submit("jobset hourly\nevery 1h\n$ true\n", "hourly.pll");
    const list = await api("GET", "/schedules");
    const names = list.json.schedules.map((s: { name: string }) => s.name);
    assert.ok(names.includes("hourly"), JSON.stringify(names));
    assert.equal((await api("DELETE", "/schedules/nope")).status, 404);
    const typo = await api("DELETE", "/schedules/hourlx");
    assert.equal(typo.status, 404);
    assert.match(typo.json.error, /no schedule named `hourlx`.*did you mean .*hourly/);
    assert.equal((await api("DELETE", "/schedules/hourly")).status, 200);
    assert.ok(!(await api("GET", "/schedules")).json.schedules.some((s: { name: string }) => s.name === "hourly"));
  });

  test("every malformed request is a 4xx JSON error, the server stays up, and nothing changes", async () => {
    // What a refused request could have changed: the jobs that exist, their settings-level knobs, the runs.
    const snapshot = async () => {
      const jobs = (await api("GET", "/jobs?limit=10000")).json.jobs.map((j: { id: number; priority: number; name: string }) => [j.id, j.name, j.priority]);
      // Settings without the answer's `seq`: an event of earlier work (a job ending meanwhile) moves it, not a refused request.
      return JSON.stringify([jobs, (await api("GET", "/settings")).json.settings, (await api("GET", "/runs")).json.runs.length]);
    };
    const beforeState = await snapshot();
    const cases: [string, string, string | Buffer | undefined, number, RegExp][] = [
      ["POST", "/runs", "{not json", 400, /malformed JSON/],
      ["POST", "/runs", "[]", 400, /invalid request/],
      ["POST", "/runs", JSON.stringify({ source: 42 }), 400, /body\.source/],
      ["POST", "/runs", JSON.stringify({}), 400, /give `source` or `path`/],
      ["POST", "/runs", JSON.stringify({ source: "$ true", extra: 1 }), 400, /extra/],
      ["POST", "/jobs", JSON.stringify({ line: "" }), 400, /body\.line/],
      ["POST", "/jobs", JSON.stringify({ line: "$ true", env: { A: 1 } }), 400, /body\.env/],
      ["POST", "/settings/pjc", JSON.stringify({ pjc: "6" }), 400, /body\.pjc/],
      ["POST", "/settings/pjc", JSON.stringify({ pjc: 0 }), 400, /body\.pjc/],
      ["POST", "/settings/pjc", JSON.stringify({ pjc: 1.5 }), 400, /body\.pjc/],
      ["POST", "/settings/capacity", JSON.stringify({ capacity: -1 }), 400, /capacity/],
      ["POST", "/jobs/1/priority", JSON.stringify({ priority: "urgent" }), 400, /priority/],
      ["GET", "/jobs?state=bogus", undefined, 400, /query\.state/],
      ["GET", "/jobs?limit=abc", undefined, 400, /query\.limit/],
      ["GET", "/jobs?colour=red", undefined, 400, /colour/],
      ["GET", "/jobs/999999", undefined, 404, /no such job: #999999/],
      ["GET", "/jobs/abc", undefined, 404, /no job named 'abc'/],
      ["GET", "/jobs/999999/log", undefined, 404, /no such job/],
      ["POST", "/jobs/999999/retry", undefined, 404, /no such job/],
      ["POST", "/jobs/999999/kill", undefined, 404, /no such job/],
      ["POST", "/jobs/999999/start", undefined, 404, /no such job/],
      ["POST", "/jobs/999999/cancel", undefined, 404, /no such job/],
      ["POST", "/jobs/999999/priority", JSON.stringify({ priority: 1 }), 404, /no such job/],
      ["POST", "/jobs/no_such_name/retry", undefined, 404, /no job or jobset named 'no_such_name'/],
      ["GET", "/runs/999999", undefined, 404, /no such run/],
      ["GET", "/nope", undefined, 404, /no such route/],
      ["DELETE", "/jobs", undefined, 405, /not allowed/],
      ["POST", "/jobs", Buffer.alloc(2 * 1024 * 1024, 0x20), 413, /too large/],
    ];
    for (const [method, p, body, status, message] of cases) {
      const res = await raw(server, method, p, body);
      assert.equal(res.status, status, `${method} ${p}: ${res.text}`);
      assert.match(res.headers["content-type"] ?? "", /application\/json/, `${method} ${p}`);
      assert.match(res.json.error, message, `${method} ${p}`);
    }
    assert.equal((await api("GET", "/health")).status, 200);
    assert.equal(await snapshot(), beforeState);
  });
});
