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
          (s) => {
            submittedRun = s.run!.id;
            // What a renderer starts from: the submit response's snapshot, then the events.
            for (const job of s.jobs) events.push({ type: "job", job });
          },
        );
        assert.equal(run.id, submittedRun);
        assert.equal(run.state, "failed");
        assert.deepEqual(jobs.map((j) => j.state), ["success", "errored", "blocked"]);
        assert.ok(events.every((e) => e.type === "notice" || (e.type === "job" ? e.job.runId === run.id : e.type === "run" ? e.run.id === run.id : true)));
        const lastRun = events.filter((e) => e.type === "run").at(-1);
        assert.equal(lastRun?.type === "run" && lastRun.run.state, "failed");
        assert.ok(events.some((e) => e.type === "job" && e.job.name === "a" && e.job.state === "running"), "saw it run");
        // Each job's story only moves forward, even for events that raced the submit response.
        const rank = { pending: 0, blocked: 0, running: 1, success: 2, errored: 2, skipped: 2, cancelled: 2 } as const;
        const last = new Map<number, number>();
        for (const e of events) {
          if (e.type !== "job") continue;
          const at = e.job.attempts.length * 10 + rank[e.job.state];
          assert.ok(at >= (last.get(e.job.id) ?? at), `#${e.job.id} went back to ${e.job.state}`);
          last.set(e.job.id, at);
        }
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
