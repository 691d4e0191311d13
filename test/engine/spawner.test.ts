import type { WireJob } from "../../src/core/types.js";
// The spawner is a process of its own; it can die (the OOM killer, a stray
// kill). Its running jobs must then still be recorded as they really ended:
// the native spawner's guardian (spawner.c) reaps them and writes their exit
// lines, and the engine reads them as it does for jobs it adopts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { graphOf, job } from "./graphs.js";
import { gate, runEnded, runToEnd, withEngine } from "./harness.js";
import { waitFor } from "../helpers/home.js";

/** Our descendants (never a system-wide search) running this command name. */
function descendantsNamed(comm: string): number[] {
  const parent = new Map<number, number>();
  const named: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parent.set(Number(entry), Number(fields[1]));
      if (stat.includes(`(${comm})`) && fields[0] !== "Z") named.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  const ours = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === process.pid) return true;
    return false;
  };
  return named.filter(ours);
}

test("if the spawner dies, its running jobs still end with their true exit codes, and new jobs get a new spawner", async () => {
  await withEngine(async (engine, home) => {
    const { hold, release } = gate(home);
    const { run } = await engine.submit(graphOf([job("ok", hold), job("fails", `${hold}; exit 3`)]), "");
    await waitFor(() => engine.listJobs({ runId: run.id }).every((j) => (j as WireJob).pid), "the jobs to start");
    // A job's pid is announced right after its fork: until that child execs its shell it still bears the
    // spawner's name, so the count settles rather than holds at once.
    const spawners = await waitFor(() => {
      const named = descendantsNamed("pll job spawner");
      return named.length === 1 && descendantsNamed("pll job guard").length === 1 ? named : undefined;
    }, "one spawner, with its guardian");
    process.kill(spawners[0]!, "SIGKILL");
    release();
    const ended = await runEnded(engine, run.id);
    const jobs = engine.listJobs({ runId: run.id });
    assert.deepEqual(
      jobs.map((j) => [j.name, j.state, (j as WireJob).exitCode ?? null, j.reason ?? null]),
      [
        ["ok", "success", 0, null],
        ["fails", "errored", 3, "exit 3"],
      ],
    );
    assert.equal(ended.state, "failed");
    // The guardian leaves once the jobs it took over are recorded.
    await waitFor(() => descendantsNamed("pll job guard").length === 0 || descendantsNamed("pll job spawner").length > 0, "the old guardian to leave");
    const again = await runToEnd(engine, graphOf([job("after", "true")]));
    assert.equal(again.state, "success");
  });
});

test("the spawner's guardian closes the engine's pipes: the spawner's death is seen at once, not when the guardian goes", async () => {
  await withEngine(async (engine, home) => {
    const { hold, release } = gate(home);
    const { run } = await engine.submit(graphOf([job("held", hold)]), "");
    await waitFor(() => (engine.listJobs({ runId: run.id })[0]! as WireJob).pid, "the job to start");
    process.kill(descendantsNamed("pll job spawner")[0]!, "SIGKILL");
    // While the held job runs, its guardian lives; a new job must get a new spawner all the same.
    const again = await runToEnd(engine, graphOf([job("meanwhile", "true")]));
    assert.equal(again.state, "success");
    release();
    await runEnded(engine, run.id);
    assert.equal(engine.listJobs({ runId: run.id })[0]!.state, "success");
  });
});
