// A full disk must not cost the store anything. A fold into LevelDB that
// fails half-way can leave a torn record at the end of LevelDB's log; any
// batch appended after it is dropped with it by LevelDB's recovery at the
// next open — after its journal file was removed. Reproduced on a real
// full tmpfs: the store must come back with every write acknowledged.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Store } from "../../src/store/store.js";
import { StoreError } from "../../src/store/store-error.js";
import { journalFileName, journalLine } from "../../src/store/journal.js";
import type { JobRecord } from "../../src/core/types.js";
import { fillDisk, tmpfsUnavailable, withTmpfs } from "../helpers/tmpfs.js";

const job = (id: number) => ({ id, command: `echo ${"x".repeat(300)}` }) as JobRecord;
const skip = tmpfsUnavailable();

test("a fold that fails on a full disk loses nothing once space is back, across a reopen", { skip }, async () => {
  await withTmpfs(2 << 20, async (dir) => {
    const db = path.join(dir, "db");
    const store = await Store.open(db);
    try {
      for (let id = 1; id <= 20; id++) await store.write({ jobs: [job(id)] });
      await store.fold();
      for (let id = 21; id <= 80; id++) await store.write({ jobs: [job(id)] });
      const filler = fillDisk(dir);
      await assert.rejects(store.fold(), /No space left on device/);
      rmSync(filler);
      for (let id = 81; id <= 90; id++) await store.write({ jobs: [job(id)] });
      await store.fold(); // appended after the failed one: must not sit behind its tear
    } finally {
      await store.close();
    }
    const again = await Store.open(db);
    try {
      const { jobs } = await again.load();
      assert.deepEqual(
        jobs.map((j) => j.id),
        Array.from({ length: 90 }, (_, i) => i + 1),
      );
    } finally {
      await again.close();
    }
  });
});

test("a store whose journal cannot be replayed for want of space says so in one line, and keeps the journal", { skip }, async () => {
  await withTmpfs(1 << 20, async (dir) => {
    const db = path.join(dir, "db");
    await (await Store.open(db)).close();
    // What a server killed before its fold leaves: journal lines not yet in LevelDB.
    const lines = Array.from({ length: 400 }, (_, i) => journalLine([[`job:${String(i + 1).padStart(12, "0")}`, JSON.stringify(job(i + 1))]]));
    writeFileSync(journalFileName(db, 1), lines.join(""));
    const filler = fillDisk(dir);
    const err = await Store.open(db).then(
      async (s) => (await s.close(), new Error("opened on a full disk")),
      (e: unknown) => e,
    );
    assert.ok(err instanceof StoreError, `a StoreError, not ${String(err)}`);
    assert.match(err.message, /^cannot open the store .*disk is full/);
    assert.doesNotMatch(err.message, /\n/);
    rmSync(filler);
    const store = await Store.open(db);
    try {
      assert.equal((await store.load()).jobs.length, 400, "the journal was kept for the next open");
    } finally {
      await store.close();
    }
  });
});
