// Stops that meet a job between its dispatch and its launch, and launches
// that fail. Each injects the fault at the engine's store or launcher (both
// passed in through EngineOptions), then checks what a user would see: the
// stop resolves, the job ends with a reason, and no process of it is left
// running.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { graphOf, job } from "./graphs.js";
import { alive, gate, runEnded, runToEnd } from "./harness.js";
import { waitFor, withTempHome } from "../helpers/home.js";
import { openEngine, type Engine, type EngineOptions } from "../../src/server/engine.js";
import { Store, type StoreWrite } from "../../src/store/store.js";
import type { JobRecord } from "../../src/core/types.js";
import { statusLogOf } from "../../src/exec/job-files.js";
import { findSpawner, Spawner } from "../../src/exec/spawner.js";
import { homePaths, makeDirs } from "../../src/home.js";

/** An engine on a temp home whose store is ours to inject faults into; closed (its jobs stopped) at the end. */
async function withFaultyStore(fn: (engine: Engine, store: Store, home: string) => Promise<void>, opts: Partial<EngineOptions> = {}): Promise<void> {
  await withTempHome(async (home) => {
    await makeDirs(home);
    const store = await Store.open(homePaths(home).db);
    const engine = await openEngine({ home, killGraceMs: 300, store, ...opts });
    try {
      await fn(engine, store, home);
    } finally {
      await engine.close({ killJobs: true });
    }
  });
}

/** Calls `act` once, while the first store batch that `when` picks is being written, then lets (or not) the write go on. */
function duringWrite(store: Store, when: (w: StoreWrite) => boolean, act: () => void, fail = false): void {
  const write = store.write.bind(store);
  let done = false;
  store.write = async (w: StoreWrite) => {
    if (done || !when(w)) return write(w);
    done = true;
    act();
    if (fail) throw new Error("injected: the disk is full");
    return write(w);
  };
}

const runs = (key: string) => (w: StoreWrite) => [...(w.jobs ?? [])].some((j) => j.key === key && j.state === "running");

/** Settled-ness of a promise, for waitFor (a stop that never resolves fails the wait instead of hanging the file). */
function settled<T>(p: Promise<T>): () => { value: T } | undefined {
  let result: { value: T } | undefined;
  void p.then((value) => (result = { value }));
  return () => result;
}

/** A launched job's process has ended: the spawner recorded its exit (or it never started). */
function noProcessLeft(j: JobRecord): boolean {
  const log = statusLogOf(j.logOut);
  const lines = existsSync(log) ? readFileSync(log, "utf8") : "";
  return !lines.includes(`start ${j.id} `) || lines.includes(`exit ${j.id} `);
}

// A tick writes a dispatch to the store before it hands the job to the
// executor. A stop asked for in between (a kill, a cancel, closing with
// killJobs) used to record the job ended at once, while the tick went on to
// start it: its process ran on unseen, and its real end later failed a tick,
// losing the other ends in it (closing then hung, waiting for one of them).
for (const stop of ["kill", "cancel"] as const) {
  test(`a ${stop} that lands while the job's dispatch is being written stops the process it starts`, async () => {
    await withFaultyStore(async (engine, store, home) => {
      const { hold } = gate(home);
      const graph = graphOf([job("first", "true"), job("second", `echo $$ > ${path.join(home, "pid")}; ${hold}`, { deps: ["first"] })]);
      let stopped: Promise<JobRecord[]> | undefined;
      duringWrite(store, runs("second"), () => {
        const ids = engine.listJobs().filter((j) => j.key === "second").map((j) => j.id);
        stopped = stop === "kill" ? engine.kill(ids) : engine.cancel(ids);
      });
      const { run } = await engine.submit(graph, "");
      await waitFor(() => stopped, "the dispatch of the second job");
      const [second] = await stopped!;
      assert.deepEqual([second!.state, second!.reason], stop === "kill" ? ["errored", "killed"] : ["cancelled", "cancelled"]);
      // its process was started, and stopped: nothing of it is left running
      const pid = Number(readFileSync(path.join(home, "pid"), { encoding: "utf8", flag: "a+" }).trim());
      if (pid) await waitFor(() => !alive(pid), "the second job's process to be gone");
      assert.notEqual((await runEnded(engine, run.id)).state, "running");
      // and a later tick is not broken by a stale end: the engine still runs jobs
      const again = await runToEnd(engine, graphOf([job("after", "true")]));
      assert.equal(again.state, "success");
    });
  });
}

