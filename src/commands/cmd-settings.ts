// Changing how the server dispatches: pjc, capacity, pause/resume, unschedule.
import type { Settings } from "../core/types.js";
import type { ScheduleListResponse, SettingsResponse } from "../server/api-types.js";
import { requireJobset } from "./jobs-api.js";
import { CommandFailed, defineCommand, type Command, type CommandContext } from "./types.js";

const post = async (ctx: CommandContext, path: string, body: unknown) =>
  (await ctx.client.request<SettingsResponse>("POST", path, body)).settings;

export const pjc = defineCommand<{ settings: Settings; jobset?: string }>({
  name: "pjc",
  args: [
    { name: "N", kind: "number", min: 1 },
    { name: "JOBSET", kind: "jobset", optional: true },
  ],
  summary: "set the parallel job count — global, or of one jobset; takes effect at once",
  async handler(inv, ctx) {
    const n = Number(inv.args[0]);
    const jobset = inv.args[1];
    if (jobset !== undefined) await requireJobset(ctx.client, jobset);
    return { settings: await post(ctx, "/settings/pjc", { pjc: n, ...(jobset ? { jobset } : {}) }), ...(jobset ? { jobset } : {}) };
  },
  format: (r) => (r.jobset ? `pjc of ${r.jobset}: ${r.settings.jobsetPjc[r.jobset] ?? "?"}` : `pjc: ${r.settings.pjc}`),
});

export const capacity = defineCommand<Settings>({
  name: "capacity",
  args: [{ name: "N|unlimited", kind: "number", words: ["unlimited"] }],
  summary: "resource units available for `units`",
  async handler(inv, ctx) {
    const arg = inv.args[0]!;
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
