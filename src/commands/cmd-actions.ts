// Acting on jobs: retry, kill, start, cancel, priority. References are passed
// to the server as typed (number, name, `failed`, `all`, a jobset for cancel).
import type { JobRecord } from "../core/types.js";
import type { JobResponse, JobsResponse } from "../server/api-types.js";
import { parsePriority } from "./args.js";
import { paintState, priorityName } from "./format.js";
import { resolveJob } from "./jobs-api.js";
import { defineCommand, type Command, type Style } from "./types.js";

const ref = (text: string) => encodeURIComponent(text.replace(/^#/, ""));

const changed = (verb: string) => (jobs: JobRecord[], style: Style) =>
  jobs.length === 0 ? `nothing to ${verb}` : jobs.map((j) => `#${j.id} ${j.name}: ${paintState(j.state, style)}`).join("\n");

function bulk(name: string, verb: string, argName: string, words: string[], summary: string, kind: "job" | "job-or-jobset" = "job"): Command<unknown> {
  return defineCommand<JobRecord[]>({
    name,
    args: [{ name: argName, kind, words }],
    summary,
    async handler(inv, ctx) {
      return (await ctx.client.request<JobsResponse>("POST", `/jobs/${ref(inv.args[0]!)}/${name}`)).jobs;
    },
    format: changed(verb),
  });
}

export const retry = bulk("retry", "retry", "N|NAME|failed", ["failed"], "re-queue errored/cancelled job(s); blocked dependants continue when they succeed");
export const kill = bulk("kill", "kill", "N|all", ["all"], "stop running job(s): SIGTERM to the job's process group and those its descendants moved to, SIGKILL after a grace period");
export const cancel = bulk("cancel", "cancel", "N|JOBSET", [], "remove pending jobs (state `cancelled`)", "job-or-jobset");

export const start = defineCommand<JobRecord>({
  name: "start",
  args: [{ name: "N", kind: "job" }],
  summary: "start a pending job now, past its pjc (not past its dependencies)",
  async handler(inv, ctx) {
    const job = await resolveJob(ctx.client, inv.args[0]!);
    return (await ctx.client.request<JobResponse>("POST", `/jobs/${job.id}/start`)).job;
  },
  format: (j, style) => `#${j.id} ${j.name}: ${paintState(j.state, style)}`,
});

export const priority = defineCommand<JobRecord>({
  name: "priority",
  args: [
    { name: "N", kind: "job" },
    { name: "high|normal|low|INT", kind: "priority" },
  ],
  summary: "change a pending job's priority",
  async handler(inv, ctx) {
    const value = parsePriority(inv.args[1]!);
    const job = await resolveJob(ctx.client, inv.args[0]!);
    return (await ctx.client.request<JobResponse>("POST", `/jobs/${job.id}/priority`, { priority: value })).job;
  },
  format: (j) => `#${j.id} ${j.name}: priority ${priorityName(j.priority)}`,
});
