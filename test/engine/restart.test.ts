import type { WireJob, WireAttempt } from "../../src/core/types.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { openEngine } from "../../src/server/engine.js";
import { UserError } from "../../src/core/errors.js";
import { graphOf, job } from "./graphs.js";
import { alive, fixture, runEnded, runToEnd } from "./harness.js";
import { repoRoot, waitFor, withTempHome } from "../helpers/home.js";
import { signalGroup } from "../../src/exec/proc-status.js";
import { Store } from "../../src/store/store.js";
import { homePaths } from "../../src/home.js";
import { Level } from "level";

test("state survives reopening the store, and job numbers are never reused", async () => {
  await withTempHome(async (home) => {
    let engine = await openEngine({ home, pjc: 2 });
    let before;
    try {
      await runToEnd(engine, graphOf([job("a", "true"), job("b", "exit 1"), job("c", "true", { deps: ["b"] })]));
      before = JSON.stringify({ jobs: engine.listJobs(), runs: engine.listRuns(), settings: engine.settings() });
    } finally {
      await engine.close();
    }
    engine = await openEngine({ home });
    try {
      assert.equal(JSON.stringify({ jobs: engine.listJobs(), runs: engine.listRuns(), settings: engine.settings() }), before);
      const { run, jobs } = await engine.submit(graphOf([job("d", "true")]), "");
      assert.equal(run.id, 2);
      assert.equal(jobs[0]!.id, 4);
    } finally {
      await engine.close({ killJobs: true });
    }
  });
});

// Older versions wrote each loaded file's source and graph under `jobset:NAME` and never read it back.
test("a store holding an older version's jobset records opens, and they are ignored", async () => {
  await withTempHome(async (home) => {
    let engine = await openEngine({ home });
    try {
      await runToEnd(engine, graphOf([job("a", "true")]));
    } finally {
      await engine.close();
    }
    const db = new Level<string, unknown>(homePaths(home).db, { valueEncoding: "json" });
    await db.put("jobset:test", { name: "test", file: "/tmp/test.pll", source: "a: $ true\n", graph: { jobs: [] }, updatedAt: 1 });
    await db.close();
    engine = await openEngine({ home });
    try {
      assert.deepEqual(engine.listJobs().map((j) => [j.key, j.state]), [["a", "success"]]);
      assert.equal((await runToEnd(engine, graphOf([job("b", "true")]))).state, "success");
    } finally {
      await engine.close({ killJobs: true });
    }
  });
});

test("a running job's pid reaches the store soon after it starts, not only with its next change", async () => {
  await withTempHome(async (home) => {
    const go = path.join(home, "go");
    let id = 0;
    let pid = 0;
    try {
      const engine = await openEngine({ home });
      try {
        // Events are emitted once their records are written: one with the pid means the store has it.
        let written = false;
        const off = engine.subscribe((e) => {
          if (e.type === "job" && e.job.state === "running" && e.job.pid) written = true;
        });
        const { jobs } = await engine.submit(graphOf([job("held", `${fixture("wait-for-file.sh")} ${go}`)]), "");
        id = jobs[0]!.id;
        await waitFor(() => written, "the running job's record with its pid");
        off();
        pid = (engine.listJobs().find((j) => j.id === id)! as WireJob).pid!;
      } finally {
        await engine.close({ killJobs: !pid }); // the job keeps running, unless this failed before learning its pid
      }
      const store = await Store.open(homePaths(home).db);
      try {
        const stored = (await store.load()).jobs.find((j) => j.id === id)!;
        assert.deepEqual([stored.state, (stored as WireJob).pid, stored.attempts.at(-1)?.pid], ["running", pid, pid]);
      } finally {
        await store.close();
      }
    } finally {
      // Released whatever failed above: the job must not outlive its home.
      writeFileSync(go, "");
      if (pid) await waitFor(() => !alive(pid), "the held job to end");
    }
  });
});

