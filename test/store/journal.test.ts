// The store's write-ahead journal: writes are on disk when acknowledged,
// reads see them before they are folded into LevelDB, a process killed
// before any fold loses nothing, and a write cut short by a crash is skipped.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { Store, type StoreContents } from "../../src/store/store.js";
import { journalFiles } from "../../src/store/journal.js";
import type { JobRecord, ScheduleRecord } from "../../src/core/types.js";
import { repoRoot, withTempHome } from "../helpers/home.js";
import { withStore } from "../helpers/store.js";

const job = (id: number, command: string) => ({ id, command }) as JobRecord;
const schedule = (name: string) => ({ name }) as ScheduleRecord;
const fixture = path.join(repoRoot, "dist/test/fixtures/write-then-die.js");

/** What a fresh open of the store at `db` loads (it is closed again). */
async function reopened(db: string): Promise<StoreContents> {
  const store = await Store.open(db);
  try {
    return await store.load();
  } finally {
    await store.close();
  }
}

function runToDeath(args: string[]): Promise<NodeJS.Signals | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture, ...args], { stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("exit", (_code, signal) => resolve(signal));
  });
}

test("a process killed right after its writes loses none of them: the journal is replayed on open", async () => {
  await withTempHome(async (home) => {
    const db = path.join(home, "db");
    assert.equal(await runToDeath([db, "300", "1"]), "SIGKILL");
    assert.ok(journalFiles(db).length > 0, "the killed process left its journal");
    const store = await Store.open(db);
    try {
      assert.equal(journalFiles(db).length, 1, "replayed generations are removed; one fresh generation is open");
      const { jobs, counters } = await store.load();
      assert.equal(jobs.length, 300);
      assert.deepEqual(jobs.map((j) => j.command), Array.from({ length: 300 }, (_, i) => `v1-${i + 1}`));
      assert.deepEqual(counters, { nextJobId: 301, nextRunId: 1 });
    } finally {
      await store.close();
    }
    // A second crash over the same keys: the newer values win.
    assert.equal(await runToDeath([db, "10", "2"]), "SIGKILL");
    const { jobs, counters } = await reopened(db);
    assert.equal(jobs.length, 300);
    assert.equal(jobs[9]!.command, "v2-10");
    assert.equal(jobs[10]!.command, "v1-11");
    assert.deepEqual(counters, { nextJobId: 11, nextRunId: 1 });
  });
});

test("reads see writes that are not folded yet, and deletions hide folded values", async () => {
  await withStore(async (store) => {
    const settings = (pjc: number) => ({ pjc, capacity: null, paused: [], jobsetPjc: {} });
    await store.write({ schedules: [schedule("a"), schedule("b")], settings: settings(1) });
    await store.fold(); // a and b now in LevelDB
    await store.write({ schedules: [schedule("c")], deleteSchedules: ["a"] });
    assert.deepEqual((await store.listSchedules()).map((s) => s.name), ["b", "c"]);
    await store.write({ settings: settings(2) });
    assert.equal((await store.load()).settings?.pjc, 2);
    await store.fold();
    assert.deepEqual((await store.listSchedules()).map((s) => s.name), ["b", "c"]);
    assert.equal((await store.load()).settings?.pjc, 2);
  });
});

test("close folds everything into LevelDB and leaves no journal behind", async () => {
  await withTempHome(async (home) => {
    const db = path.join(home, "db");
    const store = await Store.open(db);
    for (let i = 1; i <= 50; i++) await store.write({ jobs: [job(i, `c${i}`)] });
    await store.close();
    assert.deepEqual((await readdir(home)).filter((n) => n.includes(".wal-")), []);
    assert.equal((await reopened(db)).jobs.length, 50);
  });
});

test("a write cut short by a crash is skipped on replay; the complete ones before it are kept", async () => {
  await withTempHome(async (home) => {
    const db = path.join(home, "db");
    await (await Store.open(db)).close(); // create the LevelDB
    const whole = JSON.stringify([["job:000000000001", { id: 1, command: "kept" }]]);
    const torn = JSON.stringify([["job:000000000002", { id: 2, command: "torn" }]]).slice(0, 20);
    await writeFile(`${db}.wal-7`, `${whole}\n${torn}`);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarning);
    const store = await Store.open(db);
    try {
      const { jobs } = await store.load();
      assert.deepEqual(jobs.map((j) => [j.id, j.command]), [[1, "kept"]]);
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
      assert.ok(warnings.some((w) => w.includes("unfinished last write") && w.includes(".wal-7")), warnings.join("; "));
      // The next generation continues after the newest one found.
      assert.deepEqual(journalFiles(db).map((f) => f.gen), [8]);
    } finally {
      process.off("warning", onWarning);
      await store.close();
    }
  });
});

test("a big burst is folded as it comes, not held in memory until the end", async () => {
  await withStore(async (store, db) => {
    const big = "x".repeat(10_000);
    for (let i = 1; i <= 1_000; i++) await store.write({ jobs: [job(i, big)] }); // ≈ 10 MB
    const files = journalFiles(db);
    const sizes = await Promise.all(files.map(async (f) => (await readFile(f.file)).length));
    assert.ok(Math.max(...sizes) < 6 << 20, `journal files stay small: ${sizes.join(", ")}`);
  });
});

