// What `pll run FILE` builds on: an engine hosted in-process can serve the
// socket too (so `pll shell` can attach), and a client can submit a file to a
// running server and follow that run's events to its end.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { connectIfRunning } from "../../src/client/client.js";
import { submitAndFollow } from "../../src/client/follow.js";
import type { EngineEvent } from "../../src/core/types.js";
import { homePaths } from "../../src/home.js";
import { openEngine } from "../../src/server/engine.js";
import { startApiServer } from "../../src/server/http.js";
import { withTempHome } from "../helpers/home.js";

test("an in-process engine serves the socket, and submitAndFollow sees its run from submit to end", async () => {
  await withTempHome(async (home) => {
    assert.equal(await connectIfRunning(home), null, "nothing answers yet");
    const engine = await openEngine({ home });
    const api = await startApiServer(engine, { socketPath: homePaths(home).socket });
    try {
      const client = (await connectIfRunning(home))!;
      try {
        const events: EngineEvent[] = [];
        let submittedRun = 0;
        const { run, jobs } = await submitAndFollow(
          client,
          { source: "jobset followed\na: $ echo a\nb: after a $ exit 2\nc: after b $ true\n", path: path.join(home, "f.pll") },
          (e) => events.push(e),
          (s) => (submittedRun = s.run.id),
        );
        assert.equal(run.id, submittedRun);
        assert.equal(run.state, "failed");
        assert.deepEqual(jobs.map((j) => j.state), ["success", "errored", "blocked"]);
        assert.ok(events.every((e) => e.type === "notice" || (e.type === "job" ? e.job.runId === run.id : e.type === "run" ? e.run.id === run.id : true)));
        const last = events.filter((e) => e.type === "run").at(-1);
        assert.equal(last?.type === "run" && last.run.state, "failed");
        assert.ok(events.some((e) => e.type === "job" && e.job.name === "a" && e.job.state === "running"), "saw it run");
        await assert.rejects(
          submitAndFollow(client, { source: "seq <\n", path: path.join(home, "bad.pll") }, () => {}),
          (err: Error) => err.name === "ApiError" && /bad\.pll:\d+:\d+/.test(err.message),
        );
      } finally {
        client.close();
      }
    } finally {
      await api.close();
      await engine.close({ killJobs: true });
    }
  });
});
