// `pll help [NAME]`: the CLI's help. The list names the CLI's own verbs
// (src/cli/verbs.ts) and then the commands of the command language; one name
// prints a verb's own USAGE (what `pll VERB --help` prints) or a command's page.
// Where a verb shares its name with a command (`run`, `start`), the CLI meaning
// comes first and the command's in one line. Reads no home, needs no server.
import { commandNames, findCommand, helpText, usageOf } from "../commands/index.js";
import { UserError } from "../core/errors.js";
import { nearest } from "../lang/suggest.js";
import { cliVerbs } from "./verbs.js";

export const USAGE = `usage: pll help [NAME]
  the CLI's verbs and the commands of the command language, or one of them in full
  (the same as \`pll NAME --help\`)`;

export async function main(args: string[]): Promise<number> {
  if (args.length === 1 && (args[0] === "--help" || args[0] === "-h")) return print(USAGE, "stdout", 0);
  // `--json` and other words are the command language's `help` (its usage errors included).
  if (args.length > 1 || args.some((a) => a.startsWith("-"))) return (await import("./command.js")).main(["help", ...args]);
  if (args.length === 0) return list("stdout");
  const name = args[0]!;
  if (Object.hasOwn(cliVerbs, name)) {
    const { USAGE: usage } = await cliVerbs[name]!.load();
    return print([usage.trimEnd(), ...alsoCommand(name)].join("\n\n"), "stdout", 0);
  }
  try {
    return print(helpText(name), "stdout", 0);
  } catch {
    const guess = nearest(name, [...Object.keys(cliVerbs), ...commandNames]);
    throw new UserError("usage", `help: unknown command '${name}'${guess ? ` (did you mean '${guess}'?)` : ""} — \`pll help\` lists them`);
  }
}

/** Every verb, then every command; on stderr with exit 2 when `pll` was given nothing. */
export function list(to: "stdout" | "stderr"): number {
  const verbs = Object.entries(cliVerbs);
  const width = Math.max(...verbs.map(([name]) => name.length));
  // `help` means the same in both; the others do not.
  const shared = verbs.map(([name]) => name).filter((name) => name !== "help" && findCommand(name) !== undefined);
  const text = [
    "pll VERB … (`pll help VERB` or `pll VERB --help` for one in full):",
    ...verbs.map(([name, v]) => `  pll ${name.padEnd(width)}  ${v.summary}`),
    `In the shell and stdin scripts, ${shared.join(" and ")} are the commands below (\`pll help NAME\` says both).`,
    "",
    helpText(),
  ].join("\n");
  return print(text, to, to === "stdout" ? 0 : 2);
}

/** The one line on what a verb's name means in the command language, if it names a command there. */
function alsoCommand(verb: string): string[] {
  const c = findCommand(verb);
  if (!c) return [];
  const what = c.name === verb ? `is the command \`${usageOf(c)}\`` : `is \`${c.name}\` (\`pll help ${c.name}\`)`;
  return [`In the shell and stdin scripts, \`${verb}\` ${what}: ${c.summary}.`];
}

function print(text: string, to: "stdout" | "stderr", code: number): number {
  process[to].write(text + "\n");
  return code;
}
