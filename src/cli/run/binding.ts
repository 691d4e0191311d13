// `pll run`, at its start: one line when a limit wider than the run's own pjc
// (the jobset's, the global pjc, the units capacity) holds it to fewer jobs at once.
import { bindingNotice, fewestUnits, runLimits } from "../../core/pjc-limits.js";
import type { JobRecord, RunRecord, Settings } from "../../core/types.js";

export function sayBinding(run: RunRecord, jobs: readonly JobRecord[], settings: Settings): void {
  const notice = bindingNotice(runLimits(run, settings, fewestUnits(jobs)), run.jobIds.length);
  if (notice) process.stderr.write(`pll run: ${notice}\n`);
}
