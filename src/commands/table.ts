// THE command table: every command of the command language, in the order
// `help` lists them. CLI arguments, stdin lines and the shell all go through it.
// `help` and `quit` live here because help reads the table; `version` because it is as small.
import { readFileSync } from "node:fs";
import { cancel, kill, priority, retry, start } from "./cmd-actions.js";
import { jobLine, load } from "./cmd-load.js";
import { runs, schedules, show, status } from "./cmd-listing.js";
import { capacity, pause, pjc, resume, unschedule } from "./cmd-settings.js";
import { prune } from "./cmd-prune.js";
import { report } from "./cmd-report.js";
import { tail } from "./cmd-tail.js";
import { wait } from "./cmd-wait.js";
import { defineCommand, UsageError, type Command } from "./types.js";

export function helpText(command?: string): string {
  if (command !== undefined) {
    const c = findCommand(command === "$" ? "$" : command.replace(/^\$.*/, "$"));
    if (!c) throw new UsageError(`help: unknown command '${command}'`);
    const lines = [`usage: ${usageOf(c)}`, "", c.summary];
    if (c.aliases?.length) lines.push(`also: ${c.aliases.join(", ")}`);
    for (const [long, o] of Object.entries(c.options ?? {})) lines.push(`  ${o.short ? `-${o.short}, ` : ""}--${long}  ${o.description}`);
    if (c.details) lines.push("", c.details);
    if (c.name !== "help" && c.name !== "quit" && c.name !== "version" && c.name !== "$") lines.push("", "--json prints the result as JSON.");
    return lines.join("\n");
  }
  const rows = commands.map((c) => [usageOf(c) + (c.aliases?.length ? ` (${c.aliases.join(", ")})` : ""), c.summary] as const);
  const width = Math.max(...rows.map(([u]) => u.length));
  return [
    "commands (CLI: `pll COMMAND…`; stdin: one per line to `pll shell`; --json on any):",
    ...rows.map(([u, s]) => `  ${u.padEnd(width)}  ${s}`),
    "",
    "exit status: 0 ok, 1 a job or command failed, 2 usage or parse error, 3 server unreachable",
    "a server silent for 30 s ($PLL_TIMEOUT seconds; a submit 10 times that) is unreachable; following streams wait as long as needed",
  ].join("\n");
}

export const help = defineCommand<{ text: string }>({
  name: "help",
  args: [{ name: "COMMAND", kind: "command", optional: true }],
  summary: "this list, or one command in full",
  server: "none",
  handler: async (inv) => ({ text: helpText(inv.args[0]) }),
  format: (r) => r.text,
});

export const quit = defineCommand<{ quit: true }>({
  name: "quit",
  aliases: ["q", "detach", "exit"],
  args: [],
  summary: "leave the shell (the server and its jobs go on)",
  server: "none",
  handler: async () => ({ quit: true }),
  format: () => "",
});

export const version = defineCommand<{ version: string }>({
  name: "version",
  args: [],
  summary: "the version of pll (also `pll --version`)",
  server: "none",
  // package.json sits beside dist/, three levels above dist/src/commands/.
  handler: async () => ({ version: (JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }).version }),
  format: (r) => `pll ${r.version}`,
});

export const commands: readonly Command<unknown>[] = [
  load,
  jobLine,
  pjc,
  status,
  show,
  tail,
  retry,
  kill,
  start,
  pause,
  resume,
  priority,
  cancel,
  runs,
  schedules,
  unschedule,
  prune,
  wait,
  capacity,
  report,
  help,
  version,
  quit,
];

const byName = new Map<string, Command<unknown>>();
for (const c of commands) for (const n of [c.name, ...(c.aliases ?? [])]) byName.set(n, c);

export const findCommand = (name: string): Command<unknown> | undefined => byName.get(name);

/** Every name and alias users can type (job lines excepted). */
export const commandNames: readonly string[] = [...byName.keys()].filter((n) => n !== "$");

export function usageOf(c: Command<unknown>): string {
  const args = c.args.map((a) => {
    const text = a.variadic ? `${a.name}…` : a.name;
    return a.optional ? `[${text}]` : text;
  });
  const opts = Object.entries(c.options ?? {}).map(([long, o]) => `[${o.short ? `-${o.short}` : `--${long}`}${o.type === "string" ? ` ${long.toUpperCase()}` : ""}]`);
  if (c.name === "$") return "[MODIFIERS] $ CMD";
  return [c.name, ...args, ...opts].join(" ");
}
