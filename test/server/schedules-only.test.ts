// Loading a file that holds only schedules registers them and starts no run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { runPll, withServer } from "./server-process.js";

test("a file of schedules only is registered without an empty run, and says so", async () => {
  await withServer(async (_server, home) => {
    const file = path.join(home, "nightly.pll");
    await writeFile(file, 'jobset nightly\ncron "0 3 * * *" tz "UTC" <\n  $ echo nightly\n>\n');
    const load = await runPll(home, ["load", file]);
    assert.equal(load.code, 0, load.stderr);
    assert.match(load.stdout, /nightly: schedules only \(nightly\/nightly\.1\) — registered/);
    const runs = await runPll(home, ["runs", "--json"]);
    assert.equal(runs.code, 0, runs.stderr);
    assert.deepEqual(JSON.parse(runs.stdout).runs, [], "no run was started at load");
    const schedules = await runPll(home, ["schedules", "--json"]);
    const names = (JSON.parse(schedules.stdout) as { name: string }[]).map((s) => s.name);
    assert.deepEqual(names, ["nightly/nightly.1"]);
  });
});
