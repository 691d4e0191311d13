// Fixed texts of the shell: the welcome pane, the help overlay, and reading
// what was typed at the filter prompt.
import type { JobState } from "../core/types.js";
import { escapeTags } from "./format.js";
import type { ViewFilter } from "./model.js";
import type { Pane } from "./render.js";

export const KEY_HELP = [
  "Command bar (default)",
  "  type any command, Enter runs it     ↑/↓ history     Tab completes",
  "  Esc switches to the table           Ctrl-C stops tail -f, else leaves",
  "Table (after Esc)",
  "  ↑/↓ PgUp/PgDn Home/End  move        Enter  follow the job's log",
  "  r retry   k kill   +/- PJC   / filter by state or jobset   ? help",
  "  q  leave (jobs keep running in the server)   any other key: command bar",
];

export function textPane(title: string, text: string): Pane {
  return { title, lines: text === "" ? [] : text.split("\n").map((l) => (l.startsWith("! ") ? { text: l.slice(2), err: true } : { text: l })) };
}

export function welcomePane(): Pane {
  return textPane("welcome", ["Type a command — `help` lists them, `load FILE.pll` starts a jobset, `$ CMD` runs one job.", ...KEY_HELP].join("\n"));
}

export function helpScreen(commandHelp: string): string {
  return escapeTags([...KEY_HELP, "", commandHelp].join("\n"));
}

/** `errored` / `failed` → a state filter; any other word → a jobset; nothing → everything. */
export function filterFromText(text: string, states: readonly JobState[]): ViewFilter {
  const filter: ViewFilter = {};
  for (const word of text.trim().split(/\s+/).filter(Boolean)) {
    const state = word === "failed" ? "errored" : word;
    if ((states as readonly string[]).includes(state)) filter.state = state as JobState;
    else filter.jobset = word;
  }
  return filter;
}
