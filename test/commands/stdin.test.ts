// Lines on stdin to `pll shell` (no TTY): a script of commands, each answered
// in plain text or JSON; bad lines report and the rest still run.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { raw, runPll, startServer, type ServerProcess } from "../server/server-process.js";

describe("pll shell reading commands from stdin", () => {
  let home: string;
  let server: ServerProcess;
  const shell = (script: string, args: string[] = []) => runPll(home, ["shell", ...args], { input: script });
  before(async () => {
    home = await mkdtemp(path.join(tmpdir(), "pll-stdin-"));
    server = await startServer(home);
    await writeFile(path.join(home, "x.pll"), "jobset x\nfirst: $ echo one\nsecond: after first $ echo two\n");
  });
  after(async () => {
    await server?.stop();
    await rm(home, { recursive: true, force: true });
  });

  test("a script loads, sets pjc, waits for what it loaded and shows the table; comments and blank lines are skipped", async () => {
    const r = await shell(`# a script\nload ${path.join(home, "x.pll")}\n\npjc 6\nwait\nstatus x\ntail second\n`);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout.split("\n");
    assert.match(out[0]!, /^run r\d+ x: 2 jobs #\d+ and #\d+$/);
    assert.equal(out[1], "pjc: 6");
    assert.equal(out[2], "done: 2 jobs (2 success)");
    assert.match(out[3]!, /^\s*RUN\s+#\s+NAME\s+STATE/);
    assert.match(r.stdout, /\n2 success · pjc 6\ntwo\n$/);
  });

  test("`run FILE` in a script is `load FILE`: it queues the file's jobs and goes on, without following them", async () => {
    const gate = path.join(home, "run-alias-gate");
    await writeFile(path.join(home, "held.pll"), `jobset held\nheld: $ while [ ! -e ${gate} ]; do sleep 0.02; done\n`);
    try {
      // Were `run` the CLI's verb (follow to the end), `status held` would only come after the job ended.
      const r = await shell(`run ${path.join(home, "held.pll")}\nstatus held --json\n`);
      assert.equal(r.code, 0, r.stderr);
      const [queued, status] = r.stdout.trimEnd().split("\n");
      assert.match(queued!, /^run r\d+ held: 1 job #\d+$/);
      const states = JSON.parse(status!).jobs.map((j: { state: string }) => j.state);
      assert.equal(states.length, 1);
      assert.match(states[0], /^(pending|running)$/, "still held: the script went on while it waits");
    } finally {
      await writeFile(gate, "");
    }
  });

  test("a bad line prints a one-line error naming its line, the rest still run, and the exit status says so", async () => {
    const r = await shell("pjc 2\nfrobnicate\nshow 999999\npriority sky $ true\npjc 3\n");
    assert.equal(r.stdout, "pjc: 2\npjc: 3\n");
    assert.equal(r.code, 2, "the worst failure: a usage error");
    const errors = r.stderr.trimEnd().split("\n");
    assert.equal(errors.length, 3, r.stderr);
    assert.match(errors[0]!, /^pll: line 2: unknown command 'frobnicate'/);
    assert.match(errors[1]!, /^pll: line 3: no such job: #999999$/);
    assert.match(errors[2]!, /^pll: line 4: <shell>:1:\d+: error: /);
    const failedOnly = await shell("show 999999\n");
    assert.equal(failedOnly.code, 1);
  });

  test("job lines run in the client's directory; a failed wait makes the exit status 1", async () => {
    const r = await shell(`$ pwd\nwait\n$ exit 3\nwait\n`);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^#\d+ pwd: queued \(run r\d+\)\ndone: 1 job \(1 success\)\n#\d+ exit: queued/);
    assert.match(r.stdout, /failed: 2 jobs \(1 success, 1 errored\)\n  #\d+ exit: errored \(exit 3\)\n$/);
  });

  test("--json answers one JSON object per line", async () => {
    const r = await shell("pjc 4\nnope\n# skipped\nruns\n", ["--json"]);
    assert.equal(r.code, 2);
    const lines = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.length, 3);
    assert.deepEqual([lines[0].line, lines[0].ok, lines[0].result.settings.pjc], [1, true, 4]);
    assert.deepEqual([lines[1].line, lines[1].ok, lines[1].code], [2, false, 2]);
    assert.match(lines[1].error, /unknown command 'nope'/);
    assert.equal(lines[2].line, 4);
    assert.ok(Array.isArray(lines[2].result.runs));
  });

  test("quit, and its alias q (the shell's key, typed in the command bar), end the script early", async () => {
    for (const word of ["quit", "q"]) {
      const r = await shell(`pjc 5\n${word}\npjc 7\n`);
      assert.equal(r.code, 0, `${word}: ${r.stderr}`);
      assert.equal(r.stdout, "pjc: 5\n", word);
      assert.equal((await raw(server, "GET", "/settings")).json.settings.pjc, 5, word);
    }
  });
});
