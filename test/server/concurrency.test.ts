// Many clients at once against one server: every submission gets its own job
// numbers — none lost, none given twice.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { Client } from "../../src/client/client.js";
import type { SubmitResponse } from "../../src/server/api-types.js";
import { fetchJobs } from "../../src/commands/jobs-api.js";
import { withTempHome } from "../helpers/home.js";
import { startServer } from "./server-process.js";

test("clients submitting at the same time get distinct job numbers, and every job exists exactly once", async () => {
  await withTempHome(async (home) => {
    const server = await startServer(home);
    const clients = Array.from({ length: 16 }, () => new Client(server.socket));
    try {
      await clients[0]!.request("POST", "/settings/pause", {}); // keep the test about numbering, not running
      const submissions = clients.flatMap((client, c) =>
        Array.from({ length: 6 }, (_, i) =>
          i % 2 === 0
            ? client.request<SubmitResponse>("POST", "/runs", { source: `jobset c${c}\na: $ true\nb: $ true\nc: after a $ true\n`, path: path.join(home, `c${c}-${i}.pll`) })
            : client.request<SubmitResponse>("POST", "/jobs", { line: `$ echo ${c}-${i}`, cwd: home }),
        ),
      );
      const results = await Promise.all(submissions);
      const ids = results.flatMap((r) => r.jobs.map((j) => j.id));
      assert.equal(ids.length, 16 * (3 * 3 + 3));
      assert.equal(new Set(ids).size, ids.length, "no job number given twice");
      assert.equal(new Set(results.map((r) => r.run!.id)).size, results.length, "no run number given twice");
      const stored = await fetchJobs(clients[0]!);
      assert.deepEqual(stored.map((j) => j.id).sort((a, b) => a - b), [...ids].sort((a, b) => a - b), "every submitted job stored exactly once");
    } finally {
      for (const c of clients) c.close();
      await server.stop();
    }
  });
});
