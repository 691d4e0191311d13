// The command table's entry points as the shell uses them in-process:
// execute() never throws for user mistakes, streams with `write`, and
// complete() offers commands, job numbers, names, states and .pll files.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Client } from "../../src/client/client.js";
import { commandNames, complete, execute, helpText } from "../../src/commands/index.js";
import { splitWords } from "../../src/commands/words.js";
import { startServer, type ServerProcess } from "../server/server-process.js";

describe("execute() and complete() against a real server", () => {
  let home: string;
  let server: ServerProcess;
  let client: Client;
  let work: string;
  const ctx = () => ({ client, cwd: work, env: { PATH: process.env.PATH ?? "" } });
  before(async () => {
    home = await mkdtemp(path.join(tmpdir(), "pll-exec-"));
    server = await startServer(home);
    client = new Client(server.socket);
    work = path.join(home, "work");
    await mkdir(path.join(work, "sub"), { recursive: true });
    await writeFile(path.join(work, "deploy.pll"), "jobset deploy\nbuild_app: $ echo built\n");
    await writeFile(path.join(work, "notes.txt"), "");
  });
  after(async () => {
    client?.close();
    await server?.stop();
    await rm(home, { recursive: true, force: true });
  });

  test("results carry ok, the exit code, text and data; json gives the data as text", async () => {
    const r = await execute("load deploy.pll", ctx());
    assert.deepEqual([r.ok, r.code], [true, 0]);
    const w = await execute("wait", ctx());
    assert.equal(w.output, "done: 1 job (1 success)");
    const j = await execute("show build_app", { ...ctx(), json: true });
    assert.equal(JSON.parse(j.output).name, "build_app");
    assert.deepEqual(j.data, JSON.parse(j.output));
    const blank = await execute("   # just a comment", ctx());
    assert.deepEqual(blank, { ok: true, output: "", code: 0 });
  });

  test("user mistakes come back as results, never as exceptions — including an unreachable server", async () => {
    for (const [line, code] of [["nope", 2], ["show 'unterminated", 2], ["show 424242", 1], ["load missing.pll", 2]] as const) {
      const r = await execute(line, ctx());
      assert.deepEqual([r.ok, r.code], [false, code], line);
      assert.ok(r.error && r.output.startsWith("error: "), line);
    }
    const gone = new Client(path.join(home, "no.sock"));
    const r = await execute("status", { ...ctx(), client: gone });
    assert.deepEqual([r.ok, r.code], [false, 3]);
    gone.close();
  });

  test("every name of quit, `q` included (the shell's key typed in its command bar), ends the session", async () => {
    for (const line of ["quit", "q", "detach", "exit"]) {
      const r = await execute(line, ctx());
      assert.deepEqual([r.ok, r.quit, r.error], [true, true, undefined], line);
    }
  });

  test("tail with `write` streams lines as they come instead of collecting them", async () => {
    const chunks: string[] = [];
    const r = await execute("tail build_app", { ...ctx(), write: (t) => void chunks.push(t) });
    assert.equal(chunks.join(""), "built\n");
    assert.equal(r.output, "");
  });

  test("complete offers command names, then job numbers and names, states, priorities and .pll files", async () => {
    assert.deepEqual(await complete("ta", ctx()), ["tail"]);
    assert.ok((await complete("", ctx())).length === commandNames.length);
    const jobs = await complete("show ", ctx());
    assert.ok(jobs.includes("show 1") && jobs.includes("show build_app"), jobs.join(","));
    assert.deepEqual(await complete("retry bu", ctx()), ["retry build_app"]);
    assert.deepEqual(await complete("retry fa", ctx()), ["retry failed"]);
    assert.deepEqual(await complete("status err", ctx()), ["status errored"]);
    assert.deepEqual(await complete("priority 1 h", ctx()), ["priority 1 high"]);
    assert.deepEqual(await complete("load ", ctx()), ["load deploy.pll", "load sub/"]);
    assert.deepEqual(await complete("tail -", ctx()), ["tail --follow", "tail --json", "tail --lines"]);
    assert.deepEqual(await complete("$ mak", ctx()), [], "no completion inside job lines");
    assert.deepEqual(await complete("show 1 ", ctx()), [], "show takes one argument");
  });

  test("help text names every command; words split like a shell", () => {
    for (const n of ["load", "status", "tail", "wait", "unschedule"]) assert.match(helpText(), new RegExp(`\\b${n}\\b`));
    assert.match(helpText("retry"), /^usage: retry N\|rN\|NAME\|failed/);
    assert.deepEqual(splitWords(`load "my file.pll" 'b c' d\\ e`), ["load", "my file.pll", "b c", "d e"]);
  });
});
