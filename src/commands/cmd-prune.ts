// `prune [--older-than D] [--jobset NAME] [--dry-run]`: forget finished runs,
// their records and their log directories (POST /prune).
import { runRef } from "../core/ref-syntax.js";
import type { PruneResult } from "../core/types.js";
import { parseDuration } from "../lang/values.js";
import { requireJobset } from "./jobs-api.js";
import { defineCommand, UsageError } from "./types.js";

/** Runs as users write them (r4, r7-r9), consecutive ones as a range. */
const ranges = (ids: number[]): string => {
  const out: string[] = [];
  for (let i = 0; i < ids.length; ) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j]! + 1) j++;
    out.push(i === j ? runRef(ids[i]!) : `${runRef(ids[i]!)}-${runRef(ids[j]!)}`);
    i = j + 1;
  }
  return out.length > 12 ? `${out.slice(0, 12).join(", ")}, …` : out.join(", ");
};

export const prune = defineCommand<PruneResult>({
  name: "prune",
  args: [],
  options: {
    "older-than": { type: "string", description: "finished runs that ended longer ago than this duration (e.g. 7d); else what each jobset's `keep` lets go" },
    jobset: { type: "string", description: "only this jobset's runs" },
    "dry-run": { type: "boolean", description: "say what would be pruned, remove nothing" },
  },
  summary: "forget finished runs: their records and their logs (running runs are never touched)",
  details:
    "Without --older-than, prunes what retention would: each jobset keeps what its file's `keep` says, else finished runs for 30 days, and a jobset a schedule fires at most its newest 100 finished runs. pll applies this by itself when a run ends and every hour; `prune` does it now, or by age with --older-than (`--older-than 0s`: every finished run).",
  check(inv) {
    const d = inv.options["older-than"];
    if (typeof d === "string") {
      const p = parseDuration(d, "--older-than");
      if (!p.ok) throw new UsageError(`prune: ${p.error}`);
    }
  },
  async handler(inv, ctx) {
    const olderThan = inv.options["older-than"];
    const jobset = inv.options.jobset;
    if (typeof jobset === "string") await requireJobset(ctx.client, jobset);
    return ctx.client.request<PruneResult>("POST", "/prune", {
      ...(typeof olderThan === "string" ? { olderThan } : {}),
      ...(typeof jobset === "string" ? { jobset } : {}),
      ...(inv.options["dry-run"] === true ? { dryRun: true } : {}),
    });
  },
  format: (r) => {
    if (!r.runs.length) return r.dryRun ? "nothing would be pruned" : "nothing to prune";
    const what = `${r.runs.length} run${r.runs.length === 1 ? "" : "s"} (${r.jobs} job${r.jobs === 1 ? "" : "s"}): ${ranges(r.runs)}`;
    return r.dryRun ? `would prune ${what}` : `pruned ${what}`;
  },
});
