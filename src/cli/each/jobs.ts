// `pll each`: the arguments → the commands of its jobs, GNU parallel's way.
// Placeholders {} {.} {/} {//} {/.} {#} and {N} (the Nth ::: group) are
// replaced by the argument, always quoted for the shell; with no placeholder
// the arguments are appended. Several groups make a cartesian product (first
// group outermost). The commands become a generated `.pll` source, so the run
// is an ordinary run of the engine.
import path from "node:path";

/** Words the shell reads as themselves: left unquoted, for readable job commands. */
const SHELL_SAFE = /^[A-Za-z0-9_\/.,:=+@%^-]+$/;

/** `s` as one shell word: a file named `a b; rm -rf x` stays one argument, never code. */
export function shellQuote(s: string): string {
  if (SHELL_SAFE.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const stripExt = (s: string): string => {
  const base = path.posix.basename(s);
  const dot = base.lastIndexOf(".");
  return dot > 0 ? s.slice(0, s.length - (base.length - dot)) : s;
};

/** GNU parallel's replacement strings, on one argument. */
const TRANSFORMS: Record<string, (arg: string) => string> = {
  "": (a) => a,
  ".": stripExt,
  "/": (a) => path.posix.basename(a),
  "//": (a) => path.posix.dirname(a),
  "/.": (a) => stripExt(path.posix.basename(a)),
};

const PLACEHOLDER = /\{(\d*)(|\.|\/|\/\/|\/\.)\}|\{#\}/g;

/** The command for one combination of arguments (one per group), job number `seq`. */
export function commandFor(template: string, args: readonly string[], seq: number): string {
  let used = false;
  const out = template.replace(PLACEHOLDER, (whole, group: string | undefined, kind: string | undefined) => {
    used = true;
    if (whole === "{#}") return String(seq);
    const transform = TRANSFORMS[kind ?? ""]!;
    if (group) {
      const arg = args[Number(group) - 1];
      return arg === undefined ? "" : shellQuote(transform(arg));
    }
    return args.map((a) => shellQuote(transform(a))).join(" ");
  });
  return used ? out : `${out} ${args.map(shellQuote).join(" ")}`;
}

/** Every combination of one value per group, first group outermost. */
export function cartesian(groups: readonly (readonly string[])[]): string[][] {
  let combos: string[][] = [[]];
  for (const g of groups) combos = combos.flatMap((c) => g.map((v) => [...c, v]));
  return combos;
}

export interface EachSettings {
  retry?: number;
  timeout?: string;
}

/**
 * The generated jobset: `jobset each`, the settings, one unlabeled job line per
 * combination (named `each.1`, `each.2`… by the language's rule, so `{#}` is the
 * number in its name). A newline cannot stand in a job line: such an argument is refused.
 */
export function eachSource(template: string, groups: readonly (readonly string[])[], settings: EachSettings): string | { error: string } {
  if (/[\n\r]/.test(template)) return { error: "the command holds a line break; put it in a script and run that" };
  for (const g of groups) for (const a of g) if (/[\n\r\0]/.test(a)) return { error: `the argument ${JSON.stringify(a)} holds a line break or NUL, which pll each cannot pass` };
  const lines = ["jobset each"];
  if (settings.retry !== undefined) lines.push(`retry ${settings.retry}`);
  if (settings.timeout !== undefined) lines.push(`timeout ${settings.timeout}`);
  let seq = 0;
  for (const combo of cartesian(groups)) lines.push(`$ ${commandFor(template, combo, ++seq)}`);
  return `${lines.join("\n")}\n`;
}
