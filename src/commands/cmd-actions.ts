// Acting on jobs: retry, kill, start, cancel, priority. References and scope
// flags are passed to the server as typed (`12`, `r5`, a name, `failed`,
// `all`, a jobset; `--run rN`, `--jobset NAME`, `--all`): it resolves them.
import type { JobRecord } from "../core/types.js";
import type { JobResponse, JobsResponse } from "../server/api-types.js";
import { parsePriority } from "./args.js";
import { paintState, priorityName } from "./format.js";
import { SCOPE_OPTIONS, scopeQuery } from "./scope-options.js";
import { defineCommand, type Command, type Style } from "./types.js";

const ref = (text: string) => encodeURIComponent(text.replace(/^#/, ""));

const changed = (verb: string) => (jobs: JobRecord[], style: Style) =>
  jobs.length === 0 ? `nothing to ${verb}` : jobs.map((j) => `#${j.id} ${j.name}: ${paintState(j.state, style)}`).join("\n");

function bulk(name: string, verb: string, argName: string, words: string[], summary: string, kind: "job" | "job-or-jobset" = "job"): Command<unknown> {
  return defineCommand<JobRecord[]>({
    name,
    args: [{ name: argName, kind, words }],
    options: SCOPE_OPTIONS,
    summary,
    details: "A set (`failed`, `all`, a name, a jobset) is taken from the current run — the runs still active, else the most recent run — unless `--run rN`, `--jobset NAME` or `--all` says otherwise; `12` is a job, `r5` a run.",
    async handler(inv, ctx) {
      return (await ctx.client.request<JobsResponse>("POST", `/jobs/${ref(inv.args[0]!)}/${name}${scopeQuery(inv)}`)).jobs;
    },
    format: changed(verb),
  });
}

export const retry = bulk("retry", "retry", "N|rN|NAME|failed|all", ["failed", "all"], "re-queue errored/cancelled job(s); blocked dependants continue when they succeed");
export const kill = bulk("kill", "kill", "N|rN|all", ["all"], "stop running job(s): SIGTERM to the job's process group and those its descendants moved to, SIGKILL after a grace period");
export const cancel = bulk("cancel", "cancel", "N|rN|JOBSET|all", ["all"], "remove pending jobs (state `cancelled`)", "job-or-jobset");

export const start = defineCommand<JobRecord>({
  name: "start",
  args: [{ name: "N", kind: "job" }],
  summary: "start a pending job now, past its pjc (not past its dependencies)",
  async handler(inv, ctx) {
    return (await ctx.client.request<JobResponse>("POST", `/jobs/${ref(inv.args[0]!)}/start`)).job;
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
    return (await ctx.client.request<JobResponse>("POST", `/jobs/${ref(inv.args[0]!)}/priority`, { priority: value })).job;
  },
  format: (j) => `#${j.id} ${j.name}: priority ${priorityName(j.priority)}`,
});
