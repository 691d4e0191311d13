// Engine test harness: an engine on a temp home that is always closed (and
// its jobs stopped), plus waiting for runs on events rather than sleeps.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { openEngine, type Engine, type EngineOptions } from "../../src/server/engine.js";
import type { JobGraph, RunRecord } from "../../src/core/types.js";
import { procInfo } from "../../src/exec/proc-status.js";
import { repoRoot, withTempHome } from "../helpers/home.js";

export const fixture = (name: string) => path.join(repoRoot, "test", "fixtures", name);

/** A command that holds its job until `release()` (a file appears in the home), so tests control when jobs end. */
export function gate(home: string): { hold: string; release: () => void } {
  const go = path.join(home, "go");
  return { hold: `${fixture("wait-for-file.sh")} ${go}`, release: () => writeFileSync(go, "") };
}

export async function withEngine<T>(
  fn: (engine: Engine, home: string) => Promise<T>,
  opts: Partial<EngineOptions> = {},
): Promise<T> {
  return withTempHome(async (home) => {
    const engine = await openEngine({ home, killGraceMs: 300, ...opts });
    try {
      return await fn(engine, home);
    } finally {
      await engine.close({ killJobs: true });
    }
  });
}

/** Resolves with the run once it is no longer running. */
export function runEnded(engine: Engine, runId: number, timeoutMs = 20_000): Promise<RunRecord> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`run ${runId} did not end within ${timeoutMs} ms`));
    }, timeoutMs);
    const check = () => {
      const run = engine.getRun(runId);
      if (run && run.state !== "running") {
        clearTimeout(timer);
        off();
        resolve(run);
      }
    };
    const off = engine.subscribe((e) => {
      if (e.type === "run" && e.run.id === runId) check();
    });
    check();
  });
}

export async function runToEnd(engine: Engine, graph: JobGraph): Promise<RunRecord> {
  const { run } = await engine.submit(graph, "");
  return runEnded(engine, run.id);
}

/** A live (not zombie) process? */
export const alive = (pid: number) => {
  const info = procInfo(pid);
  return info !== undefined && !info.zombie;
};

/** Kills leftover pids a test started (by pid, never by name). */
export function killPids(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}
