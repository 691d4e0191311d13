// `keep`: how much of a jobset's history pll keeps — `keep 30d` (finished runs
// younger than that), `keep 100 runs` (the newest 100 finished runs) or
// `keep forever`. A setting of the whole file, like `jobset`: on a line of its
// own at the top level. What is pruned, and the defaults: src/core/retention.ts.
import type { Retention } from "../core/types.js";
import type { Modifier } from "./ast.js";
import type { Report } from "./scope.js";
import { parseCount, parseDuration } from "./values.js";

type KeepMod = Extract<Modifier, { kind: "keep" }>;

/** The file's `keep` from its top-level setting lines, if it has one (errors reported). */
export function keepOf(settings: Modifier[], report: Report): Retention | undefined {
  const m = settings.find((x): x is KeepMod => x.kind === "keep");
  return m ? parseKeep(m, report) : undefined;
}

function parseKeep(m: KeepMod, report: Report): Retention | undefined {
  const { value, unit } = m;
  if (value.text === "forever" && !unit) return {};
  if (/^\d+$/.test(value.text)) {
    if (unit?.text !== "runs" && unit?.text !== "run") {
      report(unit?.span ?? value.span, `\`keep ${value.text}\` needs \`runs\` (\`keep ${value.text} runs\`), or a duration like \`keep ${value.text}d\``);
      return undefined;
    }
    const n = parseCount(value.text, "keep", 1);
    if (n.ok) return { runs: n.value };
    report(value.span, n.error);
    return undefined;
  }
  if (unit) {
    report(unit.span, `\`keep ${value.text}\` takes nothing after it, found \`${unit.text}\` (write \`keep 30d\`, \`keep 100 runs\` or \`keep forever\`)`);
    return undefined;
  }
  const d = parseDuration(value.text, "`keep`");
  if (!d.ok) {
    report(value.span, `${d.error}; or \`keep N runs\`, or \`keep forever\``);
    return undefined;
  }
  if (d.value > 0) return { ageMs: d.value };
  report(value.span, `\`keep ${value.text}\` would delete every run as it ends: give a duration above zero, or \`keep forever\``);
  return undefined;
}
