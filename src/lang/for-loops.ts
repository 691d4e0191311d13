// `for NAME in V…`: the variable bindings of an item's instances (a cartesian
// product when several `for`s share a line) and `{var}` expansion in labels
// and `after` refs. Variables never reach command text: they go to the env.
import type { ItemLine, Word } from "./ast.js";
import { checkBareGlob, forSource, sourceValues } from "./for-sources.js";
import { ENV_NAME, type Report } from "./scope.js";

/** One binding per instance: the enclosing variables plus one value of each `for` (first `for` outermost). */
export function forInstances(item: ItemLine, outerVars: Record<string, string>, report: Report, cwd: string): Record<string, string>[] {
  let combos: Record<string, string>[] = [{ ...outerVars }];
  const seen = new Set<string>();
  for (const m of item.mods) {
    if (m.kind !== "for") continue;
    if (!ENV_NAME.test(m.name.text)) report(m.name.span, `\`${m.name.text}\` is not a valid variable name (letters, digits and _, not starting with a digit)`);
    if (seen.has(m.name.text)) report(m.name.span, `\`for ${m.name.text}\` appears twice on this line`);
    seen.add(m.name.text);
    const values = new Set<string>();
    // `glob "…"` / `lines "…"`: the values come from the file system, relative to the enclosing cwd.
    const source = forSource(m.values, report);
    const given = source ? sourceValues(source, cwd, report).map((text) => ({ text, span: source.arg.span })) : m.values;
    for (const v of given) {
      if (!source) checkBareGlob(v, report);
      if (values.has(v.text)) report(v.span, `\`${v.text}\` appears twice in \`for ${m.name.text}\``);
      values.add(v.text);
    }
    combos = combos.flatMap((c) => [...values].map((v) => ({ ...c, [m.name.text]: v })));
  }
  return combos;
}

/** Expand `{var}` placeholders; an unknown one is reported and left as written. */
export function expandVars(w: Word, vars: Record<string, string>, report: Report): string {
  if (!w.text.includes("{")) return w.text;
  return w.text.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
    if (name in vars) return vars[name]!;
    report(w.span, `unknown variable \`{${name}}\` in \`${w.text}\`: no \`for ${name} in …\` encloses it`);
    return whole;
  });
}
