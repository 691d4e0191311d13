// Event-stream clients that stop reading are let go: each is dropped once it
// has taken nothing of what waits for it for $PLL_EVENT_STALL_MS, with a line
// in the server's log saying why, and its connection is closed — while a
// client that reads stays connected and sees every event's final state.
import assert from "node:assert/strict";
import net from "node:net";
import path from "node:path";
import { writeFile } from "node:fs/promises";
import { test } from "node:test";
import { Client } from "../../src/client/client.js";
import type { JobState } from "../../src/core/types.js";
import { waitFor, withTempHome } from "../helpers/home.js";
import { raw, startServer } from "./server-process.js";

const STALLED = 4;
const JOBS = 2_000;

/** Subscribes over a raw socket, reads up to the `ready` event, then stops reading for good. */
async function stalledSubscriber(socketPath: string): Promise<{ socket: net.Socket; closed: Promise<void> }> {
  const socket = net.connect(socketPath);
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.on("error", () => {});
  socket.write("GET /events HTTP/1.1\r\nHost: pll\r\n\r\n");
  let head = "";
  await new Promise<void>((resolve) => {
    const onData = (chunk: Buffer) => {
      head += chunk.toString("utf8");
      if (!head.includes("event: ready")) return;
      socket.off("data", onData);
      socket.pause();
      resolve();
    };
    socket.on("data", onData);
  });
  return { socket, closed };
}

test("a client that stops reading is dropped with a reason in the server's log; a reading one is not", { timeout: 180_000 }, async () => {
  await withTempHome(async (home) => {
    const server = await startServer(home, [], { PLL_EVENT_STALL_MS: "5000" });
    const client = new Client(server.socket);
    const stalled: { socket: net.Socket; closed: Promise<void> }[] = [];
    try {
      const latest = new Map<number, JobState>();
      let readerEnded = false;
      const reader = client.events((e) => void (e.type === "job" && latest.set(e.job.id, e.job.state)));
      void reader.done.then(() => (readerEnded = true), () => (readerEnded = true));
      await reader.ready;
      for (let i = 0; i < STALLED; i++) stalled.push(await stalledSubscriber(server.socket));

      // ~1.6 kB per job event, twice over: several MB, far past what a socket and the high-water mark hold.
      const filler = "x".repeat(800);
      const file = path.join(home, "many.pll");
      await writeFile(file, ["jobset many", ...Array.from({ length: JOBS }, (_, i) => `m${i}: $ echo ${filler}`)].join("\n") + "\n");
      assert.equal((await raw(server, "POST", "/settings/pause", JSON.stringify({ jobset: "many" }))).status, 200);
      const loaded = await raw(server, "POST", "/runs", JSON.stringify({ path: file }));
      assert.equal(loaded.status, 201, loaded.text.slice(0, 300));
      const ids: number[] = loaded.json.run.jobIds;
      assert.equal((await raw(server, "POST", "/jobs/many/cancel")).status, 200);

      const dropLines = () => server.stderr().split("\n").filter((l) => l.startsWith("pll server: dropped an event-stream client: "));
      await waitFor(() => dropLines().length === STALLED, `${STALLED} stalled clients to be dropped (log so far: ${server.stderr()})`, 60_000);
      for (const line of dropLines()) assert.match(line, /: it has taken nothing for 5 s while \d+\.\d MB waited for it$/);
      // Their connections are closed: reading again, each finds the end.
      for (const s of stalled) s.socket.resume();
      await Promise.all(stalled.map((s) => s.closed));

      await waitFor(() => ids.every((id) => latest.get(id) === "cancelled"), "the reading client to see every job cancelled", 60_000);
      assert.equal(readerEnded, false, "the reading client is still connected");
      assert.equal((await raw(server, "GET", "/health")).status, 200);
    } finally {
      for (const s of stalled) s.socket.destroy();
      client.close();
      await server.stop();
    }
  });
});
