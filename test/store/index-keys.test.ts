// The store's index keys: the runs not finished, a jobset's runs newest first,
// pages of all runs newest first and the last success of a `fresh` job are read
// with range reads over keys written in the same journal line as their records —
// before and after the journal is folded, after deletions, and in a store of an
// older version (no index keys), which is indexed at its first open.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { Level } from "level";
import { Store } from "../../src/store/store.js";
import type { JobRecord, RunRecord, RunState } from "../../src/core/types.js";
import { withTempHome } from "../helpers/home.js";
import { withStore } from "../helpers/store.js";

const run = (id: number, jobset: string, state: RunState, jobIds: number[] = []) =>
  ({ id, jobset, state, file: `/x/${jobset}.pll`, createdAt: id, jobIds, blockPjc: {} }) as unknown as RunRecord;
const job = (id: number, runId: number, extra: Partial<Record<string, unknown>> = {}) =>
  ({ id, runId, jobset: "a", name: `j${id}`, key: `j${id}`, state: "pending", command: "true", ...extra }) as unknown as JobRecord;
const ids = (runs: RunRecord[]) => runs.map((r) => r.id);

/** The same questions asked of the journal's entries and, after a fold, of LevelDB's. */
async function bothWays(store: Store, check: () => Promise<void>): Promise<void> {
  await check();
  await store.fold();
  await check();
}

test("active runs, a jobset's runs and pages of runs come from index keys, newest first", async () => {
  await withStore(async (store) => {
    // "a:b" would fall inside a range of "a" keyed `a:`; NUL closes each jobset's range.
    const runs = [run(1, "a", "success"), run(2, "a:b", "running"), run(3, "a", "running"), run(4, "b", "failed"), run(5, "a", "cancelled")];
    for (const r of runs) await store.write({ runs: [r] });
    await bothWays(store, async () => {
      assert.deepEqual(ids(await store.activeRuns()), [2, 3]);
      assert.deepEqual(ids(await store.runsNewestFirst({ limit: 2 })), [5, 4]);
      assert.deepEqual(ids(await store.runsNewestFirst({ limit: 2, before: 4 })), [3, 2]);
      assert.deepEqual(ids(await store.runsNewestFirst({ limit: 10, before: 2 })), [1]);
      assert.deepEqual(ids(await store.runsNewestFirst({ limit: 1 }, "a")), [5]);
      assert.deepEqual(ids(await store.runsNewestFirst({ limit: 10 }, "a")), [5, 3, 1]);
      assert.deepEqual(ids(await store.runsNewestFirst({ limit: 10, before: 5 }, "a")), [3, 1]);
      assert.deepEqual(ids(await store.runsNewestFirst({ limit: 10 }, "a:b")), [2]);
      assert.deepEqual(ids(await store.runsNewestFirst({ limit: 10 }, "nothing")), []);
    });
    // A run that ends leaves the active index in the write that records its end.
    await store.write({ runs: [{ ...runs[2]!, state: "success" }] });
    await bothWays(store, async () => assert.deepEqual(ids(await store.activeRuns()), [2]));
    // Deleting runs (a prune) deletes their index keys with them; a page read over journal deletions still fills up.
    await store.write({ deleteRuns: [runs[4]!, runs[3]!] });
    assert.deepEqual(ids(await store.runsNewestFirst({ limit: 2 })), [3, 2]);
    assert.deepEqual(ids(await store.runsNewestFirst({ limit: 1 }, "a")), [3]);
    await store.write({ deleteRuns: [runs[1]!] });
    await bothWays(store, async () => {
      assert.deepEqual(ids(await store.activeRuns()), []);
      assert.deepEqual(ids(await store.runsNewestFirst({ limit: 10 })), [3, 1]);
      assert.deepEqual(ids(await store.runsNewestFirst({ limit: 10 }, "a:b")), []);
    });
  });
});

test("a run's jobs and a fresh job's last success are read on demand", async () => {
  await withStore(async (store) => {
    const r = run(1, "a", "running", [3, 1, 2]);
    await store.writeRun([job(1, 1), job(2, 1), job(3, 1)], { runs: [r] });
    const ended = { state: "success", endedAt: 50, freshMs: 1000 };
    await store.write({ jobs: [job(2, 1, ended), job(3, 1, { state: "success", endedAt: 60 })] });
    await bothWays(store, async () => {
      assert.deepEqual((await store.jobsOf(r)).map((j) => [j.id, j.state]), [[1, "pending"], [2, "success"], [3, "success"]]);
      assert.equal((await store.getJob(2))?.state, "success");
      assert.equal((await store.getRun(1))?.jobset, "a");
      assert.deepEqual(await store.lastSuccess("a", "j2"), { at: 50, runId: 1 });
      assert.equal(await store.lastSuccess("a", "j3"), undefined, "only fresh jobs are indexed");
    });
    await store.write({ deleteJobs: [1] });
    assert.deepEqual((await store.jobsOf(r)).map((j) => j.id), [2, 3]);
  });
});

test("a store of an older version, with records and no index keys, is indexed at its first open", async () => {
  await withTempHome(async (home) => {
    const db = path.join(home, "db");
    const level = new Level<string, unknown>(db, { valueEncoding: "json" });
    await level.open();
    const put = (key: string, value: unknown) => level.put(key, value);
    await put("run:000000000001", run(1, "a", "success", [1]));
    await put("run:000000000002", run(2, "a", "running", [2]));
    await put("run:000000000003", run(3, "b", "running", [3]));
    await put("job:000000000001", job(1, 1, { state: "success", endedAt: 10, freshMs: 5 }));
    await put("job:000000000002", job(2, 2, { name: "j1", state: "success", endedAt: 20, freshMs: 5 }));
    await level.close();
    const first = await Store.open(db);
    try {
      assert.deepEqual(ids(await first.activeRuns()), [2, 3]);
      assert.deepEqual(ids(await first.runsNewestFirst({ limit: 10 }, "a")), [2, 1]);
      assert.deepEqual(await first.lastSuccess("a", "j1"), { at: 20, runId: 2 }, "the latest success of a name");
      await first.write({ runs: [run(3, "b", "failed", [3])] });
    } finally {
      await first.close();
    }
    // Indexed once: the second open keeps what was written since.
    const second = await Store.open(db);
    try {
      assert.deepEqual(ids(await second.activeRuns()), [2]);
      assert.deepEqual(ids(await second.runsNewestFirst({ limit: 10 }, "b")), [3]);
    } finally {
      await second.close();
    }
  });
});

test("loadActive reads what a scheduler needs: the runs not finished and their jobs, settings, counters, schedules", async () => {
  await withStore(async (store) => {
    await store.writeRun([job(1, 1), job(2, 1)], { runs: [run(1, "a", "success", [1, 2])] });
    await store.writeRun([job(3, 2), job(4, 2)], { runs: [run(2, "a", "running", [3, 4])], counters: { nextRunId: 3, nextJobId: 5 } });
    await store.write({ schedules: [{ name: "s" } as never] });
    await bothWays(store, async () => {
      const active = await store.loadActive();
      assert.deepEqual([ids(active.runs), active.jobs.map((j) => j.id)], [[2], [3, 4]]);
      assert.deepEqual(active.counters, { nextRunId: 3, nextJobId: 5 });
      assert.deepEqual(active.schedules.map((s) => s.name), ["s"]);
      const all = await store.load();
      assert.deepEqual([ids(all.runs), all.jobs.map((j) => j.id)], [[1, 2], [1, 2, 3, 4]]);
    });
  });
});
