// `for f in glob "data/*.txt"` and `for h in lines "hosts.txt"`: the values of
// a `for` taken from the file system, relative to the enclosing `cwd` (the
// file's directory unless a `cwd` says otherwise). A glob's matches are
// sorted; `*`, `?` and `[…]` match within one path segment, and not a leading
// `.` unless the pattern's segment starts with one. `lines` takes the file's
// non-empty lines. Either is an error when it gives nothing, unless the word
// `optional` follows: then the item has no instances.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Word } from "./ast.js";
import { globRegExp } from "./deps.js";
import type { Report } from "./scope.js";

const GLOB_CHARS = /[*?[]/;

/** `glob "…" [optional]` / `lines "…" [optional]` among a `for`'s values, or undefined for a plain list. */
export function forSource(values: readonly Word[], report: Report): { kind: "glob" | "lines"; arg: Word; optional: boolean } | undefined {
  const first = values[0];
  if (!first || first.quoted || (first.text !== "glob" && first.text !== "lines")) return undefined;
  const arg = values[1];
  const extra = values[2];
  if (!arg || !arg.quoted || values.length > 3 || (extra && (extra.quoted || extra.text !== "optional"))) {
    report(first.span, `\`${first.text}\` takes one string and maybe \`optional\`: \`for f in ${first.text} "${first.text === "glob" ? "data/*.txt" : "hosts.txt"}"\` (quote \`"${first.text}"\` for the word itself)`);
    return undefined;
  }
  return { kind: first.text, arg, optional: extra !== undefined };
}

/** The values a source gives, or undefined if it could not be read (reported). */
export function sourceValues(src: { kind: "glob" | "lines"; arg: Word; optional: boolean }, cwd: string, report: Report): string[] {
  let values: string[];
  if (src.kind === "lines") {
    const file = path.resolve(cwd, src.arg.text);
    try {
      values = readFileSync(file, "utf8").split(/\r?\n/).filter((l) => l.trim() !== "");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      report(src.arg.span, `can't read \`${src.arg.text}\` (${file}): ${code === "ENOENT" ? "no such file" : (code ?? (err as Error).message)}`);
      return [];
    }
  } else values = globFiles(src.arg.text, cwd);
  if (values.length === 0 && !src.optional)
    report(src.arg.span, `\`${src.kind} "${src.arg.text}"\` gives nothing (in ${cwd}); write \`${src.kind} "${src.arg.text}" optional\` if that may be`);
  return values;
}

/** Paths matching `pattern` (as written: relative ones relative to `cwd`), sorted. */
export function globFiles(pattern: string, cwd: string): string[] {
  const absolute = pattern.startsWith("/");
  const segments = pattern.split("/").filter((s, i) => s !== "" || i === 0);
  let found: string[] = [absolute ? "/" : ""];
  for (const [i, seg] of segments.entries()) {
    if (absolute && i === 0) continue;
    const next: string[] = [];
    for (const base of found) {
      if (!GLOB_CHARS.test(seg)) {
        next.push(join(base, seg));
        continue;
      }
      const re = globRegExp(seg);
      let names: string[];
      try {
        names = readdirSync(path.resolve(cwd, base || "."));
      } catch {
        continue;
      }
      for (const n of names) if ((seg.startsWith(".") || !n.startsWith(".")) && re.test(n)) next.push(join(base, n));
    }
    found = next;
  }
  // Literal segments are taken as written: keep only what exists.
  return found.filter((p) => p !== "" && p !== "/" && existsSync(path.resolve(cwd, p))).sort();
}

const join = (base: string, name: string): string => (base === "" ? name : base === "/" ? `/${name}` : `${base}/${name}`);

/** A bare value that looks like a glob is one value, not a glob: say how to write one. */
export function checkBareGlob(v: Word, report: Report): void {
  if (!v.quoted && GLOB_CHARS.test(v.text))
    report(v.span, `\`${v.text}\` is one value, not a glob: write \`for … in glob "${v.text}"\` for the files it matches (or quote it for the text)`);
}
