// `joblog [RUN]`: a run's jobs in GNU parallel's --joblog format (joblog-format.ts).
import type { RunResponse } from "../server/api-types.js";
import { runArg, runIdOf } from "./run-arg.js";
import { renderJoblog } from "./joblog-format.js";
import { defineCommand } from "./types.js";

export const joblog = defineCommand<{ text: string } & RunResponse>({
  name: "joblog",
  args: [{ name: "RUN", kind: "text", optional: true }],
  summary: "a run's jobs in GNU parallel's --joblog format (default: the newest run)",
  details:
    "Tab-separated, with a header: Seq Host Starttime JobRuntime Send Receive Exitval Signal Command, one line per job that ran, in the order they ended. RUN is r12 or 12.",
  check(inv) {
    const ref = inv.args[0];
    if (ref !== undefined) runArg("joblog", ref);
  },
  async handler(inv, ctx) {
    const id = await runIdOf(ctx.client, "joblog", inv.args[0]);
    const got = await ctx.client.request<RunResponse>("GET", `/runs/${id}`);
    return { ...got, text: renderJoblog(got.run, got.jobs) };
  },
  format: (r) => r.text.trimEnd(),
});
