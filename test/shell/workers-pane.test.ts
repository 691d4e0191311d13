// Issue 15: the shell's workers view (`w` in the table) — what it shows for
// the server's GET /workers answer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { workersPaneText } from "../../src/shell/workers-pane.js";

test("the workers view lists name, host, roles, slots, running and the last heartbeat, sorted by name", () => {
  const now = 1_000_000;
  const text = workersPaneText(
    {
      queue: "redis://127.0.0.1:6379",
      localRoles: ["io"],
      workers: [
        { name: "gpu2", host: "box-b", roles: ["gpu"], slots: 4, running: [], live: false, lastHeartbeat: now - 12_300 },
        { name: "gpu1", host: "box-a", roles: ["gpu", "cpu"], slots: 2, running: [7, 9], live: true, lastHeartbeat: now - 400 },
      ],
    },
    now,
  );
  assert.deepEqual(text.split("\n"), [
    "NAME  HOST   ROLES    SLOTS  RUNNING  HEARTBEAT",
    "gpu1  box-a  gpu,cpu  2      2        0.4s ago",
    "gpu2  box-b  gpu      4      0        12.3s ago (silent)",
    "",
    "on redis://127.0.0.1:6379; roles served here: io",
  ]);
});

test("without a queue, or with no worker yet, the view says so", () => {
  assert.match(workersPaneText({ queue: null, localRoles: [], workers: [] }, 0), /^no queue: role jobs run on this machine/);
  assert.equal(workersPaneText({ queue: "redis://h:1", localRoles: [], workers: [] }, 0), "no workers on redis://h:1 yet");
});
