// Putting work in: `load FILE…` (alias `run`) and job lines (`$ make test`,
// `priority high after 12 $ ./x.sh`). The server compiles; a bad file or line
// comes back as formatted diagnostics and is a parse error (exit 2).
import { constants } from "node:fs";
import { access, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { SubmitResponse } from "../server/api-types.js";
import { runRef } from "../core/ref-syntax.js";
import { listIds } from "./format.js";
import { CommandFailed, defineCommand, type Style } from "./types.js";

/**
 * What of a file to send. The server is on this host and reads a regular file
 * itself (a 100,000-job file is then no bigger a request than a small one);
 * anything else — a pipe like `<(gen.sh)`, a /dev/fd — only this process can
 * read, so its text is sent.
 */
async function submittedFile(file: string, arg: string): Promise<{ source?: string }> {
  const cannot = (err: unknown) =>
    new CommandFailed(`cannot read ${arg}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
  try {
    if ((await stat(file)).isFile()) {
      await access(file, constants.R_OK);
      return {};
    }
    return { source: await readFile(file, "utf8") };
  } catch (err) {
    throw cannot(err);
  }
}

function describe(s: SubmitResponse, style: Style): string {
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
    "Relative paths are taken from the current directory. Jobs run in the file's directory unless it says `cwd`.\nThe server reads the file itself (it runs on this host); what is not a regular file (`<(gen.sh)`) is sent as text.",
  async handler(inv, ctx) {
    const results: SubmitResponse[] = [];
    for (const arg of inv.args) {
      const file = path.resolve(ctx.cwd, arg);
      const body = { ...(await submittedFile(file, arg)), path: file, env: ctx.env };
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
