// `pll run` with no server: this process hosts the engine on $PLL_HOME for the
// length of the run, and serves the socket so `pll shell` can attach.
import type { JobGraph, RunRecord } from "../../core/types.js";
import { homePaths } from "../../home.js";
import { submittedEnv } from "../../exec/job-env.js";
import { launcherFromEnv } from "../../exec/spawner.js";
import { openEngine } from "../../server/engine.js";
import { queueFrom } from "../../remote/queue-url.js";
import type { ApiServer } from "../../server/http.js";
import type { RunOptions } from "./command.js";
import { sayBinding } from "./binding.js";
import { RunFollower } from "./follower.js";

/** `loaded` is emptied once submitted, so the compiled graph can be collected during the run. */
export async function runLocally(home: string, loaded: { graph?: JobGraph; source?: string }, opts: RunOptions): Promise<number> {
  // Schedules are registered here but fire only in a server: this process ends with the run.
  // PLL_QUEUE: role jobs go to the `pll worker`s of that queue, as with a server; its URL stays out of the jobs' environment.
  const queue = queueFrom(undefined);
  delete process.env.PLL_QUEUE;
  const engine = await openEngine({ home, fireSchedules: false, launcher: launcherFromEnv(), ...(queue ? { queue: { config: queue } } : {}) });
  const follower = new RunFollower(opts, { cancel: (ids) => engine.cancel(ids) });
  const unwatch = follower.watchSignals();
  // Served alongside once the run is submitted (below): its jobs do not wait for the HTTP modules to load.
  let api: Promise<ApiServer | undefined> | undefined;
  try {
    const { adopted, endedWhileAway, lost, requeued } = engine.recovery;
    if (adopted.length) process.stderr.write(`pll run: adopted ${adopted.length} job(s) still running from earlier: ${adopted.map((i) => `#${i}`).join(" ")}\n`);
    if (endedWhileAway.length + lost.length)
      process.stderr.write(`pll run: ${endedWhileAway.length} earlier job(s) ended while no engine ran, ${lost.length} lost\n`);
    if (requeued.length) process.stderr.write(`pll run: ${requeued.length} earlier job(s) were dispatched but never started: pending again\n`);

    let runId = -1;
    let finish!: (run: RunRecord) => void;
    const ended = new Promise<RunRecord>((resolve) => (finish = resolve));
    // Events before `begin` are already reflected in the snapshot taken below.
    const unsubscribe = engine.subscribe((e) => {
      if (runId < 0) return;
      follower.onEvent(e);
      if (e.type === "run" && e.run.id === runId && e.run.state !== "running") finish(e.run);
    });
    try {
      // Its jobs run in this process's environment, as they would on a server (src/exec/job-env.ts).
      const graph = { ...loaded.graph!, env: submittedEnv(process.env) };
      // --pjc N: this run's own pjc, as with a server (never stored for the jobset).
      const { run, notices, schedules } = await engine.submit(graph, loaded.source ?? "", {
        allowNoRun: true,
        haltOnFailure: opts.haltOnFailure,
        ...(opts.pjc !== undefined ? { pjc: opts.pjc } : {}),
      });
      delete loaded.graph;
      delete loaded.source;
      api = import("../../server/http.js")
        .then(({ startApiServer }) => startApiServer(engine, { socketPath: homePaths(home).socket, home }))
        .catch((err: Error) => {
          process.stderr.write(`pll run: not serving the socket (${err.message}); pll shell cannot attach\n`);
          return undefined;
        });
      for (const n of notices) process.stderr.write(`pll run: ${n}\n`);
      if (!run) return follower.schedulesOnly(schedules ?? [], "this process");
      if (schedules?.length) process.stderr.write("pll run: the file's schedules fire only while a pll server runs (pll start)\n");
      runId = run.id;
      sayBinding(engine.getRun(runId)!, engine.listJobs({ runId }), engine.settings());
      follower.begin(engine.getRun(runId)!, engine.listJobs({ runId }));
      const now = engine.getRun(runId)!;
      if (now.state !== "running") finish(now);
      const final = await ended;
      return await follower.end(final, engine.listJobs({ runId }));
    } finally {
      unsubscribe();
    }
  } finally {
    unwatch();
    await (await api)?.close();
    // Interrupted: the run's jobs are cancelled already; stop anything else we host too, so nothing is left running.
    await engine.close({ killJobs: follower.interrupted });
  }
}
