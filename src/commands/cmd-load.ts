// Putting work in: `load FILE…` (alias `run`) and job lines (`$ make test`,
// `priority high after 12 $ ./x.sh`). The server compiles; a bad file or line
// comes back as formatted diagnostics and is a parse error (exit 2).
import { UserError } from "../core/errors.js";
import { jobsetInput } from "../lang/jobset-input.js";
import type { SubmitResponse } from "../server/api-types.js";
import { runRef } from "../core/ref-syntax.js";
import { listIds } from "./format.js";
import { defineCommand, type CommandContext, type Style } from "./types.js";

/**
 * What of a jobset input to send. The server is on this host and reads a regular
 * file itself (a 100,000-job file is then no bigger a request than a small one);
 * anything else — stdin, a pipe like `<(gen.sh)` — only this process can read, so its
 * text is sent, with the directory its jobs run in (ours) — and so is a file's to a TCP server.
 */
async function submitBody(arg: string, ctx: CommandContext): Promise<Record<string, unknown>> {
  const input = await jobsetInput(arg, ctx.cwd, { stdin: ctx.stdin === true });
  // A TCP server (PLL_SERVER) may be on another host: it gets the text.
  if (input.regular && !ctx.client.tcp) return { path: input.path, env: ctx.env };
  // The compiler's module only when it is needed (it is large; `pll status` never loads it).
  const { formatDiagnostics, readJobset } = await import("../lang/index.js");
  const read = await readJobset(input);
  // Bytes that are not text: the one diagnostic check gives, a parse error (exit 2).
  if (read.diagnostics.length) throw new UserError("usage", formatDiagnostics(read.diagnostics, read.source).trimEnd());
  return { source: read.source, ...(input.path !== undefined ? { path: input.path } : {}), cwd: input.cwd, env: ctx.env };
}

export function describe(s: SubmitResponse, style: Style): string {
  const jobs = s.jobs.length === 0 ? "no jobs" : `${s.jobs.length} job${s.jobs.length === 1 ? "" : "s"} ${listIds(s.jobs, 6)}`;
  const names = (s.schedules ?? []).map((r) => r.name).join(", ");
  const lines = s.run
    ? [`${style.chalk.bold(`run ${runRef(s.run.id)}`)} ${s.run.jobset}: ${jobs}`]
    : [`${style.chalk.bold(s.schedules?.[0]?.jobset ?? "jobset")}: schedules only (${names || "none"}) — registered; nothing runs until they fire (see \`schedules\`)`];
  for (const n of s.notices) lines.push(`  ${n}`);
  return lines.join("\n");
}

export const load = defineCommand<SubmitResponse[]>({
  name: "load",
  aliases: ["run"],
  args: [{ name: "FILE.pll", kind: "file", variadic: true }],
  server: "start",
  summary: "parse, store and start a jobset; prints the run and job numbers",
  details:
    "Relative paths are taken from the current directory. Jobs run in the file's directory unless it says `cwd`.\nThe server reads the file itself (it runs on this host); what is not a regular file (`-` for stdin, `<(gen.sh)`) is sent as text, and its jobs run in the current directory.",
  async handler(inv, ctx) {
    const results: SubmitResponse[] = [];
    for (const arg of inv.args) {
      const body = await submitBody(arg, ctx);
      // A file that does not compile comes back as a "usage" error: exit 2.
      results.push(await ctx.client.request<SubmitResponse>("POST", "/runs", body, { slow: true }));
    }
    return results;
  },
  format: (results, style) => results.map((r) => describe(r, style)).join("\n"),
});

/** Not in the table by name: execute() sends every line with a `$` word here. */
export const jobLine = defineCommand<SubmitResponse>({
  name: "$",
  args: [{ name: "CMD", kind: "text", variadic: true }],
  server: "start",
  summary: "enqueue one job, written exactly as a job line of a .pll file (`[MODIFIERS] $ CMD`)",
  details: "It runs in this directory with this environment, like a command typed into a shell.\nExample: priority high after 12 $ ./cleanup.sh",
  handler: (inv, ctx) => ctx.client.request<SubmitResponse>("POST", "/jobs", { line: inv.line, cwd: ctx.cwd, env: ctx.env }),
  format: (r, style) => r.jobs.map((j) => `${style.chalk.bold(`#${j.id}`)} ${j.name}: queued (run ${r.run ? runRef(r.run.id) : "-"})`).join("\n") || describe(r, style),
});
