// POST /prune: forget finished runs, records and logs together (src/server/prune.ts).
import type { PruneResult } from "../core/types.js";
import { UserError } from "../core/errors.js";
import { parseDuration } from "../lang/values.js";
import { validate, type Route, type RouteContext } from "./routing.js";

async function prune(ctx: RouteContext): Promise<{ body: PruneResult }> {
  const { olderThan, jobset, dryRun } = await validate("pruneBody", await ctx.body());
  let olderThanMs: number | undefined;
  if (olderThan !== undefined) {
    const d = parseDuration(olderThan, "olderThan");
    if (!d.ok) throw new UserError("usage", `invalid request body.olderThan: ${d.error}`);
    olderThanMs = d.value;
  }
  const result = await ctx.engine.prune({
    ...(olderThanMs !== undefined ? { olderThanMs } : {}),
    ...(jobset !== undefined ? { jobset } : {}),
    ...(dryRun ? { dryRun } : {}),
  });
  return { body: result };
}

export const pruneRoutes: Route[] = [{ method: "POST", path: "/prune", handler: prune }];
