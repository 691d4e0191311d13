import { test } from "node:test";
import assert from "node:assert/strict";
import { openEngine } from "../../src/server/engine.js";
import { withTempHome, waitFor } from "../helpers/home.js";
import { graphOf, job } from "./graphs.js";

test("a small graph runs to the end", async () => {
  await withTempHome(async (home) => {
    const engine = await openEngine({ home, pjc: 2, killGraceMs: 200 });
    try {
      const { run } = await engine.submit(
        graphOf([job("a", "echo a"), job("b", "echo b >&2; exit 3"), job("c", "echo c", { deps: ["a"] }), job("d", "true", { deps: ["b"] })]),
        "",
      );
      await waitFor(() => engine.getRun(run.id)?.state !== "running", "run end");
      const states = engine.listJobs({ runId: run.id }).map((j) => `${j.key}:${j.state}:${j.reason ?? ""}`);
      assert.deepEqual(states, ["a:success:", "b:errored:exit 3", "c:success:", "d:blocked:blocked by #2"]);
      assert.equal(engine.getRun(run.id)?.state, "failed");
    } finally {
      await engine.close({ killJobs: true });
    }
  });
});
