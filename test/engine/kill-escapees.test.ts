// Kills reach what a job started in process groups of its own — a `setsid`
// child and a `set -m` background job — found by parentage when the kill is
// sent. (A daemon that double-forked away from the job is not its
// descendant any more: README says so.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { graphOf, job } from "./graphs.js";
import { alive, killPids, runEnded, withEngine } from "./harness.js";
import { waitFor } from "../helpers/home.js";

const pidsIn = (file: string) =>
  readFileSync(file, { encoding: "utf8", flag: "a+" }).trim().split("\n").filter(Boolean).map(Number);

test("a timeout also stops a setsid child and a set -m background job of the job", async () => {
  await withEngine(async (engine, home) => {
    const pids = path.join(home, "pids");
    // Each escapee writes its own pid, then sleeps; the job itself waits.
    const escapees = [
      `setsid sh -c 'echo $$ >> ${pids}; exec sleep 300' &`,
      `set -m; sh -c 'echo $$ >> ${pids}; exec sleep 300' & set +m`,
      "sleep 300",
    ].join("\n");
    try {
      const { run } = await engine.submit(graphOf([job("escapes", escapees, { timeoutMs: 1_500 })]), "");
      await waitFor(() => pidsIn(pids).length >= 2, "both escapees to start");
      const ended = await runEnded(engine, run.id);
      assert.equal(ended.state, "failed");
      assert.match(engine.listJobs({ runId: run.id })[0]!.reason ?? "", /^timeout/);
      await waitFor(() => pidsIn(pids).every((p) => !alive(p)), "the escapees to be stopped too", 3_000);
    } finally {
      killPids(pidsIn(pids));
    }
  });
});
