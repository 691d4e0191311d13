// /settings (pjc, capacity, pause/resume), /schedules, /workers (issue 15), and the server's own
// /health and /shutdown.
import type { HealthResponse, ScheduleListResponse, SettingsResponse } from "./api-types.js";
import type { EngineControl } from "../core/types.js";
import { UserError } from "../core/errors.js";
import { seqNow } from "./event-log.js";
import { validate, type Route, type RouteContext } from "./routing.js";

/** The settings as they are now (a change's own answer too: it was read before the change's last await), and their event number. */
const settingsNow = (engine: EngineControl): SettingsResponse => ({ settings: engine.settings(), seq: seqNow(engine) });

const settings = (ctx: RouteContext): { body: SettingsResponse } => ({ body: settingsNow(ctx.engine) });

async function setPjc(ctx: RouteContext): Promise<{ body: SettingsResponse }> {
  const { pjc, jobset } = await validate("pjcBody", await ctx.body());
  await ctx.engine.setPjc(pjc, jobset);
  return { body: settingsNow(ctx.engine) };
}

async function setCapacity(ctx: RouteContext): Promise<{ body: SettingsResponse }> {
  const { capacity } = await validate("capacityBody", await ctx.body());
  await ctx.engine.setCapacity(capacity);
  return { body: settingsNow(ctx.engine) };
}

const pauseOrResume =
  (which: "pause" | "resume") =>
  async (ctx: RouteContext): Promise<{ body: SettingsResponse }> => {
    const { jobset } = await validate("pauseBody", await ctx.body());
    const target = jobset === "all" ? undefined : jobset;
    await ctx.engine[which](target);
    return { body: settingsNow(ctx.engine) };
  };

const schedules = (ctx: RouteContext): { body: ScheduleListResponse } => ({ body: { schedules: ctx.engine.listSchedules() } });

/** An unknown name is the engine's UserError (404, with "did you mean …"), passed on as it is. */
async function unschedule(ctx: RouteContext): Promise<{ body: { ok: true } }> {
  await ctx.engine.unschedule(ctx.params.name!);
  return { body: { ok: true } };
}

const health = (ctx: RouteContext): { body: HealthResponse } => ({ body: { ok: true, pid: process.pid, home: ctx.home } });

function shutdown(ctx: RouteContext): { status: number; body: { ok: true } } {
  if (!ctx.shutdown) throw new UserError("not-found", "this server cannot be stopped over the API (it ends with its run)");
  // Answer first: the server closes its connections while stopping.
  setImmediate(ctx.shutdown);
  return { status: 202, body: { ok: true } };
}

export const settingsRoutes: Route[] = [
  { method: "GET", path: "/settings", handler: settings },
  { method: "POST", path: "/settings/pjc", handler: setPjc },
  { method: "POST", path: "/settings/capacity", handler: setCapacity },
  { method: "POST", path: "/settings/pause", handler: pauseOrResume("pause") },
  { method: "POST", path: "/settings/resume", handler: pauseOrResume("resume") },
  { method: "GET", path: "/schedules", handler: schedules },
  { method: "DELETE", path: "/schedules/:name", handler: unschedule },
  { method: "POST", path: "/schedules/:name/unschedule", handler: unschedule },
  { method: "GET", path: "/workers", handler: (ctx: RouteContext) => ({ body: ctx.engine.workers() }) },
  { method: "GET", path: "/health", handler: health },
  { method: "POST", path: "/shutdown", handler: shutdown },
];
