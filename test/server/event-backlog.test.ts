// The backlog of a slow event-stream client: newer records replace older ones
// of the same job/run/settings, in the order of the newer; news events all stay,
// and every event keeps its number, so what comes out is still in number order.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { EngineEvent, JobRecord, JobState, RunRecord } from "../../src/core/types.js";
import { EventBacklog } from "../../src/server/event-backlog.js";
import type { NumberedEvent } from "../../src/server/event-log.js";

let seq = 0;
const numbered = (event: EngineEvent): NumberedEvent => ({ seq: ++seq, event });
const job = (id: number, state: JobState) => numbered({ type: "job", job: { id, state } as JobRecord });
const run = (id: number, state: RunRecord["state"]) => numbered({ type: "run", run: { id, state } as RunRecord });
const notice = (message: string) => numbered({ type: "notice", level: "info", message });
const label = ({ event: e }: NumberedEvent) => (e.type === "job" ? `j${e.job.id}:${e.job.state}` : e.type === "run" ? `r${e.run.id}:${e.run.state}` : e.type === "notice" ? `n:${e.message}` : e.type);
const increasing = (events: NumberedEvent[]) => events.every((e, i) => i === 0 || e.seq > events[i - 1]!.seq);

test("superseded events are dropped; what stays keeps the original order", () => {
  const b = new EventBacklog();
  for (const e of [job(1, "pending"), job(2, "pending"), notice("a"), job(1, "running"), run(7, "running"), job(1, "success"), notice("b"), job(2, "cancelled"), run(7, "success")]) b.push(e);
  assert.equal(b.size, 5);
  assert.equal(b.unreplaceable, 2);
  const out = [...b.take(() => true)];
  assert.deepEqual(out.map(label), ["n:a", "j1:success", "n:b", "j2:cancelled", "r7:success"]);
  assert.ok(increasing(out), "numbers still in order");
  assert.equal(b.size, 0);
  assert.equal(b.unreplaceable, 0);
});

test("take stops when the client has no room, and later takes resume where it stopped", () => {
  const b = new EventBacklog();
  for (let i = 1; i <= 5; i++) b.push(job(i, "pending"));
  let room = 2;
  assert.deepEqual([...b.take(() => room-- > 0)].map(label), ["j1:pending", "j2:pending"]);
  b.push(job(3, "running")); // moves behind 4 and 5
  b.push(notice("x"));
  const rest = [...b.take(() => true)];
  assert.deepEqual(rest.map(label), ["j4:pending", "j5:pending", "j3:running", "n:x"]);
  assert.ok(increasing(rest), "numbers still in order");
});
