// `tail N [-n LINES] [-f]`: a job's output from its log files, stderr lines
// marked `! `; `-f` follows live (over the log endpoint) until the job ends.
import type { JobRecord } from "../core/types.js";
import type { LogLine } from "../server/api-types.js";
import { parseCount } from "./args.js";
import { makeStyle, paintState } from "./format.js";
import { getJob } from "./jobs-api.js";
import { defineCommand, type Style } from "./types.js";

interface TailResult {
  job: JobRecord;
  /** the lines, unless they were streamed as they came */
  lines: LogLine[];
  followed: boolean;
}

export const renderLogLine = (l: LogLine, style: Style): string => (l.stream === "err" ? style.chalk.red(`! ${l.line}`) : l.line);

export const tail = defineCommand<TailResult>({
  name: "tail",
  args: [{ name: "N", kind: "job" }],
  options: {
    lines: { type: "string", short: "n", description: "only the last LINES lines of each stream" },
    follow: { type: "boolean", short: "f", description: "follow new output until the job ends" },
  },
  summary: "a job's output (stdout and stderr, stderr marked `! `); -f follows live until the job ends",
  check(inv) {
    if (typeof inv.options.lines === "string") parseCount(inv.options.lines, "-n", 0);
  },
  async handler(inv, ctx, out) {
    const job = await getJob(ctx.client, inv.args[0]!);
    const follow = inv.options.follow === true;
    const query = new URLSearchParams({ format: "ndjson" });
    if (typeof inv.options.lines === "string") query.set("tail", inv.options.lines);
    if (follow) query.set("follow", "1");
    const style = makeStyle(ctx.color ?? false);
    const lines: LogLine[] = [];
    await ctx.client.lines<LogLine>(
      `/jobs/${job.id}/log?${query}`,
      (l) => (out.streaming ? out.emit(renderLogLine(l, style), l) : lines.push(l)),
      ctx.signal,
    );
    return { job: follow ? await getJob(ctx.client, job.id) : job, lines, followed: follow };
  },
  format(r, style) {
    const text = r.lines.map((l) => renderLogLine(l, style));
    if (r.followed) text.push(style.chalk.dim(`── #${r.job.id} ${r.job.name}: `) + paintState(r.job.state, style) + (r.job.reason ? style.chalk.dim(` (${r.job.reason})`) : ""));
    return text.join("\n");
  },
});