for (const launcher of ["native", "perl"] as const) {
  // A spawner (native or Perl) outlives the engine and records even a SIGKILLed job's end.
  test(`a reopened engine adopts jobs still running and learns how the others ended meanwhile (${launcher} launcher)`, async () => {
  await withTempHome(async (home) => {
    const go = (name: string) => path.join(home, name);
    const hold = (name: string, code = 0) => `${fixture("wait-for-file.sh")} ${go(name)} ${code}`;
    let engine = await openEngine({ home, pjc: 4, launcher });
    const pids: number[] = [];
    try {
      const { run } = await engine.submit(
        graphOf([
          job("adopted", hold("go-adopted", 0)),
          job("finished", hold("go-finished", 3)),
          job("lost", hold("never")),
          job("next", "true", { deps: ["adopted"] }),
        ]),
        "",
      );
      await waitFor(() => engine.listJobs({ runId: run.id }).filter((j) => (j as WireJob).pid).length === 3, "three jobs to run");
      pids.push(...engine.listJobs({ runId: run.id }).flatMap((j) => ((j as WireJob).pid ? [(j as WireJob).pid!] : [])));
      const byKey = (k: string) => engine.listJobs({ runId: run.id }).find((j) => j.key === k)!;
      const finished = byKey("finished");
      const lost = byKey("lost");
      await engine.close(); // the engine goes away; its jobs do not
      writeFileSync(go("go-finished"), "");
      const statusLog = path.join(path.dirname(finished.logOut), "status");
      const status = () => (existsSync(statusLog) ? readFileSync(statusLog, "utf8") : "");
      await waitFor(() => status().includes(`exit ${finished.id} 1 3`), "the job to end while no engine runs");
      signalGroup((lost as WireJob).pid!, "SIGKILL");
      // The spawner records the kill once it has reaped the job.
      await waitFor(() => status().includes(`exit ${lost.id} 1 137`), "the spawner to record the kill");

      engine = await openEngine({ home, pjc: 4, launcher });
      assert.deepEqual(engine.recovery.adopted, [byKey("adopted").id]);
      assert.deepEqual(engine.recovery.endedWhileAway, [finished.id, lost.id]);
      assert.deepEqual(engine.recovery.lost, []);
      assert.equal((engine.getJob(finished.id)! as WireJob).exitCode, 3);
      assert.equal(engine.getJob(lost.id)!.reason, "exit 137");
      assert.equal(engine.getJob(byKey("adopted").id)!.state, "running");
      writeFileSync(go("go-adopted"), "");
      const ended = await runEnded(engine, run.id);
      assert.equal(ended.state, "failed");
      const states = Object.fromEntries(engine.listJobs({ runId: run.id }).map((j) => [j.key, j.state]));
      assert.deepEqual(states, { adopted: "success", finished: "errored", lost: "errored", next: "success" });
    } finally {
      for (const pid of pids) signalGroup(pid, "SIGKILL");
      await engine.close({ killJobs: true }).catch(() => {});
    }
  });
  });
}

test("opening a store another process holds names that process in one line", async () => {
  await withTempHome(async (home) => {
    const holder = spawn(process.execPath, [path.join(repoRoot, "dist/test/fixtures/hold-store.js"), home], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout!.on("data", (d: Buffer) => d.toString().includes("ready") && resolve());
        holder.on("exit", (code) => reject(new Error(`holder exited ${code}`)));
      });
      await assert.rejects(openEngine({ home }), (err: unknown) => {
        assert.ok(err instanceof UserError);
        assert.match(err.message, new RegExp(`in use by process ${holder.pid} `));
        assert.ok(!err.message.includes("\n"));
        return true;
      });
    } finally {
      holder.kill("SIGKILL");
    }
  });
});

for (const launcher of ["native", "perl"] as const) {
  test(`a job that ends while no engine runs keeps its own end time, not the reopening's (${launcher} launcher)`, async () => {
    await withTempHome(async (home) => {
      let engine = await openEngine({ home, launcher });
      let pid: number | undefined;
      try {
        const { run, jobs } = await engine.submit(graphOf([job("slow", "sleep 1; exit 7")]), "");
        const id = jobs[0]!.id;
        pid = (await waitFor(() => (engine.getJob(id)! as WireJob).pid, "the job to start"))!;
        const statusLog = path.join(path.dirname(jobs[0]!.logOut), "status");
        await engine.close(); // the job goes on without an engine
        await waitFor(() => existsSync(statusLog) && readFileSync(statusLog, "utf8").includes(`exit ${id} 1 7`), "the job to end while no engine runs");
        const seenAt = Date.now();
        await waitFor(() => Date.now() > seenAt, "the clock to pass the moment the end was seen");
        engine = await openEngine({ home, launcher });
        assert.deepEqual(engine.recovery.endedWhileAway, [id]);
        const ended = engine.getJob(id)!;
        assert.equal((ended as WireJob).exitCode, 7);
        assert.ok((ended as WireJob).endedAt! <= seenAt, `ended at ${(ended as WireJob).endedAt}, after its end was seen (${seenAt}): the reopening's time`);
        assert.ok((ended as WireJob).endedAt! - ended.startedAt! >= 1000, "sleep 1 ran at least a second");
        assert.equal((ended.attempts[0]! as WireAttempt).endedAt, (ended as WireJob).endedAt);
        assert.equal((await runEnded(engine, run.id)).state, "failed");
      } finally {
        if (pid) signalGroup(pid, "SIGKILL");
        await engine.close({ killJobs: true }).catch(() => {});
      }
    });
  });
}
