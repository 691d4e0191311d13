// A client's snapshot and the event stream, reconciled once (client/live-state.ts)
// against a real server: events are numbered (SSE ids), answers say which
// number they are consistent with, and a reconnect with Last-Event-ID gets
// what it missed — or is told to take a new snapshot.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Client } from "../../src/client/client.js";
import { jobKeyOf, LiveState, runKeyOf, settingsKey } from "../../src/client/live-state.js";
import type { EngineEvent, JobRecord } from "../../src/core/types.js";
import type { JobListResponse, JobResponse, RunListResponse, RunResponse, SettingsResponse, SubmitResponse } from "../../src/server/api-types.js";
import { waitFor, withTempHome } from "../helpers/home.js";
import { raw, startServer, withServer, type ServerProcess } from "./server-process.js";

const post = async (server: ServerProcess, path: string, body?: unknown) => {
  const res = await raw(server, "POST", path, body === undefined ? undefined : JSON.stringify(body));
  assert.ok(res.status < 300, `${path}: ${res.status} ${res.text}`);
  return res.json;
};

/** A job that fails at once, and its id, once it has failed and its run has ended (no event of it is still to come). */
async function failedJob(server: ServerProcess, home: string): Promise<number> {
  const submitted: SubmitResponse = await post(server, "/jobs", { line: "$ exit 3", cwd: home });
  const id = submitted.jobs[0]!.id;
  await waitFor(async () => ((await raw(server, "GET", `/jobs/${id}`)).json as JobResponse).job.state === "errored", "the job to fail");
  await waitFor(async () => ((await raw(server, "GET", `/runs/${submitted.run!.id}`)).json as RunResponse).run.state !== "running", "its run to end");
  return id;
}

test("events carry increasing ids, and every answer with records says which event it is consistent with", async () => {
  await withServer(async (server, home) => {
    const client = new Client(server.socket);
    const ids: number[] = [];
    const stream = client.events((_e, seq) => void ids.push(seq!));
    try {
      const ready = await stream.ready;
      assert.ok(Number.isSafeInteger(ready.seq), `ready says where the stream starts: ${JSON.stringify(ready)}`);
      assert.equal(ready.resumed, undefined, "nothing was asked to resume");
      await failedJob(server, home);
      const list: JobListResponse = (await raw(server, "GET", "/jobs")).json;
      await waitFor(() => ids.at(-1) === list.seq, "the stream to reach the snapshot's number");
      assert.ok(ids.length >= 4, `a run and its job's changes: ${ids.length} events`);
      assert.ok(ids.every((id, i) => id > (i === 0 ? ready.seq! : ids[i - 1]!)), `ids increase: ${ids.join(" ")}`);
      for (const path of ["/jobs?limit=5", "/jobs/1", "/runs", "/runs/1", "/settings"]) {
        assert.equal((await raw(server, "GET", path)).json.seq, list.seq, `${path} says the same number while nothing changes`);
      }
    } finally {
      stream.close();
      client.close();
    }
  });
});

test("an event that arrives between subscription and snapshot is neither lost nor applied twice", async () => {
  await withServer(async (server, home) => {
    const client = new Client(server.socket);
    const taken: EngineEvent[] = [];
    const live = new LiveState(client, (e) => taken.push(e));
    try {
      const { needsSnapshot } = await live.subscribe();
      assert.equal(needsSnapshot, true);
      // After the subscription, before the snapshot: a job is created, runs and fails, and the pjc changes.
      const id = await failedJob(server, home);
      await post(server, "/settings/pjc", { pjc: 3 });
      const page: JobListResponse = (await raw(server, "GET", "/jobs")).json;
      const settings: SettingsResponse = (await raw(server, "GET", "/settings")).json;
      const runs: RunListResponse = (await raw(server, "GET", "/runs")).json;
      assert.equal(live.adopt(runs.runs, runs.seq, runKeyOf)[0]?.state, "failed");
      const jobs = live.adopt(page.jobs, page.seq, jobKeyOf);
      assert.deepEqual(jobs.map((j) => [j.id, j.state]), [[id, "errored"]], "the snapshot shows the job failed");
      assert.equal(live.adopt([settings.settings], settings.seq, settingsKey)[0]?.pjc, 3);
      // The same answer again adds nothing: what is known is as new.
      assert.deepEqual(live.adopt(page.jobs, page.seq, jobKeyOf), []);
      live.release();

      // Once the stream has passed the snapshot, none of what it already showed has been taken again.
      await post(server, "/settings/pjc", { pjc: 4 });
      await waitFor(() => taken.some((e) => e.type === "settings" && e.settings.pjc === 4), "the change after the snapshot to arrive");
      const before = taken.filter((e) => e.type === "job" || e.type === "run" || (e.type === "settings" && e.settings.pjc !== 4));
      assert.deepEqual(before, [], "events the snapshot reflects are not news");
      assert.equal(taken.filter((e) => e.type === "settings").length, 1, "the change after it is taken once");

      // A retry after the snapshot: every step of it arrives, once, in order.
      await post(server, `/jobs/${id}/retry`);
      await waitFor(() => taken.some((e) => e.type === "job" && e.job.state === "errored"), "the retried job to fail again");
      const steps = taken.filter((e): e is { type: "job"; job: JobRecord } => e.type === "job").map((e) => e.job);
      const shown = steps.map((j) => `${j.state}(${j.attempts.length})`).join(" → ");
      assert.ok(steps.every((j) => j.attempts.length === 2 || (j.state === "pending" && j.attempts.length === 1)), `only the retry's steps: ${shown}`);
      assert.equal(steps.filter((j) => j.state === "errored").length, 1, `one end of the retry: ${shown}`);
    } finally {
      live.close();
      client.close();
    }
  });
});

