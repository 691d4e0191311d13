// `pll run` with a server running on $PLL_HOME: the server compiles and runs
// the file; we follow its events over the socket.
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Client } from "../../client/client.js";
import { ApiError } from "../../client/errors.js";
import { clientEnv } from "../../client/env.js";
import { submitAndFollow } from "../../client/follow.js";
import { UserError } from "../../core/errors.js";
import { exitCodeOf } from "../exit-codes.js";
import type { ScheduleRecord, Submitted } from "../../core/types.js";
import type { SettingsResponse } from "../../server/api-types.js";
import type { RunOptions } from "./command.js";
import { sayBinding } from "./binding.js";
import { RunFollower } from "./follower.js";

/** Thrown out of the submit callback to stop following: the server made no run. */
class SchedulesOnly extends Error {
  constructor(readonly schedules: ScheduleRecord[]) {
    super("the file holds only schedules");
  }
}

export async function runRemotely(client: Client, file: string, opts: RunOptions): Promise<number> {
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch (err) {
    throw new UserError("usage", `can't read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  // Read before submitting, to say at the start which limit binds (the server's limits are other work's too: said, not changed).
  const { settings } = await client.request<SettingsResponse>("GET", "/settings");
  const follower = new RunFollower(opts, {
    cancel: (ids) => Promise.all(ids.map((id) => client.request("POST", `/jobs/${id}/cancel`))),
  });
  const unwatch = follower.watchSignals();
  try {
    // haltOnFailure: the server halts the run itself, in the transition that records the failure; --pjc is this run's own.
    const body = { source, path: file, cwd: path.dirname(file), env: clientEnv(), haltOnFailure: opts.haltOnFailure, ...(opts.pjc !== undefined ? { pjc: opts.pjc } : {}) };
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
        sayBinding(submitted.run, s.jobs, settings);
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
