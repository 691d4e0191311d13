import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { graphOf, job } from "./graphs.js";
import { alive, fixture, killPids, runEnded, withEngine } from "./harness.js";
import { waitFor } from "../helpers/home.js";

const pidsIn = (file: string) =>
  readFileSync(file, { encoding: "utf8", flag: "a+" }).trim().split("\n").filter(Boolean).map(Number);

for (const launcher of ["perl", "shell"] as const) {
test(`a timeout kills the whole tree, including grandchildren that ignore SIGTERM (${launcher} launcher)`, async () => {
  process.env.PLL_LAUNCHER = launcher;
  await withEngine(async (engine, home) => {
    const pids = path.join(home, "pids");
    try {
      const { run } = await engine.submit(graphOf([job("stubborn", `${fixture("tree-ignores-term.sh")} ${pids}`, { timeoutMs: 400 })]), "");
      await waitFor(() => pidsIn(pids).length >= 3, "the tree to start");
      const ended = await runEnded(engine, run.id);
      assert.equal(ended.state, "failed");
      const [j] = engine.listJobs({ runId: run.id });
      assert.equal(j!.state, "errored");
      assert.match(j!.reason ?? "", /^timeout/);
      await waitFor(() => pidsIn(pids).every((p) => !alive(p)), "every process of the tree to be gone", 2_000);
    } finally {
      delete process.env.PLL_LAUNCHER;
      killPids(pidsIn(pids));
    }
  });
});
}

test("kill stops a running job's tree and records it errored (killed)", async () => {
  await withEngine(async (engine, home) => {
    const pids = path.join(home, "pids");
    try {
      const { run } = await engine.submit(graphOf([job("stubborn", `${fixture("tree-ignores-term.sh")} ${pids}`)]), "");
      await waitFor(() => pidsIn(pids).length >= 3, "the tree to start");
      const [killed] = await engine.kill(run.jobIds);
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
