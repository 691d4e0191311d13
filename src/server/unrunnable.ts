// What a submit refuses because it could never run, as a load error (400, exit 2) in the
// compiler's form (`file:line:col: error: …`), before anything is recorded: a job that needs
// more units than the capacity (it would wait forever), an `at` time already past (a
// schedule that would never fire).
import { UserError } from "../core/errors.js";
import { checkSchedule, describeSchedule, firstFireAt, formatTime, zoneOf } from "../core/recurrence.js";
import type { JobGraph, Settings, SourceLoc } from "../core/types.js";

const at = (loc: SourceLoc, message: string) => new UserError("usage", `${loc.file}:${loc.line}:${loc.col}: error: ${message}`);

export function refuseUnrunnable(graph: JobGraph, settings: Pick<Settings, "capacity">, now: number): void {
  const { capacity } = settings;
  if (capacity !== null) {
    const big = graph.jobs.find((j) => j.units > capacity);
    if (big)
      throw at(big.loc, `job \`${big.name}\` needs ${big.units} units, more than the capacity (${capacity}): it could never start (\`pll capacity ${big.units}\` raises it)`);
  }
  for (const spec of graph.schedules) {
    // A malformed one is refused by the schedule runner, saying what is wrong with it.
    if (spec.at === undefined || checkSchedule(spec) !== undefined || firstFireAt(spec, now) !== null) continue;
    throw at(spec.loc, `${describeSchedule(spec)} is in the past (it is now ${formatTime(now, zoneOf(spec))}): the schedule would never fire`);
  }
}
