// Changing how the server dispatches: pjc, capacity, pause/resume, unschedule.
import { limitsLine, runLimits } from "../core/pjc-limits.js";
import type { RunRecord, Settings } from "../core/types.js";
import type { RunListResponse, ScheduleListResponse, SettingsResponse } from "../server/api-types.js";
import { requireJobset } from "./jobs-api.js";
import { CommandFailed, defineCommand, type Command, type CommandContext } from "./types.js";

const post = async (ctx: CommandContext, path: string, body: unknown) =>
  (await ctx.client.request<SettingsResponse>("POST", path, body)).settings;

type PjcResult = { settings: Settings; jobset?: string; runs?: RunRecord[] };

export const pjc = defineCommand<PjcResult>({
  name: "pjc",
  args: [
    { name: "N|reset", kind: "number", min: 1, optional: true, words: ["reset"] },
    { name: "JOBSET", kind: "jobset", optional: true },
  ],
  summary: "show or set the parallel job count — global, or of one jobset; takes effect at once",
  details: [
    "pjc: the limits now, and each active run's: its own pjc, its jobset's, the global one, the capacity, and which binds.",
    "pjc N: a global cap over every job (there is none unless set). pjc N JOBSET: a cap over all runs of JOBSET together.",
    "pjc reset [JOBSET]: remove that cap. A run's own pjc is `pll run --pjc N`, else its file's `pjc`, else the CPU count.",
  ].join("\n"),
  async handler(inv, ctx) {
    const [what, jobset] = inv.args;
    if (what === undefined) {
      const [{ settings }, { runs }] = await Promise.all([
        ctx.client.request<SettingsResponse>("GET", "/settings"),
        ctx.client.request<RunListResponse>("GET", "/runs?state=running"),
      ]);
      return { settings, runs };
    }
    const n = what === "reset" ? null : Number(what);
    if (jobset !== undefined && n === null) {
      const { settings } = await ctx.client.request<SettingsResponse>("GET", "/settings");
      if (settings.jobsetPjc[jobset] === undefined) throw new CommandFailed(`jobset ${jobset} has no pjc of its own to reset`);
    } else if (jobset !== undefined) await requireJobset(ctx.client, jobset);
    return { settings: await post(ctx, "/settings/pjc", { pjc: n, ...(jobset ? { jobset } : {}) }), ...(jobset ? { jobset } : {}) };
  },
  format: (r) => (r.runs ? pjcNow(r.settings, r.runs) : r.jobset ? `pjc of ${r.jobset}: ${r.settings.jobsetPjc[r.jobset] ?? "none"}` : `pjc: ${r.settings.pjc ?? "none"}`),
});

/** `pjc` with no argument: every limit there is, and what binds each active run. */
function pjcNow(s: Settings, runs: RunRecord[]): string {
  const jobsets = Object.entries(s.jobsetPjc).map(([name, n]) => `${name} ${n}`);
  return [
    `global pjc: ${s.pjc ?? "none"}${s.pjc === null ? " (each run is held to its own: --pjc, its file's pjc, else the CPU count)" : ""}`,
    `jobset pjc: ${jobsets.length ? jobsets.join(", ") : "none"}`,
    `capacity: ${s.capacity === null ? "unlimited" : s.capacity}`,
    ...runs.map((run) => limitsLine(runLimits(run, s))),
  ].join("\n");
}

export const capacity = defineCommand<Settings>({
  name: "capacity",
  args: [{ name: "N|unlimited", kind: "number", words: ["unlimited"], optional: true }],
  summary: "show or set the resource units available for `units`",
  async handler(inv, ctx) {
    const arg = inv.args[0];
    if (arg === undefined) return (await ctx.client.request<SettingsResponse>("GET", "/settings")).settings;
    const value = arg === "unlimited" ? null : Number(arg);
    return post(ctx, "/settings/capacity", { capacity: value });
  },
  format: (s) => `capacity: ${s.capacity === null ? "unlimited" : s.capacity}`,
});

function pauseOrResume(which: "pause" | "resume", summary: string): Command<unknown> {
  return defineCommand<Settings>({
    name: which,
    args: [{ name: "JOBSET|all", kind: "jobset", optional: true, words: ["all"] }],
    summary,
    async handler(inv, ctx) {
      const jobset = inv.args[0];
      return post(ctx, `/settings/${which}`, jobset && jobset !== "all" ? { jobset } : {});
    },
    format: (s) => (s.paused.length === 0 ? "dispatching: all jobsets" : s.paused.includes("*") ? "paused: everything" : `paused: ${s.paused.join(", ")}`),
  });
}

export const pause = pauseOrResume("pause", "stop dispatching (all, or one jobset); running jobs go on");
export const resume = pauseOrResume("resume", "restart dispatching (all, or one jobset)");

export const unschedule = defineCommand<{ name: string }>({
  name: "unschedule",
  args: [{ name: "NAME", kind: "schedule" }],
  summary: "remove a recurring schedule (its runs so far stay)",
  async handler(inv, ctx) {
    const name = await scheduleNamed(ctx, inv.args[0]!);
    await ctx.client.request("DELETE", `/schedules/${encodeURIComponent(name)}`);
    return { name };
  },
  format: (r) => `unscheduled ${r.name}`,
});

/**
 * The full name `word` means: itself, or the one schedule whose last path
 * segment it is (`checks` for `healthcheck/checks`). Anything else goes to the
 * server as typed, whose refusal carries the did-you-mean.
 */
async function scheduleNamed(ctx: CommandContext, word: string): Promise<string> {
  const { schedules } = await ctx.client.request<ScheduleListResponse>("GET", "/schedules");
  if (word.includes("/") || schedules.some((s) => s.name === word)) return word;
  const ending = schedules.map((s) => s.name).filter((n) => n.endsWith(`/${word}`));
  if (ending.length > 1) throw new CommandFailed(`\`${word}\` names ${ending.length} schedules: ${ending.sort().join(", ")} — give the full name`);
  return ending[0] ?? word;
}
