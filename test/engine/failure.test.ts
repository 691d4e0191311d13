import type { WireJob } from "../../src/core/types.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { graphOf, job } from "./graphs.js";
import { runEnded, runToEnd, withEngine } from "./harness.js";
import { waitFor } from "../helpers/home.js";

test("a failed job blocks its dependants, not its siblings; retry and success release them", async () => {
  await withEngine(async (engine, home) => {
    const ok = path.join(home, "ok");
    const graph = graphOf([
      job("flaky", `test -e ${ok}`),
      job("after", "true", { deps: ["flaky"] }),
      job("later", "true", { deps: ["after"] }),
      job("sibling", "true"),
    ]);
    const { run } = await engine.submit(graph, "");
    const first = await runEnded(engine, run.id);
    assert.equal(first.state, "failed");
    const byKey = () => Object.fromEntries(engine.listJobs({ runId: run.id }).map((j) => [j.key, j.state]));
    assert.deepEqual(byKey(), { flaky: "errored", after: "blocked", later: "blocked", sibling: "success" });
    writeFileSync(ok, "");
    const flaky = engine.listJobs({ runId: run.id }).find((j) => j.name === "flaky")!;
    await engine.retry([flaky.id]);
    await waitFor(() => engine.getRun(run.id)?.state === "success", "the run to succeed after the retry");
    assert.deepEqual(byKey(), { flaky: "success", after: "success", later: "success", sibling: "success" });
    assert.equal(engine.getJob(flaky.id)!.attempts.length, 2);
  });
});

test("retry N re-runs a failing job automatically", async () => {
  await withEngine(async (engine, home) => {
    const count = path.join(home, "count");
    // fails on attempts 1 and 2, succeeds on 3
    const graph = graphOf([job("j", `echo x >> ${count}; [ "$PLL_ATTEMPT" = 3 ]`, { retry: { count: 2, backoffMs: 10 } })]);
    const run = await runToEnd(engine, graph);
    assert.equal(run.state, "success");
    assert.equal(readFileSync(count, "utf8"), "x\nx\nx\n");
  });
});

test("logs hold stdout and stderr; hooks get the PLL_* environment", async () => {
  await withEngine(async (engine, home) => {
    const hookOut = path.join(home, "hook");
    const loc = { file: "t.pll", line: 1, col: 1 };
    const graph = graphOf([
      job("talk", "echo to-out; echo to-err >&2; exit 4", {
        hooks: [{ on: "failure", command: `echo "$PLL_JOB_NAME $PLL_EXIT_CODE $PLL_JOBSET" > ${hookOut}`, loc }],
      }),
    ]);
    const run = await runToEnd(engine, graph);
    const [j] = engine.listJobs({ runId: run.id });
    assert.equal(readFileSync(j!.logOut, "utf8"), "to-out\n");
    assert.equal(readFileSync(j!.logErr, "utf8"), "to-err\n");
    assert.equal((j! as WireJob).exitCode, 4);
    await waitFor(() => readFileSync(hookOut, { encoding: "utf8", flag: "a+" }).trim(), "the failure hook");
    assert.equal(readFileSync(hookOut, "utf8"), "talk 4 test\n");
  });
});

test("a job's environment has PLL_JOB_ID, PLL_JOB_NAME, PLL_RUN_ID, PLL_JOBSET, PLL_ATTEMPT and its env", async () => {
  await withEngine(async (engine) => {
    const graph = graphOf([job("envy", 'echo "$PLL_JOB_ID $PLL_JOB_NAME $PLL_RUN_ID $PLL_JOBSET $PLL_ATTEMPT $db"', { env: { db: "orders" } })]);
    const run = await runToEnd(engine, graph);
    const [j] = engine.listJobs({ runId: run.id });
    assert.equal(readFileSync(j!.logOut, "utf8"), `${j!.id} envy ${run.id} test 1 orders\n`);
  });
});

test("expect time raises an overrun event but does not kill the job", async () => {
  await withEngine(async (engine) => {
    const overruns: number[] = [];
    engine.subscribe((e) => {
      if (e.type === "overrun") overruns.push(e.jobId);
    });
    const run = await runToEnd(engine, graphOf([job("slow", "sleep 0.3", { expect: { timeMs: 50 } })]));
    assert.equal(run.state, "success");
    assert.deepEqual(overruns, run.jobIds);
  });
});

test("a job whose cwd is missing errors with the reason in its stderr log", async () => {
  await withEngine(async (engine) => {
    const run = await runToEnd(engine, graphOf([job("nowhere", "true")], { cwd: "/nonexistent/pll-dir" }));
    const [j] = engine.listJobs({ runId: run.id });
    assert.equal(j!.state, "errored");
    assert.match(readFileSync(j!.logErr, "utf8"), /cannot enter \/nonexistent\/pll-dir/);
  });
});

test("commands reach /bin/sh verbatim: quotes, newlines, $ and # belong to the shell", async () => {
  await withEngine(async (engine) => {
    const command = `x='a "b" c'; echo "$x" # comment\nprintf '%s\\n' "two lines" | tr a-z A-Z`;
    const run = await runToEnd(engine, graphOf([job("quoting", command)]));
    const [j] = engine.listJobs({ runId: run.id });
    assert.equal(readFileSync(j!.logOut, "utf8"), 'a "b" c\nTWO LINES\n');
  });
});

test("a halting run cancels its pending jobs when a job fails, before anything else starts", async () => {
  await withEngine(async (engine, home) => {
    for (let i = 0; i < 10; i++) {
      const marker = path.join(home, `marker${i}`);
      const graph = graphOf([job("a", "exit 4"), job("b", "true", { deps: ["a"] }), job("c", `echo started >> ${marker}`)], { pjc: 1 });
      const { run } = await engine.submit(graph, "", { haltOnFailure: true });
      assert.equal((await runEnded(engine, run.id)).state, "failed");
      const byKey = Object.fromEntries(engine.listJobs({ runId: run.id }).map((j) => [j.key, j.state]));
      assert.deepEqual(byKey, { a: "errored", b: "cancelled", c: "cancelled" });
      assert.throws(() => readFileSync(marker), /ENOENT/, "c started after a failed");
    }
  });
});

test("a halting run waits out retries: a job that succeeds on retry halts nothing", async () => {
  await withEngine(async (engine, home) => {
    const once = path.join(home, "once");
    const graph = graphOf([job("a", `test -e ${once} || { touch ${once}; exit 1; }`, { retry: { count: 1, backoffMs: 0 } }), job("c", "true")], { pjc: 1 });
    const { run } = await engine.submit(graph, "", { haltOnFailure: true });
    assert.equal((await runEnded(engine, run.id)).state, "success");
  });
});