test("a reconnect with Last-Event-ID gets what it missed, once; past the kept history it is told to snapshot again", async () => {
  await withTempHome(async (home) => {
    const server = await startServer(home, [], { PLL_EVENT_HISTORY: "3" });
    const client = new Client(server.socket);
    try {
      // The raw protocol: what came after the id, then `ready` with resumed: true.
      const first = client.events(() => {});
      const { seq: start } = await first.ready;
      first.close();
      for (const pjc of [2, 3]) await post(server, "/settings/pjc", { pjc });
      const replayed: [number | null, number | undefined][] = [];
      const resumed = client.events((e, seq) => void (e.type === "settings" && replayed.push([e.settings.pjc, seq])), { lastEventId: start! });
      const ready = await resumed.ready;
      resumed.close();
      assert.equal(ready.resumed, true);
      assert.deepEqual(replayed.map(([pjc]) => pjc), [2, 3], "both changes, in order, before ready");
      assert.equal(replayed.at(-1)![1], ready.seq);

      // Through LiveState: a lost stream resumes without a snapshot and takes each missed event once.
      const taken: (number | null)[] = [];
      const live = new LiveState(client, (e) => void (e.type === "settings" && taken.push(e.settings.pjc)));
      assert.equal((await live.subscribe()).needsSnapshot, true);
      const settings: SettingsResponse = (await raw(server, "GET", "/settings")).json;
      live.adopt([settings.settings], settings.seq, settingsKey);
      live.release();
      await post(server, "/settings/pjc", { pjc: 4 });
      await waitFor(() => taken.includes(4), "pjc 4 to arrive");
      live.close();
      await post(server, "/settings/pjc", { pjc: 5 });
      assert.equal((await live.subscribe()).needsSnapshot, false, "three events are kept: the one missed is replayed");
      await post(server, "/settings/pjc", { pjc: 6 });
      await waitFor(() => taken.includes(6), "pjc 6 to arrive");
      assert.deepEqual(taken, [4, 5, 6], "each change once, in order");

      // More missed than the server keeps: no replay, a new snapshot instead.
      live.close();
      for (const pjc of [7, 8, 9, 10]) await post(server, "/settings/pjc", { pjc });
      assert.equal((await live.subscribe()).needsSnapshot, true);
      const again: SettingsResponse = (await raw(server, "GET", "/settings")).json;
      assert.equal(live.adopt([again.settings], again.seq, settingsKey)[0]?.pjc, 10, "the new snapshot is news");
      live.release();
      assert.deepEqual(taken, [4, 5, 6], "nothing of the gap came as events");
      live.close();

      // A restarted server numbers above its predecessor: an old id is never taken for one of its own.
      client.close();
      await server.stop();
      const next = await startServer(home);
      const nextClient = new Client(next.socket);
      try {
        const stale = nextClient.events(() => {}, { lastEventId: start! });
        const r = await stale.ready;
        stale.close();
        assert.equal(r.resumed, false, "an id from before the restart cannot be resumed");
        assert.ok(r.seq! > start!, "the new server's numbers are higher");
      } finally {
        nextClient.close();
        await next.stop();
      }
    } finally {
      client.close();
      await server.stop();
    }
  });
});
