// `joblog [RUN]`: a run's jobs in GNU parallel's --joblog format (joblog-format.ts).
import type { RunListResponse, RunResponse } from "../server/api-types.js";
import type { Client } from "../client/client.js";
import { renderJoblog } from "./joblog-format.js";
import { CommandFailed, defineCommand, UsageError } from "./types.js";

/**
 * A run as users write it in these commands: `r12` or `12`; none: the newest run.
 * (A small parse of its own: run references elsewhere are being reworked.)
 */
export async function runIdOf(client: Client, ref: string | undefined): Promise<number> {
  if (ref === undefined) {
    const { runs } = await client.request<RunListResponse>("GET", "/runs?limit=1");
    const newest = runs[runs.length - 1];
    if (!newest) throw new CommandFailed("no runs yet");
    return newest.id;
  }
  const m = /^r?(\d{1,9})$/.exec(ref);
  if (!m) throw new UsageError(`expected a run (r12 or 12), got '${ref}'`);
  return Number(m[1]);
}

export const joblog = defineCommand<{ text: string } & RunResponse>({
  name: "joblog",
  args: [{ name: "RUN", kind: "text", optional: true }],
  summary: "a run's jobs in GNU parallel's --joblog format (default: the newest run)",
  details:
    "Tab-separated, with a header: Seq Host Starttime JobRuntime Send Receive Exitval Signal Command, one line per job that ran, in the order they ended. RUN is r12 or 12.",
  check(inv) {
    const ref = inv.args[0];
    if (ref !== undefined && !/^r?\d{1,9}$/.test(ref)) throw new UsageError(`joblog: expected a run (r12 or 12), got '${ref}'`);
  },
  async handler(inv, ctx) {
    const id = await runIdOf(ctx.client, inv.args[0]);
    const got = await ctx.client.request<RunResponse>("GET", `/runs/${id}`);
    return { ...got, text: renderJoblog(got.run, got.jobs) };
  },
  format: (r) => r.text.trimEnd(),
});
