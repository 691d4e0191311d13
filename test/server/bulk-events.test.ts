// A bulk of events — 25,000 big jobs loaded, then cancelled at once, ~40 MB
// of job events each time — reaches every kind of subscriber without anyone
// being dropped: a raw event stream, `wait`, the shell's live data and a
// `pll run` following its own run meanwhile all end with the right states.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { Client } from "../../src/client/client.js";
import { execute } from "../../src/commands/index.js";
import type { JobRecord, JobState } from "../../src/core/types.js";
import { LiveData } from "../../src/shell/live-data.js";
import { ShellModel } from "../../src/shell/model.js";
import { waitFor, withTempHome } from "../helpers/home.js";
import { exitOf, raw, spawnPll, startServer } from "./server-process.js";

const BULK = 25_000;

test(`${BULK} jobs loaded and cancelled in bulk: every subscriber stays connected and ends with the final states`, { timeout: 180_000 }, async () => {
  await withTempHome(async (home) => {
    const server = await startServer(home);
    const client = new Client(server.socket);
    const streams: { close(): void }[] = [];
    let follower: ReturnType<typeof spawnPll> | undefined;
    try {
      // Each job record is ~1.6 kB: one bulk is ~40 MB of events, past what a stream may hold unsent.
      const filler = "x".repeat(800);
      const lines = ["jobset bulk"];
      for (let i = 0; i < BULK; i++) lines.push(`b${i}: $ echo ${filler} >/dev/null`);
      const bulkFile = path.join(home, "bulk.pll");
      await writeFile(bulkFile, lines.join("\n") + "\n");
      const release = path.join(home, "go");
      const fewFile = path.join(home, "few.pll");
      await writeFile(fewFile, `jobset few\npjc 3\n${[1, 2, 3].map((i) => `f${i}: $ while [ ! -e ${release} ]; do sleep 0.02; done`).join("\n")}\n`);
      assert.equal((await raw(server, "POST", "/settings/pause", JSON.stringify({ jobset: "bulk" }))).status, 200);
      assert.equal((await raw(server, "POST", "/settings/pjc", JSON.stringify({ pjc: 4 }))).status, 200);

      // 1. a raw subscriber keeping the latest state per job
      const latest = new Map<number, JobState>();
      let rawEnded = false;
      const stream = client.events((e) => void (e.type === "job" && latest.set(e.job.id, e.job.state)));
      streams.push(stream);
      void stream.done.then(() => (rawEnded = true), () => (rawEnded = true));
      await stream.ready;

      // 2. the shell's live data (it reconnects, with a notice, when its stream is dropped)
      const model = new ShellModel();
      const live = new LiveData(client, model, () => {});
      streams.push(live);
      await live.start();

      // 3. `pll run` of another jobset, following its run over its own stream while the bulks go by
      follower = spawnPll(home, ["run", fewFile]);
      // Listened for now: under load the run can end before the bulks are through, and a late `once` would wait forever.
      const followerExit = exitOf(follower);
      let runOut = "";
      follower.stdout!.setEncoding("utf8").on("data", (c: string) => (runOut += c));
      follower.stderr!.setEncoding("utf8").on("data", (c: string) => (runOut += c));
      await waitFor(async () => (await raw(server, "GET", "/jobs?jobset=few&state=running")).json.jobs?.length === 3, "the followed run's jobs to start");

      // the first bulk: 25,000 jobs created
      const loaded = await raw(server, "POST", "/runs", JSON.stringify({ path: bulkFile }));
      assert.equal(loaded.status, 201, loaded.text.slice(0, 300));
      const bulkIds: number[] = loaded.json.run.jobIds;
      assert.equal(bulkIds.length, BULK);

      // 4. `wait bulk`, subscribed before the second bulk
      let waitReady: Promise<unknown> | undefined;
      const waitingClient = new Client(server.socket);
      const subscribe = waitingClient.events.bind(waitingClient);
      waitingClient.events = (onEvent, opts) => {
        const s = subscribe(onEvent, opts);
        waitReady = s.ready;
        return s;
      };
      const waited = execute("wait bulk", { client: waitingClient, cwd: home, env: {} });
      await waitFor(() => waitReady !== undefined, "wait to subscribe");
      await waitReady;

      // the second bulk: all 25,000 cancelled at once
      const cancelled = await raw(server, "POST", "/jobs/bulk/cancel");
      assert.equal(cancelled.status, 200, cancelled.text.slice(0, 300));
      await writeFile(release, "");

      const result = await waited;
      waitingClient.close();
      assert.equal(result.code, 1, result.output);
      assert.match(result.output, new RegExp(`^failed: ${BULK} jobs \\(${BULK} cancelled\\)`));

      await waitFor(() => bulkIds.every((id) => latest.get(id) === "cancelled"), "the raw subscriber to see every job cancelled", 60_000);
      assert.equal(rawEnded, false, "the raw stream is still open");
      // (Every job, of both runs: the model's counters count only the current run.)
      const inModel = (state: JobState) => [...model.jobs.values()].filter((j) => j.state === state).length;
      await waitFor(() => inModel("cancelled") === BULK && inModel("success") === 3, "the shell model to catch up", 60_000);
      assert.ok(!model.notices.some((n) => /reconnecting/.test(n.message)), "the shell's stream was never dropped");

      assert.equal(await followerExit, 0, runOut);
      follower = undefined;
    } finally {
      // The held jobs end by themselves once released, whatever state the server is in.
      await writeFile(path.join(home, "go"), "").catch(() => {});
      if (follower?.exitCode === null) follower.kill("SIGTERM");
      for (const s of streams) s.close();
      client.close();
      await raw(server, "POST", "/jobs/all/kill").catch(() => {});
      await server.stop();
    }
  });
});
