// Hooks never hang the engine or outlive it when asked: a hook past its time
// limit has its process group stopped (SIGTERM, then SIGKILL after the
// grace), and closing with killJobs stops the hooks still running.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { graphOf, job } from "./graphs.js";
import { alive, killPids, runEnded, withEngine } from "./harness.js";
import { waitFor, withTempHome } from "../helpers/home.js";
import { openEngine } from "../../src/server/engine.js";
import { HookRunner } from "../../src/exec/hooks.js";
import type { JobRecord } from "../../src/core/types.js";

const loc = { file: "test.pll", line: 1, col: 1 };
const pidsIn = (file: string) => readFileSync(file, { encoding: "utf8", flag: "a+" }).trim().split("\n").filter(Boolean).map(Number);
/** A hook that records its shell's pid and its child's, and ignores SIGTERM (only SIGKILL ends it). */
const stubborn = (pids: string) => `trap '' TERM; echo $$ >> ${pids}; sleep 100 & echo $! >> ${pids}; wait`;

test("a hook past its time limit has its whole group stopped, SIGKILL after the grace", async () => {
  await withEngine(async (engine, home) => {
    const pids = path.join(home, "pids");
    try {
      const { run } = await engine.submit(graphOf([job("a", "exit 1")]), "");
      const failed = engine.getJob((await runEnded(engine, run.id)).jobIds[0]!)!;
      const hooks = new HookRunner(300, 200);
      hooks.fire({ ...failed, hooks: [{ on: "failure", command: stubborn(pids), loc }] } as JobRecord, "failure", (extra) => extra);
      await waitFor(() => pidsIn(pids).length >= 2, "the hook and its child to start");
      await waitFor(() => pidsIn(pids).every((p) => !alive(p)), "the hook's group to be gone", 5_000);
    } finally {
      killPids(pidsIn(pids));
    }
  });
});

test("closing with killJobs stops the hooks still running", async () => {
  await withTempHome(async (home) => {
    const pids = path.join(home, "pids");
    const engine = await openEngine({ home, killGraceMs: 300 });
    try {
      const { run } = await engine.submit(graphOf([job("a", "exit 1", { hooks: [{ on: "failure", command: stubborn(pids), loc }] })]), "");
      await runEnded(engine, run.id);
      await waitFor(() => pidsIn(pids).length >= 2, "the hook and its child to start");
      await engine.close({ killJobs: true });
      await waitFor(() => pidsIn(pids).every((p) => !alive(p)), "the hook's group to be gone", 5_000);
    } finally {
      await engine.close({ killJobs: true });
      killPids(pidsIn(pids));
    }
  });
});