test("a force-started job killed before its tick launches it is stopped once launched", async () => {
  await withFaultyStore(async (engine, store) => {
    await engine.pause();
    const { jobs } = await engine.submit(graphOf([job("a", "exec sleep 30")]), "");
    const a = jobs[0]!;
    let acts: Promise<unknown>[] = [];
    duringWrite(store, () => true, () => (acts = [engine.start(a.id), engine.kill([a.id])]));
    await engine.setPjc(3); // a tick whose write is in flight when start and kill come
    await Promise.all(acts);
    assert.deepEqual([engine.getJob(a.id)!.state, engine.getJob(a.id)!.reason], ["errored", "killed"]);
    await waitFor(() => noProcessLeft(engine.getJob(a.id)!), "the force-started job's process to end");
  });
});

test("a kill waiting on a launch resolves when the launch's store write fails", async () => {
  await withFaultyStore(async (engine, store, home) => {
    const { hold, release } = gate(home);
    let stopped: (() => { value: JobRecord[] } | undefined) | undefined;
    const graph = graphOf([job("first", "true"), job("second", hold, { deps: ["first"] })]);
    duringWrite(store, runs("second"), () => (stopped = settled(engine.kill(engine.listJobs().filter((j) => j.key === "second").map((j) => j.id)))), true);
    const { run } = await engine.submit(graph, "");
    await waitFor(() => stopped, "the second job's dispatch");
    const [second] = (await waitFor(() => stopped!(), "the kill to resolve")).value;
    assert.deepEqual([second!.state, second!.reason], ["errored", "killed"]);
    assert.ok(noProcessLeft(second!), "it was never launched");
    release();
    assert.equal(engine.getRun(run.id)!.state, "failed");
  });
});

test("a launch that throws ends its job as could-not-start; the other launches of the tick go on, and stops on them resolve", async () => {
  await withFaultyStore(async (engine, store, home) => {
    const { hold, release } = gate(home);
    let stopped: (() => { value: JobRecord[] } | undefined) | undefined;
    duringWrite(store, runs("b"), () => (stopped = settled(engine.kill(engine.listJobs().filter((j) => j.key === "b").map((j) => j.id)))));
    const graph = graphOf([job("first", "true"), job("a", hold, { deps: ["first"] }), job("b", hold, { deps: ["first"] }), job("c", "true", { deps: ["first"] })]);
    const { run } = await engine.submit(graph, "");
    await waitFor(() => stopped, "the dispatch of a, b and c");
    const [b] = (await waitFor(() => stopped!(), "the kill of b to resolve")).value;
    assert.deepEqual([b!.state, b!.reason], ["errored", "killed"]);
    await waitFor(() => engine.getRun(run.id)!.state !== "running", "the run to end");
    const byKey = Object.fromEntries(engine.listJobs({ runId: run.id }).map((j) => [j.key, [j.state, j.reason ?? ""]]));
    assert.deepEqual(byKey, { first: ["success", ""], a: ["errored", "could not start: injected: EMFILE"], b: ["errored", "killed"], c: ["success", ""] });
    await waitFor(() => noProcessLeft(engine.getJob(b!.id)!), "b's process to end");
    release();
  }, {
    pjc: 3,
    // The real spawner, except that the launch of the job named "a" throws (as a full descriptor table would).
    launcher: (events, pidFile) => {
      const spawner = new Spawner(findSpawner("auto"), events, pidFile);
      return {
        launch: (req) => {
          if (req.env.PLL_JOB_NAME === "a") throw new Error("injected: EMFILE");
          spawner.launch(req);
        },
        close: () => spawner.close(),
        warm: () => spawner.warm(),
      };
    },
  });
});
