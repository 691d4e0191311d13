// End to end through the user's doors, in real time: `pll load` of an
// `every 2s` file into a real `pll serve`, `pll schedules`, then a server
// restarted in between that resumes the schedule without double-firing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { RunRecord, ScheduleRecord, JobRecord } from "../../src/core/types.js";
import { waitFor, withTempHome } from "../helpers/home.js";
import { raw, spawnPll, startServer, type ServerProcess } from "../server/server-process.js";

/** Runs a pll client command to its end: exit code and output. */
function pll(home: string, args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawnPll(home, args);
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (c: string) => (out += c));
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (out += c));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, out })));
}

// On a quiet machine the three runs take about 4 s (load, +2 s, +4 s). The waits
// are generous because CI machines are shared: the grid check below, not the
// clock, is what shows that nothing fired twice or off its period.
const FIRINGS_WAIT_MS = 30_000;
const tickRuns = async (server: ServerProcess): Promise<RunRecord[]> =>
  ((await raw(server, "GET", "/runs")).json.runs as RunRecord[]).filter((r) => r.schedule === "tick").sort((a, b) => a.id - b.id);

test("pll load of an every 2s file: three runs (one every 2 s) with their logs, resumed by a restarted server without double-firing", async () => {
  await withTempHome(async (home) => {
    const file = path.join(home, "tick.pll");
    await writeFile(file, "jobset tick\nevery 2s\n$ echo tick run $PLL_RUN_ID\n");
    let server = await startServer(home);
    try {
      const load = await pll(home, ["load", file]);
      assert.equal(load.code, 0, load.out);
      assert.match(load.out, /schedule tick: every 2s/);
      await waitFor(async () => (await tickRuns(server)).filter((r) => r.state === "success").length >= 2, "two runs before the restart", FIRINGS_WAIT_MS);

      await server.stop();
      server = await startServer(home);
      await waitFor(async () => (await tickRuns(server)).filter((r) => r.state === "success").length >= 3, "a third run after the restart", FIRINGS_WAIT_MS);
      await waitFor(async () => (await tickRuns(server)).every((r) => r.state !== "running"), "the last run to end");

      const runs = await tickRuns(server);
      for (const run of runs) {
        assert.equal(run.state, "success");
        const jobs = (await raw(server, "GET", `/jobs?runId=${run.id}`)).json.jobs as JobRecord[];
        assert.deepEqual(jobs.map((j) => j.state), ["success"]);
        assert.equal(await readFile(jobs[0].logOut, "utf8"), `tick run ${run.id}\n`);
      }
      const [schedule] = (await raw(server, "GET", "/schedules")).json.schedules as ScheduleRecord[];
      assert.equal(schedule.name, "tick");
      assert.ok(schedule.nextFireAt !== null);
      const gridPointsPassed = Math.round((schedule.nextFireAt - runs[0].createdAt) / 2000);
      assert.ok(runs.length <= gridPointsPassed, `${runs.length} runs for ${gridPointsPassed} firings`);

      const listed = await pll(home, ["schedules"]);
      assert.equal(listed.code, 0, listed.out);
      assert.match(listed.out, /tick/);
      const gone = await pll(home, ["unschedule", "tick"]);
      assert.equal(gone.code, 0, gone.out);
      assert.deepEqual((await raw(server, "GET", "/schedules")).json.schedules, []);
    } finally {
      await server.stop();
    }
  });
});
