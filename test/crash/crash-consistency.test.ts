// Issue 12's crash-consistency suite, bounded for CI: a few trials per kind of
// crash, each a few hundred short jobs at pjc 8 with several SIGKILLs, every
// job judged from its own marks — ran exactly once per recorded attempt, its
// state and exit code the true ones, nothing left pending or running.
// bench/crash-soak.ts runs many more of the same trials.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { describeTrial, modesFor, runCrashTrial, stopAllTrials, type KillKind, type TrialOptions } from "./crash-trial.js";

// A trial that timed out never reached its own `finally`.
after(stopAllTrials);

const SEED = process.env.PLL_CRASH_SEED ? Number(process.env.PLL_CRASH_SEED) : Math.floor(Math.random() * 2 ** 31);

async function trial(opts: Omit<TrialOptions, "seed" | "log"> & { seedOffset: number }): Promise<void> {
  const result = await runCrashTrial({ ...opts, seed: SEED + opts.seedOffset });
  assert.ok(result.mismatches.length === 0 && result.notes.length === 0, `\n${describeTrial(result)}\n(replay with PLL_CRASH_SEED=${SEED})`);
}

test("with no kills, every job runs once and is recorded with its true exit code (the suite's own control)", () =>
  trial({ kind: "server", jobs: 150, kills: 0, seedOffset: 50 }));

// One kill of each mode a trial (crash-trial.ts: plain, burst, stalled burst, and for the server probed).
const kinds: { kind: KillKind; what: string }[] = [
  { kind: "server", what: "the server" },
  { kind: "spawner", what: "the job spawner" },
  { kind: "both", what: "the server and the spawner at once" },
];

for (const [k, { kind, what }] of kinds.entries()) {
  const kills = modesFor(kind).length;
  describe(`SIGKILL of ${what}`, () => {
    test("every job runs exactly once and is recorded with its true exit code (trial 1)", () =>
      trial({ kind, jobs: 150, kills, seedOffset: 10 * k }));
    test("every job runs exactly once and is recorded with its true exit code (trial 2)", () =>
      trial({ kind, jobs: 150, kills, seedOffset: 10 * k + 1 }));
  });
}

test("with `retry 1` on the failing jobs, every attempt runs once and the failing ones run twice, across kills of both", () =>
  trial({ kind: "both", jobs: 120, kills: 4, retryFailing: 1, seedOffset: 100 }));
