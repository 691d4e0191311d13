// Tab completion: command names first, then each argument by its kind — job
// numbers and names, jobsets, states, .pll files, priorities. Returns whole
// candidate lines (the line with its last word completed), sorted.
import { readdir } from "node:fs/promises";
import path from "node:path";
import type { RunListResponse, ScheduleListResponse } from "../server/api-types.js";
import { jobStates } from "../server/api-types.js";
import { fetchJobs } from "./jobs-api.js";
import { commandNames, findCommand } from "./table.js";
import type { ArgKind, CommandContext } from "./types.js";
import { isJobLine, quoteWord, splitWords } from "./words.js";

export async function complete(partialLine: string, ctx: CommandContext): Promise<string[]> {
  if (isJobLine(partialLine)) return [];
  let words: string[];
  try {
    words = splitWords(partialLine);
  } catch {
    return []; // inside an open quote
  }
  const endsWithSpace = /\s$/.test(partialLine) || partialLine === "";
  const current = endsWithSpace ? "" : (words.pop() ?? "");
  const before = partialLine.slice(0, partialLine.length - rawLength(partialLine, endsWithSpace));
  let candidates: string[];
  if (words.length === 0) {
    candidates = [...commandNames];
  } else {
    const command = findCommand(words[0]!);
    const positionals = words.slice(1).filter((w) => !w.startsWith("-"));
    const spec = command?.args[Math.min(positionals.length, (command?.args.length ?? 1) - 1)];
    if (!command || !spec || (positionals.length >= command.args.length && !spec.variadic)) return [];
    if (current.startsWith("-")) candidates = [...Object.entries(command.options ?? {}).map(([l]) => `--${l}`), "--json"];
    else candidates = [...(spec.words ?? []), ...(await valuesOf(spec.kind, current, ctx))];
  }
  const matches = [...new Set(candidates)].filter((c) => c.startsWith(current)).sort(byNumberThenText);
  return matches.map((m) => before + (words.length === 0 ? m : quoteWord(m)));
}

/** How many characters the last (partial) word takes at the end of the line. */
function rawLength(line: string, endsWithSpace: boolean): number {
  if (endsWithSpace) return 0;
  const m = /\S+$/.exec(line);
  return m ? m[0].length : 0;
}

function byNumberThenText(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isInteger(na) && Number.isInteger(nb)) return na - nb;
  return a.localeCompare(b);
}

async function valuesOf(kind: ArgKind, current: string, ctx: CommandContext): Promise<string[]> {
  switch (kind) {
    case "job":
    case "job-or-jobset": {
      const jobs = await fetchJobs(ctx.client);
      const values = jobs.flatMap((j) => [String(j.id), j.name]);
      return kind === "job" ? values : [...values, ...jobs.map((j) => j.jobset)];
    }
    case "jobset": {
      const { runs } = await ctx.client.request<RunListResponse>("GET", "/runs?limit=500");
      return [...runs.map((r) => r.jobset), ...jobStates];
    }
    case "state":
      return [...jobStates];
    case "priority":
      return ["high", "normal", "low"];
    case "command":
      return [...commandNames];
    case "schedule":
      return (await ctx.client.request<ScheduleListResponse>("GET", "/schedules")).schedules.map((s) => s.name);
    case "file":
      return pllFiles(ctx.cwd, current);
    default:
      return [];
  }
}

/** `.pll` files and directories next to what is typed so far. */
async function pllFiles(cwd: string, current: string): Promise<string[]> {
  const dirPart = current.includes("/") ? current.slice(0, current.lastIndexOf("/") + 1) : "";
  try {
    const entries = await readdir(path.resolve(cwd, dirPart || "."), { withFileTypes: true });
    return entries
      .filter((e) => !e.name.startsWith(".") || current.startsWith(dirPart + "."))
      .filter((e) => e.isDirectory() || e.name.endsWith(".pll"))
      .map((e) => dirPart + e.name + (e.isDirectory() ? "/" : ""));
  } catch {
    return [];
  }
}
