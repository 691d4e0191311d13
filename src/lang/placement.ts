// Lines that are well-formed but stand in the wrong place: `jobset` inside a
// block, schedules as settings of a block, `for` on a line of its own.
import type { Line } from "./ast.js";
import type { Report } from "./scope.js";
import { SCHEDULE_MODS } from "./schedule-clauses.js";

/** `depth` 0 is the file's top level. */
export function checkPlacement(line: Line, depth: number, report: Report): void {
  if (line.type === "jobset" && depth > 0) report(line.span, "`jobset` names the whole file: put it at the top level, not inside a block");
  if (line.type !== "setting") return;
  for (const m of line.mods) {
    if (m.kind === "for") report(m.span, "`for` goes on an item (`for x in a b $ …` or `for x in a b < … >`), not on a line of its own");
    else if (depth > 0 && m.kind === "keep") report(m.span, "`keep` is a setting of the whole jobset: put it on a line of its own at the top of the file, not inside a block");
    else if (depth > 0 && SCHEDULE_MODS.has(m.kind)) report(m.span, `\`${m.kind}\` can't be a setting inside a block: schedules go on the file or on a top-level item`);
  }
}
