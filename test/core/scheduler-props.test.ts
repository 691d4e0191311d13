// Property tests: random DAGs, limits and outcomes, run to the end.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Scheduler } from "../../src/core/scheduler.js";
import { FINAL_STATES, type JobRecord } from "../../src/core/types.js";
import { fakeClock, runOf, settings, type JobShape } from "./records.js";

interface Case {
  pjc: number;
  blockPjc: number;
  capacity: number | null;
  jobs: JobShape[];
  /** per job: exit codes of its attempts, in order (missing → 0) */
  exits: number[][];
  picks: number[];
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    n: fc.integer({ min: 1, max: 30 }),
    pjc: fc.integer({ min: 1, max: 5 }),
    blockPjc: fc.integer({ min: 1, max: 3 }),
    capacity: fc.option(fc.integer({ min: 3, max: 6 }), { nil: null }),
    seed: fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 200, maxLength: 200 }),
  })
  .map(({ n, pjc, blockPjc, capacity, seed }) => {
    let k = 0;
    const r = (m: number) => seed[k++ % seed.length]! % m;
    const jobs: JobShape[] = [];
    const exits: number[][] = [];
    for (let i = 1; i <= n; i++) {
      const deps = [...new Set(Array.from({ length: r(3) }, () => 1 + r(i)).filter((d) => d < i))];
      jobs.push({
        id: i,
        deps,
        priority: r(3) - 1,
        blocks: r(2) ? ["1:b"] : [],
        retry: { count: r(2), backoffMs: r(2) * 100 },
        units: 1 + r(3),
      });
      exits.push([r(4) === 0 ? 1 : 0, r(3) === 0 ? 1 : 0]);
    }
    return { pjc, blockPjc, capacity, jobs, exits, picks: seed };
  });

test("random DAGs: no job starts before its dependencies, no limit is exceeded, every job ends", () => {
  fc.assert(
    fc.property(caseArb, (c) => {
      const clock = fakeClock();
      const s = new Scheduler(settings(c.pjc, { capacity: c.capacity }), clock.now);
      const { run, jobs } = runOf(1, c.jobs, { "1:b": c.blockPjc });
      s.addRun(run, jobs);
      const running: JobRecord[] = [];
      let step = 0;
      for (let guard = 0; guard < 10_000; guard++) {
        const d = s.dispatch();
        for (const job of d.start) {
          for (const dep of job.deps) {
            const st = s.jobs.get(dep)!.state;
            assert.ok(st === "success" || st === "skipped", `#${job.id} started before #${dep} (${st})`);
          }
          running.push(job);
        }
        assert.ok(running.length <= c.pjc, "global pjc exceeded");
        assert.ok(running.filter((j) => j.blocks.length).length <= c.blockPjc, "block pjc exceeded");
        if (c.capacity !== null)
          assert.ok(running.reduce((a, j) => a + j.units, 0) <= c.capacity, "capacity exceeded");
        if (running.length === 0) {
          if (d.timerAt === undefined) break;
          clock.advance(d.timerAt - clock.now());
          continue;
        }
        const [job] = running.splice(c.picks[step++ % c.picks.length]! % running.length, 1);
        const code = c.exits[job!.id - 1]![job!.attempts.length - 1] ?? 0;
        s.finish(job!.id, { exitCode: code });
      }
      for (const job of s.jobs.values()) {
        assert.ok(
          FINAL_STATES.has(job.state) || job.state === "blocked",
          `#${job.id} left ${job.state} (units ${job.units}, capacity ${c.capacity})`,
        );
        if (job.state === "blocked") assert.ok(job.deps.some((d) => s.jobs.get(d)!.state !== "success"));
      }
      assert.notEqual(s.runs.get(run.id)!.state, "running");
    }),
    { numRuns: 400 },
  );
});
