// `pll run` with a server running on $PLL_HOME: the server compiles and runs
// the file; we follow its events over the socket.
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Client } from "../client/client.js";
import { submitAndFollow } from "../client/follow.js";
import { UserError } from "../core/types.js";
import type { RunOptions } from "./run.js";
import { RunFollower } from "./run-follow.js";

export async function runRemotely(client: Client, file: string, opts: RunOptions): Promise<number> {
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch (err) {
    throw new UserError(`can't read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (opts.pjc !== undefined) await client.request("POST", "/settings/pjc", { pjc: opts.pjc });
  const follower = new RunFollower(opts, {
    cancel: (ids) => Promise.all(ids.map((id) => client.request("POST", `/jobs/${id}/cancel`))),
  });
  const unwatch = follower.watchSignals();
  try {
    const { run, jobs } = await submitAndFollow(
      client,
      { source, path: file, cwd: path.dirname(file), env: process.env as Record<string, string> },
      follower.onEvent,
      (s) => {
        for (const n of s.notices) process.stderr.write(`pll run: ${n}\n`);
        follower.begin(s.run, s.jobs);
      },
    );
    return follower.end(run, jobs);
  } catch (err) {
    const e = err as Error & { status?: number };
    if (e.name === "ApiError") {
      process.stderr.write(`${e.message}\n`);
      return e.status === 400 ? 2 : 1;
    }
    throw err;
  } finally {
    unwatch();
    client.close();
  }
}
