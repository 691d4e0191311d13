import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { graphOf, job } from "./graphs.js";
import { gate, runEnded, runToEnd, withEngine } from "./harness.js";
import { waitFor } from "../helpers/home.js";

/** Our own child processes running this command name (never a system-wide search). */
function childrenNamed(comm: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) === process.pid && stat.includes(`(${comm})`) && fields[0] !== "Z") pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

test("if the spawner dies, its running jobs are watched until they end (lost), and new jobs get a new spawner", async () => {
  delete process.env.PLL_LAUNCHER;
  await withEngine(async (engine, home) => {
    const { hold, release } = gate(home);
    const { run } = await engine.submit(graphOf([job("held", hold)]), "");
    await waitFor(() => engine.listJobs({ runId: run.id })[0]!.pid, "the job to start");
    const spawners = childrenNamed("pll job spawner");
    assert.equal(spawners.length, 1, "one spawner");
    process.kill(spawners[0]!, "SIGKILL");
    release();
    const ended = await runEnded(engine, run.id);
    assert.equal(ended.state, "failed");
    assert.equal(engine.listJobs({ runId: run.id })[0]!.reason, "lost");
    const again = await runToEnd(engine, graphOf([job("after", "true")]));
    assert.equal(again.state, "success");
  });
});