test("a fold that LevelDB refuses keeps its journal and its entries, and the next fold puts them in", async () => {
  await withStore(
    async (store, db) => {
      // Fault injection: LevelDB's batch fails as on a full disk, until put back.
      const level = (store as unknown as { db: { batch: (...a: unknown[]) => Promise<void> } }).db;
      const batch = level.batch.bind(level);
      level.batch = () => Promise.reject(new Error("injected: no space left on device"));
      try {
        await store.write({ jobs: [job(1, "one")] });
        await assert.rejects(store.fold(), /injected/);
        assert.equal(journalFiles(db).length, 2, "the refused generation's file stays beside the new one");
        await store.write({ jobs: [job(2, "two")] });
        assert.deepEqual((await store.load()).jobs.map((j) => j.command), ["one", "two"], "reads still see both");
        level.batch = batch;
        await store.fold();
        assert.equal(journalFiles(db).length, 1, "folded, only the current generation is left");
      } finally {
        level.batch = batch;
      }
    },
    async (db) => assert.deepEqual((await reopened(db)).jobs.map((j) => j.command), ["one", "two"]),
  );
});

test("a write the journal file refuses fails alone; the next write goes to a new file and nothing acknowledged is lost", async () => {
  await withStore(
    async (store, db) => {
      await store.write({ jobs: [job(1, "before")] });
      // Fault injection: the journal's descriptor turns into one that refuses writes and truncation (as a
      // failing disk would), so the append fails and cutting the file back fails too.
      const current = (store as unknown as { current: { journal: { fd: number } } }).current.journal;
      const real = current.fd;
      current.fd = openSync("/dev/null", "r");
      closeSync(real);
      await assert.rejects(store.write({ jobs: [job(2, "refused")] }), /EBADF/);
      await store.write({ jobs: [job(3, "after")] });
      assert.deepEqual((await store.load()).jobs.map((j) => j.command), ["before", "after"]);
      assert.ok(journalFiles(db).length >= 2, "the next write went to a new generation");
    },
    async (db) => assert.deepEqual((await reopened(db)).jobs.map((j) => j.command), ["before", "after"]),
  );
});

test("no next journal file (here a directory in its way): the fold does not throw, writes go on, nothing is lost", async () => {
  await withStore(
    async (store, db) => {
      const blocker = `${db}.wal-${journalFiles(db)[0]!.gen + 1}`;
      await mkdir(blocker);
      await store.write({ jobs: [job(1, "one")] });
      await assert.doesNotReject(store.fold()); // nothing older to fold; the rotation's EISDIR is reported, not thrown
      const big = "x".repeat(1 << 20);
      for (let i = 2; i <= 6; i++) await store.write({ jobs: [job(i, big)] }); // past the 4 MB fold: still acknowledged
      assert.deepEqual((await store.load()).jobs.map((j) => j.id), [1, 2, 3, 4, 5, 6]);
      await rm(blocker, { recursive: true });
      await store.fold();
      assert.equal(journalFiles(db).length, 1, "once the file can be made, the generation is folded");
    },
    async (db) => assert.deepEqual((await reopened(db)).jobs.map((j) => j.id), [1, 2, 3, 4, 5, 6]),
  );
});

test("replay applies generations in order over what LevelDB holds: the newest put or deletion of a key wins", async () => {
  await withTempHome(async (home) => {
    const db = path.join(home, "db");
    const first = await Store.open(db);
    // As if generation 1 had been folded and the process died before removing its file.
    await first.write({ jobs: [job(1, "v1")], schedules: [schedule("s")], counters: { nextJobId: 2, nextRunId: 1 } });
    await first.close();
    const line = (pairs: unknown) => `${JSON.stringify(pairs)}\n`;
    await writeFile(`${db}.wal-1`, line([["job:000000000001", { id: 1, command: "v1" }], ["schedule:s", { name: "s" }]]));
    await writeFile(`${db}.wal-2`, line([["job:000000000001", { id: 1, command: "v2" }], ["schedule:s"], ["schedule:t", { name: "t" }]]));
    await writeFile(`${db}.wal-10`, line([["meta:counters", { nextJobId: 9, nextRunId: 3 }]]) + line({ not: "pairs" }));
    const store = await Store.open(db);
    try {
      const { jobs, schedules, counters } = await store.load();
      assert.deepEqual(jobs.map((j) => j.command), ["v2"]);
      assert.deepEqual(schedules.map((s) => s.name), ["t"]);
      assert.deepEqual(counters, { nextJobId: 9, nextRunId: 3 }, "generation 10 after 2, numerically; a line of a strange shape skipped");
    } finally {
      await store.close();
    }
  });
});

test("a second close waits for the first: the store is free to open once either resolves", async () => {
  await withTempHome(async (home) => {
    const db = path.join(home, "db");
    const store = await Store.open(db);
    await store.write({ jobs: [job(1, "one")] });
    let firstClosed = false;
    const first = store.close().then(() => (firstClosed = true));
    await store.close();
    assert.ok(firstClosed, "the second close resolved only once the first had");
    // LevelDB's lock is released: opening again does not fail as "in use", and what was written is there.
    const again = await Store.open(db);
    try {
      assert.deepEqual((await again.load()).jobs.map((j) => j.command), ["one"]);
    } finally {
      await again.close();
      await first;
    }
  });
});
