// Building runs of job records for scheduler tests, without a store or a compiler.
import type { JobRecord, RunRecord } from "../../src/core/types.js";

export interface JobShape {
  id: number;
  deps?: number[];
  priority?: number;
  blocks?: string[];
  retry?: { count: number; backoffMs: number };
  units?: number;
  freshMs?: number;
  name?: string;
  jobset?: string;
}

export function runOf(runId: number, shapes: JobShape[], blockPjc: Record<string, number> = {}, jobset = "js"): { run: RunRecord; jobs: JobRecord[] } {
  const jobs = shapes.map(
    (s): JobRecord => ({
      id: s.id,
      runId,
      jobset: s.jobset ?? jobset,
      key: `k${s.id}`,
      name: s.name ?? `job${s.id}`,
      command: "true",
      cwd: "/",
      env: {},
      priority: s.priority ?? 0,
      deps: s.deps ?? [],
      blocks: s.blocks ?? [],
      retry: s.retry ?? { count: 0, backoffMs: 0 },
      units: s.units ?? 1,
      hooks: [],
      state: "pending",
      attempts: [],
      createdAt: 0,
      logOut: "/dev/null",
      logErr: "/dev/null",
      ...(s.freshMs !== undefined ? { freshMs: s.freshMs } : {}),
    }),
  );
  const run: RunRecord = { id: runId, jobset, file: "t.pll", state: "running", createdAt: 0, jobIds: jobs.map((j) => j.id), blockPjc };
  return { run, jobs };
}

export const settings = (pjc: number, more: Partial<import("../../src/core/types.js").Settings> = {}) => ({
  pjc,
  capacity: null,
  paused: [],
  jobsetPjc: {},
  ...more,
});

/** A controllable clock. */
export function fakeClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}
