// Issue 15: the shell's job table has a worker column where it fits.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { JobRecord } from "../../src/core/types.js";
import { tableHeading, tableRow } from "../../src/shell/format.js";

const untag = (s: string) => s.replace(/\{\/?[a-z-]*\}/g, "");

const job: JobRecord = {
  id: 7, runId: 1, jobset: "x", key: "k", name: "train", command: "make", cwd: "/", env: {}, priority: 0, deps: [], role: "gpu",
  blocks: [], retry: { count: 0, backoffMs: 0 }, units: 1, hooks: [], state: "success",
  attempts: [{ n: 1, startedAt: 0, endedAt: 1_000, exitCode: 0, worker: "gpu1" }], createdAt: 0, startedAt: 0, endedAt: 1_000, exitCode: 0,
  logOut: "", logErr: "",
};

test("a wide table names each job's worker; a narrow one keeps the name's room instead", () => {
  assert.match(untag(tableHeading(120)), / exit worker +$/);
  assert.match(untag(tableRow(job, 120, 0, false)), / 0 gpu1 *$/);
  assert.equal(untag(tableRow(job, 120, 0, false)).length, 120);
  assert.doesNotMatch(untag(tableHeading(80)), /worker/);
});
