import { test } from "node:test";
import assert from "node:assert/strict";
import { graphOf, job } from "./graphs.js";
import { gate, runEnded, withEngine } from "./harness.js";
import { waitFor } from "../helpers/home.js";

const running = (engine: { listJobs(f: { state: "running" }): unknown[] }) => engine.listJobs({ state: "running" }).length;

test("raising the pjc starts jobs at once; lowering it lets running jobs finish", async () => {
  await withEngine(async (engine, home) => {
    const { hold, release } = gate(home);
    const { run } = await engine.submit(graphOf(Array.from({ length: 6 }, (_, i) => job(`h${i}`, hold)), { pjc: 6 }), "");
    assert.equal(running(engine), 1);
    await engine.setPjc(4);
    assert.equal(running(engine), 4);
    await engine.setPjc(2);
    assert.equal(running(engine), 4, "lowering the pjc kills nothing");
    release();
    assert.equal((await runEnded(engine, run.id)).state, "success");
  }, { pjc: 1 });
});

test("a jobset's pjc caps its runs together, under each run's own; lowering lets running ones finish, a reset lifts it", async () => {
  await withEngine(async (engine, home) => {
    const { hold, release } = gate(home);
    const graph = graphOf(Array.from({ length: 6 }, (_, i) => job(`h${i}`, hold)), { jobset: "p2", pjc: 4 });
    const { run } = await engine.submit(graph, "");
    assert.equal(running(engine), 4, "the file's pjc");
    await engine.setPjc(2, "p2");
    assert.equal(running(engine), 4, "lowering kills nothing");
    const { run: next } = await engine.submit(graph, "");
    assert.equal(running(engine), 4, "a new run of the jobset is under its pjc too");
    await engine.setPjc(null, "p2");
    assert.equal(running(engine), 8, "reset: each run up to its own pjc");
    release();
    assert.equal((await runEnded(engine, run.id)).state, "success");
    assert.equal((await runEnded(engine, next.id)).state, "success");
  }, { pjc: 10 });
});

test("a block's pjc stays as written under its run's, and the global pjc caps everything", async () => {
  await withEngine(async (engine, home) => {
    const { hold, release } = gate(home);
    const keys = Array.from({ length: 6 }, (_, i) => `h${i}`);
    const graph = graphOf(keys.map((k) => job(k, hold, k < "h3" ? { blocks: ["blk"] } : {})), {
      jobset: "p2",
      pjc: 6,
      blocks: [{ key: "blk", jobs: ["h0", "h1", "h2"], pjc: 1 }],
    });
    const { run } = await engine.submit(graph, "");
    assert.equal(running(engine), 3, "global pjc 3 caps the run's 6");
    await engine.setPjc(10);
    assert.equal(running(engine), 4, "the block's pjc 1 holds: one of its three, all three others");
    release();
    assert.equal((await runEnded(engine, run.id)).state, "success");
  }, { pjc: 3 });
});

test("pause stops dispatching (running jobs go on); resume restarts it", async () => {
  await withEngine(async (engine, home) => {
    const { hold, release } = gate(home);
    const graph = graphOf([job("first", hold), job("second", "true")]);
    const { run } = await engine.submit(graph, "");
    await engine.pause("test");
    assert.deepEqual(engine.settings().paused, ["test"]);
    release();
    await waitFor(() => engine.listJobs({ runId: run.id })[0]!.state === "success", "the running job to finish while paused");
    assert.equal(engine.listJobs({ runId: run.id })[1]!.state, "pending");
    await engine.resume("test");
    assert.equal((await runEnded(engine, run.id)).state, "success");
  }, { pjc: 1 });
});

test("start runs a pending job past the pjc, not past its dependencies", async () => {
  await withEngine(async (engine, home) => {
    const { hold, release } = gate(home);
    const { run, jobs } = await engine.submit(graphOf([job("a", hold), job("b", hold), job("c", "true", { deps: ["a"] })]), "");
    await engine.start(jobs[1]!.id);
    assert.equal(running(engine), 2);
    await assert.rejects(engine.start(jobs[2]!.id), /waits for/);
    release();
    assert.equal((await runEnded(engine, run.id)).state, "success");
  }, { pjc: 1 });
});

test("expect output raises an overrun event once the logs pass the bound", async () => {
  await withEngine(async (engine, home) => {
    const overruns: string[] = [];
    engine.subscribe((e) => {
      if (e.type === "overrun") overruns.push(`${e.what} ${e.limit}`);
    });
    // writes 2 kB, then stays running until the check has seen it
    const { hold, release } = gate(home);
    const graph = graphOf([job("chatty", `head -c 2048 /dev/zero; ${hold}`, { expect: { outputBytes: 1000 } })]);
    const { run } = await engine.submit(graph, "");
    await waitFor(() => overruns.length > 0, "the overrun");
    release();
    assert.equal((await runEnded(engine, run.id)).state, "success");
    assert.deepEqual(overruns, ["output 1000"]);
  });
});

test("wrong requests are user errors, not crashes", async () => {
  await withEngine(async (engine) => {
    await assert.rejects(engine.retry([999]), { name: "UserError", message: "no job #999" });
    await assert.rejects(engine.setPjc(0), { name: "UserError" });
    await assert.rejects(engine.kill([999]), { name: "UserError" });
    await assert.rejects(engine.submit(graphOf([job("x", "true", { afterIds: [4242] })]), ""), /no such job/);
  });
});
