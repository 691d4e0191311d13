// Issue 15: a role job's cwd on its worker is relative to the worker's
// `--cwd`, which stands for the directory of the jobset file: the default
// cwd runs in --cwd itself, `cwd build` in --cwd/build, a cwd outside the
// jobset's directory as it is, and a missing one fails the job as a local one
// (exit 127, the directory named): it never runs somewhere else.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { raw, runPll } from "../server/server-process.js";
import { withCluster } from "./cluster.js";
import { workerCwd } from "../../src/remote/worker-cwd.js";

test("workerCwd: inside the jobset's directory it maps under --cwd, outside it stays", () => {
  assert.equal(workerCwd("/home/ann/proj", "/home/ann/proj", "/srv/w"), "/srv/w");
  assert.equal(workerCwd("/home/ann/proj/build/x", "/home/ann/proj", "/srv/w"), "/srv/w/build/x");
  assert.equal(workerCwd("/scratch", "/home/ann/proj", "/srv/w"), "/scratch");
  assert.equal(workerCwd("/home/ann/project2", "/home/ann/proj", "/srv/w"), "/home/ann/project2");
  assert.equal(workerCwd("/home/ann/proj/..x", "/home/ann/proj", "/srv/w"), "/srv/w/..x");
  assert.equal(workerCwd("/anything", undefined, "/srv/w"), "/srv/w");
});

test("a role job runs in the worker's --cwd, or under it, as its cwd is in the jobset's directory", async () => {
  const wdir = await mkdtemp(path.join(tmpdir(), "pll-wcwd-"));
  const outside = await mkdtemp(path.join(tmpdir(), "pll-wout-"));
  try {
    mkdirSync(path.join(wdir, "build"));
    await withCluster([["--role", "gpu", "--slots", "2", "--name", "gpu1", "--cwd", wdir]], async ({ server, home }) => {
      // The same directories exist on the server's side: the worker must not take them for its own.
      mkdirSync(path.join(home, "build"));
      const file = path.join(home, "t.pll");
      writeFileSync(
        file,
        ["jobset t", "top: role gpu $ pwd", "sub: role gpu cwd build $ pwd", `abs: role gpu cwd ${outside} $ pwd`, "gone: role gpu cwd missing $ pwd"].join("\n") + "\n",
      );
      const ran = await runPll(home, ["run", file]);
      assert.equal(ran.code, 1, ran.stderr);
      const jobs = (await raw(server, "GET", "/jobs")).json.jobs as { name: string; state: string; logOut: string; logErr: string; attempts: { worker?: string; exitCode?: number }[] }[];
      const out = (name: string) => readFileSync(jobs.find((j) => j.name === name)!.logOut, "utf8").trim();
      assert.equal(out("top"), wdir);
      assert.equal(out("sub"), path.join(wdir, "build"));
      assert.equal(out("abs"), outside);
      const gone = jobs.find((j) => j.name === "gone")!;
      assert.equal(gone.state, "errored");
      assert.equal(gone.attempts.at(-1)!.worker, "gpu1");
      assert.equal(gone.attempts.at(-1)!.exitCode, 127);
      assert.equal(readFileSync(gone.logErr, "utf8"), `pll: cannot enter ${path.join(wdir, "missing")}: No such file or directory\n`);
    });
  } finally {
    await rm(wdir, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  }
});
