// `pll run` of a file of schedules only (with and without a server), and
// `pll run --pjc` against a running server (it limits that jobset only).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { openEngine } from "../../src/server/engine.js";
import { raw, runPll, withServer } from "../server/server-process.js";
import { withTempHome } from "../helpers/home.js";

const SCHEDULED = "jobset nightly\nbackup: cron \"30 2 * * *\" $ true\nreport: every 1h $ true\n";

test("pll run of a file of schedules only: registered, no run, exit 0 and how to make them fire", async () => {
  await withTempHome(async (home) => {
    const file = path.join(home, "nightly.pll");
    writeFileSync(file, SCHEDULED);
    const ran = await runPll(home, ["run", file]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.doesNotMatch(ran.stdout, /succeeded/);
    assert.match(ran.stdout, /holds only schedules.*registered: nightly\/backup, nightly\/report/);
    assert.match(ran.stdout, /pll start.*pll schedules/);
    assert.match(ran.stderr, /schedule nightly\/backup: .*next firing/);
    // Nothing ran, not even the `every` schedule due at load: this process was not there to keep firing it.
    const engine = await openEngine({ home, fireSchedules: false });
    try {
      assert.deepEqual(engine.listRuns(), []);
      assert.deepEqual(engine.listSchedules().map((s) => s.name), ["nightly/backup", "nightly/report"]);
    } finally {
      await engine.close();
    }
  });
});

test("pll run against a server: schedules only is exit 0; --pjc is that run's alone, stored nowhere, and pll run says when the global pjc is lower", async () => {
  await withServer(async (server, home) => {
    assert.equal((await raw(server, "POST", "/settings/pjc", JSON.stringify({ pjc: 3 }))).status, 200);
    const sched = path.join(home, "nightly.pll");
    writeFileSync(sched, SCHEDULED);
    const only = await runPll(home, ["run", sched]);
    assert.equal(only.code, 0, only.stderr);
    assert.match(only.stdout, /holds only schedules.*registered: nightly\/backup, nightly\/report/);
    assert.match(only.stdout, /running server fires them/);

    const file = path.join(home, "small.pll");
    writeFileSync(file, "jobset small\na: $ true\nb: $ true\n");
    const ran = await runPll(home, ["run", file, "--pjc", "1"]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /2\/2 succeeded/);
    assert.doesNotMatch(ran.stderr, /global pjc/);
    const { settings } = (await raw(server, "GET", "/settings")).json;
    assert.equal(settings.pjc, 3);
    assert.deepEqual(settings.jobsetPjc, {});

    // Past the server's global limit: the run gets its pjc, the user is told what still limits it.
    writeFileSync(file, `jobset small\n${["a", "b", "c", "d", "e", "f"].map((n) => `${n}: $ true`).join("\n")}\n`);
    const wide = await runPll(home, ["run", file, "--pjc", "5"]);
    assert.equal(wide.code, 0, wide.stderr);
    assert.match(wide.stderr, /^pll run: at most 3 of its jobs at once: the global pjc is 3 \(`pll pjc reset` lifts it\); this run's pjc is 5 \(--pjc\)$/m);
    assert.equal((await raw(server, "GET", "/settings")).json.settings.pjc, 3, "the server's global pjc is not changed");
  });
});

test("pll run --halt-on-failure against a server: the server halts the run, the job after the failed one never starts", async () => {
  await withServer(async (server, home) => {
    const marker = path.join(home, "marker");
    const file = path.join(home, "h.pll");
    writeFileSync(file, `jobset h\npjc 1\na: $ exit 4\nc: $ echo started >> ${marker}\n`);
    for (let i = 0; i < 3; i++) {
      const ran = await runPll(home, ["run", file, "--halt-on-failure"]);
      assert.equal(ran.code, 1, ran.stderr);
      assert.match(ran.stdout, /1 errored, 0 blocked, 1 cancelled/);
      assert.equal(existsSync(marker), false, `c started after a failed (round ${i})`);
    }
  });
});
