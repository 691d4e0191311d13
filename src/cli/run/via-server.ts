// `pll run` with a server running on $PLL_HOME: the server compiles and runs
// the file; we follow its events over the socket.
import type { Client } from "../../client/client.js";
import { ApiError } from "../../client/errors.js";
import { submitAndFollow } from "../../client/follow.js";
import { exitCodeOf } from "../exit-codes.js";
import type { ScheduleRecord, Submitted } from "../../core/types.js";
import type { SettingsResponse } from "../../server/api-types.js";
import type { RunOptions } from "./command.js";
import type { JobsetInput } from "../../lang/jobset-input.js";
import { RunFollower } from "./follower.js";

/** Thrown out of the submit callback to stop following: the server made no run. */
class SchedulesOnly extends Error {
  constructor(readonly schedules: ScheduleRecord[]) {
    super("the file holds only schedules");
  }
}

export async function runRemotely(client: Client, input: JobsetInput, source: string, opts: RunOptions): Promise<number> {
  // --pjc limits this file's jobset, not the server's other work; set before submitting so the run starts under it.
  if (opts.pjc !== undefined) {
    const jobset = await jobsetOf(source, input.label);
    if (jobset !== undefined) {
      const { settings } = await client.request<SettingsResponse>("POST", "/settings/pjc", { pjc: opts.pjc, jobset });
      // The server's global limit is other users' too: say so rather than raise it.
      if (settings.pjc < opts.pjc)
        process.stderr.write(`pll run: the server's global pjc is ${settings.pjc}, so this run gets at most ${settings.pjc} at a time (\`pll pjc ${opts.pjc}\` raises it)\n`);
    }
  }
  const follower = new RunFollower(opts, {
    cancel: (ids) => Promise.all(ids.map((id) => client.request("POST", `/jobs/${id}/cancel`))),
  });
  const unwatch = follower.watchSignals();
  try {
    // haltOnFailure: the server halts the run itself, in the transition that records the failure.
    const body = { source, ...(input.path !== undefined ? { path: input.path } : {}), cwd: input.cwd, env: process.env as Record<string, string>, haltOnFailure: opts.haltOnFailure };
    const { run, jobs } = await submitAndFollow(
      client,
      body,
      follower.onEvent,
      (s) => {
        for (const n of s.notices) process.stderr.write(`pll run: ${n}\n`);
        // A file of schedules only makes no run (or, from a server that makes one anyway, an empty one): nothing to follow.
        const submitted = s as Submitted;
        const schedules = submitted.schedules ?? [];
        if (!submitted.run || (submitted.run.jobIds.length === 0 && schedules.length)) throw new SchedulesOnly(schedules);
        follower.begin(submitted.run, s.jobs);
      },
    );
    return follower.end(run, jobs);
  } catch (err) {
    if (err instanceof SchedulesOnly) return follower.schedulesOnly(err.schedules, "server");
    // The server's answer (diagnostics of a bad file, file:line:col…) as it is, without a prefix.
    if (err instanceof ApiError) {
      process.stderr.write(`${err.message}\n`);
      return exitCodeOf(err.kind);
    }
    throw err;
  } finally {
    unwatch();
    client.close();
  }
}

/** The jobset a file loads into (undefined if it does not compile: the server then reports why). */
async function jobsetOf(source: string, file: string): Promise<string | undefined> {
  const { compileSource } = await import("../../lang/index.js");
  return compileSource(source, file).graph?.jobset;
}
