import type { WireJob } from "../../src/core/types.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { graphOf, job } from "./graphs.js";
import { alive, fixture, killPids, runEnded, withEngine } from "./harness.js";
import { waitFor } from "../helpers/home.js";

const pidsIn = (file: string) =>
  readFileSync(file, { encoding: "utf8", flag: "a+" }).trim().split("\n").filter(Boolean).map(Number);

for (const launcher of ["native", "perl"] as const) {
test(`a timeout kills the whole tree, including grandchildren that ignore SIGTERM (${launcher} launcher)`, async () => {
  await withEngine(async (engine, home) => {
    const pids = path.join(home, "pids");
    try {
      const { run } = await engine.submit(graphOf([job("stubborn", `${fixture("tree-ignores-term.sh")} ${pids}`, { timeoutMs: 2_000 })]), "");
      await waitFor(() => pidsIn(pids).length >= 3, "the tree to start");
      const ended = await runEnded(engine, run.id);
      assert.equal(ended.state, "failed");
      const [j] = engine.listJobs({ runId: run.id });
      assert.equal(j!.state, "errored");
      assert.match(j!.reason ?? "", /^timeout/);
      await waitFor(() => pidsIn(pids).every((p) => !alive(p)), "every process of the tree to be gone", 2_000);
    } finally {
      killPids(pidsIn(pids));
    }
  }, { launcher });
});
}

test("kill stops a running job's tree and records it errored (killed)", async () => {
  await withEngine(async (engine, home) => {
    const pids = path.join(home, "pids");
    try {
      const { run } = await engine.submit(graphOf([job("stubborn", `${fixture("tree-ignores-term.sh")} ${pids}`)]), "");
      await waitFor(() => pidsIn(pids).length >= 3, "the tree to start");
      const [killed] = await engine.kill([...run.jobIds]);
      assert.equal(killed!.state, "errored");
      assert.equal(killed!.reason, "killed");
      assert.ok(pidsIn(pids).every((p) => !alive(p)), "a process of the killed tree survived");
    } finally {
      killPids(pidsIn(pids));
    }
  });
});

test("cancelling a run stops its running jobs and cancels the rest", async () => {
  await withEngine(async (engine, home) => {
    const pids = path.join(home, "pids");
    try {
      const graph = graphOf([
        job("a", `${fixture("tree-ignores-term.sh")} ${pids}`),
        job("b", "true", { deps: ["a"] }),
      ]);
      const { run } = await engine.submit(graph, "");
      await waitFor(() => pidsIn(pids).length >= 3, "the tree to start");
      await engine.cancelRun(run.id);
      assert.deepEqual(engine.listJobs({ runId: run.id }).map((j) => j.state), ["cancelled", "cancelled"]);
      assert.equal(engine.getRun(run.id)!.state, "cancelled");
      assert.ok(pidsIn(pids).every((p) => !alive(p)));
    } finally {
      killPids(pidsIn(pids));
    }
  });
});

// The grace period is a bound, not a wait: a group that dies at SIGTERM ends
// the job at once. With a 10-minute grace these would hang if it were waited out.
const LONG_GRACE = { killGraceMs: 600_000, pjc: 8 };
for (const launcher of ["native", "perl"] as const) {
  test(`kill, cancel and timeout end a job as soon as its group dies at SIGTERM, not after the grace (${launcher} launcher)`, { timeout: 60_000 }, async () => {
    await withEngine(async (engine, home) => {
      // `sleep` runs in a child of the job's shell: at SIGTERM it is left a zombie for init to reap.
      const graph = graphOf([
        job("forked", "sleep 100; echo not reached"),
        job("polling", `${fixture("wait-for-file.sh")} ${path.join(home, "never")}`),
        job("cancelled", "sleep 100; echo not reached"),
        job("timed", "sleep 100; echo not reached", { timeoutMs: 300 }),
      ]);
      const { run } = await engine.submit(graph, "");
      const [forked, polling, cancelled] = run.jobIds;
      await waitFor(() => engine.listJobs({ runId: run.id }).every((j) => (j as WireJob).pid !== undefined), "the jobs to start");
      const killed = await engine.kill([forked!, polling!]);
      assert.deepEqual(killed.map((j) => [j.state, j.reason, (j as WireJob).exitCode]), [["errored", "killed", 143], ["errored", "killed", 143]]);
      const [c] = await engine.cancel([cancelled!]);
      assert.equal(c!.state, "cancelled");
      const ended = await runEnded(engine, run.id);
      const timed = engine.listJobs({ runId: ended.id })[3]!;
      assert.deepEqual([timed.state, timed.reason, (timed as WireJob).exitCode], ["errored", "timeout 300ms", 143]);
    }, { ...LONG_GRACE, launcher });
  });
}

// A kill that comes the moment a job has a pid — while a launcher may still be
// setting the job up — must not be lost: each job ends at once, not at the end
// of a 10-minute grace.
for (const launcher of ["native", "perl"] as const) {
  test(`a kill sent as soon as a job starts is not lost while it is being set up (${launcher} launcher)`, { timeout: 60_000 }, async () => {
    await withEngine(async (engine, home) => {
      const pids = path.join(home, "pids");
      const n = 24;
      const kills: Promise<unknown>[] = [];
      const unsubscribe = engine.subscribe((e) => {
        if (e.type === "job" && e.job.state === "running" && e.job.pid !== undefined) kills.push(engine.kill([e.job.id]).catch(() => {}));
      });
      try {
        const { run } = await engine.submit(graphOf(Array.from({ length: n }, (_, i) => job(`j${i}`, `echo $$ >> ${pids}; sleep 100`))), "");
        const ended = await runEnded(engine, run.id, 50_000);
        assert.equal(ended.state, "failed");
        await Promise.all(kills);
        const jobs = engine.listJobs({ runId: run.id });
        assert.deepEqual(jobs.filter((j) => j.reason !== "killed").map((j) => [j.key, j.state, j.reason]), [], "every job was killed");
      } finally {
        unsubscribe();
        killPids(pidsIn(pids));
      }
    }, { ...LONG_GRACE, launcher });
  });
}
