// The report's data from records: groups by block in job order, one bar per
// attempt with its outcome, concurrency steps, the critical path, hook logs.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { JobRecord, RunRecord, Settings } from "../../src/core/types.js";
import { buildReport } from "../../src/report/model.js";

const settings: Settings = { pjc: 4, capacity: null, paused: [], jobsetPjc: {} };
const run: RunRecord = { id: 3, jobset: "s", file: "/f.pll", state: "failed", createdAt: 1000, endedAt: 1100, jobIds: [10, 11, 12, 13], blockPjc: { "": 6, "3:b": 2 } };
const job = (id: number, over: Partial<Record<string, unknown>>): JobRecord =>
  ({ id, runId: 3, jobset: "s", name: `j${id}`, key: `j${id}`, command: "true", cwd: "/", env: {}, priority: 0, retry: { count: 0, backoffMs: 0 }, units: 1, hooks: [], deps: [], blocks: [], attempts: [], createdAt: 1000, logOut: "", logErr: "", state: "success", ...over }) as unknown as JobRecord;

test("jobs in number order, grouped by block path; bars per attempt; concurrency; critical path; the smallest pjc", () => {
  const jobs = [
    job(12, { blocks: ["3:b", "3:a"], deps: [11], attempts: [{ n: 1, startedAt: 1030, endedAt: 1040, exitCode: 1 }, { n: 2, startedAt: 1040, endedAt: 1090, exitCode: 0 }] }),
    job(10, { attempts: [{ n: 1, startedAt: 1000, endedAt: 1010, exitCode: 0 }] }),
    job(11, { blocks: ["3:a"], deps: [10], attempts: [{ n: 1, startedAt: 1010, endedAt: 1030, exitCode: 0 }] }),
    job(13, { blocks: ["3:a"], deps: [10], state: "errored", attempts: [{ n: 1, startedAt: 1010, endedAt: 1100, exitCode: 143, signal: "SIGTERM", reason: "timeout" }] }),
  ];
  const r = buildReport(run, jobs, settings, { host: "h", timeZone: "UTC", now: 2000, stderr: new Map([[13, ["late"]]]), hooks: new Map() });
  assert.deepEqual(r.jobs.map((j) => [j.id, r.groups[j.group]!.name]), [[10, ""], [11, "a"], [12, "a / b"], [13, "a"]]);
  assert.equal(r.groups[2]!.pjc, 2);
  assert.deepEqual(r.jobs.map((j) => j.attempts.map((a) => a.outcome)), [["success"], ["success"], ["failed", "success"], ["timeout"]]);
  assert.deepEqual(r.concurrency, [[1000, 1], [1010, 2], [1030, 2], [1040, 2], [1090, 1], [1100, 0]]);
  assert.deepEqual(r.criticalPath, [10, 13]);
  assert.deepEqual(r.jobs.filter((j) => j.critical).map((j) => j.id), [10, 13]);
  assert.deepEqual(r.jobs[3]!.stderrTail, ["late"]);
  assert.equal(r.pjc, 4);
  assert.deepEqual([r.start, r.end], [1000, 1100]);
});


test("a job's worker is its last attempt's", () => {
  const jobs = [
    job(10, { attempts: [{ n: 1, startedAt: 1000, endedAt: 1010, exitCode: 1, worker: "gpu1" }, { n: 2, startedAt: 1010, endedAt: 1020, exitCode: 0, worker: "gpu2" }] }),
    job(11, { attempts: [{ n: 1, startedAt: 1000, endedAt: 1010, exitCode: 0 }] }),
  ];
  const r = buildReport({ ...run, jobIds: [10, 11] }, jobs, settings, { host: "h", timeZone: "UTC", now: 2000, stderr: new Map(), hooks: new Map() });
  assert.deepEqual(r.jobs.map((j) => j.worker), ["gpu2", undefined]);
});
