// `rerun RUN [--failed | --from JOB] [--reload]`: a new run of part of a run's
// jobset (POST /runs/ID/rerun, src/server/rerun.ts). Like `load`, it gives the
// server jobs to run, so the CLI starts one when none runs.
import type { SubmitResponse } from "../server/api-types.js";
import { runArg, runIdOf } from "./run-arg.js";
import { describe } from "./cmd-load.js";
import { defineCommand, UsageError } from "./types.js";

export const rerun = defineCommand<SubmitResponse>({
  name: "rerun",
  args: [{ name: "RUN", kind: "text" }],
  options: {
    failed: { type: "boolean", description: "only what did not succeed (errored, blocked, cancelled); what succeeded counts as done" },
    from: { type: "string", description: "JOB (number or name) and everything downstream of it, whatever their state" },
    reload: { type: "boolean", description: "compile the run's file anew instead of using the graph stored with the run" },
  },
  server: "start",
  summary: "a new run of a run's jobset: all of it, --failed, or --from JOB and what waits for it",
  details:
    "RUN is r12 or 12. Jobs left out count as done: what waits only for them starts at once. A run whose file changed since is rerun from the graph stored with it (said so) unless --reload. Follow the new run with `wait` or the shell.",
  check(inv) {
    if (inv.args[0] === undefined) throw new UsageError("rerun: expected a run (r12 or 12)");
    runArg("rerun", inv.args[0]);
    if (inv.options.failed === true && inv.options.from !== undefined) throw new UsageError("rerun: --failed and --from exclude each other");
    if (inv.options.from === "") throw new UsageError("rerun: --from needs a JOB");
  },
  async handler(inv, ctx) {
    const id = await runIdOf(ctx.client, "rerun", inv.args[0]);
    const body = {
      ...(inv.options.failed === true ? { failed: true } : {}),
      ...(typeof inv.options.from === "string" ? { from: inv.options.from } : {}),
      ...(inv.options.reload === true ? { reload: true } : {}),
      env: ctx.env,
    };
    return ctx.client.request<SubmitResponse>("POST", `/runs/${id}/rerun`, body, { slow: true });
  },
  format: (r, style) => describe(r, style),
});
