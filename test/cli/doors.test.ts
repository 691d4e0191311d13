// Every door behaves the same (issue 14, part 4): the CLI keeps its arguments'
// boundaries in job lines; jobsets come from stdin and pipes and run in the caller's
// directory; a file that is missing or does not parse is exit 2 with one message from
// check, graph, run and load; the API's status codes are docs/api.md's; hooks are seen.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { waitFor } from "../helpers/home.js";
import { raw, runPll, startServer, type ServerProcess } from "../server/server-process.js";

describe("the doors, against a server", () => {
  let home: string;
  let server: ServerProcess;
  const pll = (args: string[], opts: { input?: string; cwd?: string } = {}) => runPll(home, args, opts);
  /** The job's stdout, once it has ended (`wait` on it). */
  const outputOf = async (id: number): Promise<string> => {
    await pll(["wait", `#${id}`]);
    return (await pll(["tail", `#${id}`])).stdout;
  };
  before(async () => {
    home = await mkdtemp(path.join(tmpdir(), "pll-doors-"));
    server = await startServer(home);
  });
  after(async () => {
    try {
      await raw(server, "POST", "/jobs/all/kill").catch(() => {});
    } finally {
      await server?.stop();
      await rm(home, { recursive: true, force: true });
    }
  });

  test("a job line's arguments keep their boundaries: `pll '$' printf '[%s]\\n' \"a  b\"`", async () => {
    const queued = await pll(["$", "printf", "[%s]\\n", "a  b", "it's", "#1"]);
    assert.equal(queued.code, 0, queued.stderr);
    const id = Number(/#(\d+)/.exec(queued.stdout)![1]);
    assert.equal(await outputOf(id), "[a  b]\n[it's]\n[#1]\n");
    const piped = await pll(["$", "printf", "%s|", "a  b", "c"]);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal((await outputOf(Number(/#(\d+)/.exec(piped.stdout)![1]))).trimEnd(), "a  b|c|");
    // Modifiers before the `$`, and a `$` word that holds the command as written, still work.
    const written = await pll(["priority", "high", "$ echo one  two", "x  y"]);
    assert.equal(written.code, 0, written.stderr);
    assert.equal(await outputOf(Number(/#(\d+)/.exec(written.stdout)![1])), "one two x  y\n");
  });
});
