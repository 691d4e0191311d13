// The CLI reaches a TCP server (`pll serve --listen`): PLL_SERVER=HOST:PORT with the
// token from PLL_TOKEN or the file PLL_TOKEN_FILE names. Nothing is started in the
// client's own home; a wrong token is one line; no server there is exit 3.
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { stopServerOf } from "../helpers/home.js";
import { raw, runPll, startServer, type ServerProcess } from "../server/server-process.js";

const TOKEN = "tcp-client-test-token";

describe("the CLI against a TCP server", () => {
  let serverHome: string;
  let clientHome: string;
  let server: ServerProcess;
  let port: number;
  const pll = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    runPll(clientHome, args, { env: { PLL_SERVER: `127.0.0.1:${port}`, PLL_TOKEN: TOKEN, ...env } });
  const api = (method: string, route: string) => raw({ port }, method, route, undefined, { authorization: `Bearer ${TOKEN}` });
  before(async () => {
    serverHome = await mkdtemp(path.join(tmpdir(), "pll-tcp-server-"));
    clientHome = await mkdtemp(path.join(tmpdir(), "pll-tcp-client-"));
    server = await startServer(serverHome, ["--listen", "127.0.0.1:0"], { PLL_TOKEN: TOKEN });
    port = Number(/http:\/\/127\.0\.0\.1:(\d+)/.exec(server.stderr())![1]);
  });
  after(async () => {
    try {
      await api("POST", "/jobs/all/kill").catch(() => {});
    } finally {
      await server?.stop();
      // Only a client that ignored PLL_SERVER would have started one here; stopped even then.
      await stopServerOf(clientHome);
      await rm(serverHome, { recursive: true, force: true });
      await rm(clientHome, { recursive: true, force: true });
    }
  });

  test("job lines, load, run, wait, tail and status go to the server PLL_SERVER names", async () => {
    const queued = await pll(["$", "echo", "over tcp"]);
    assert.equal(queued.code, 0, queued.stderr);
    const id = Number(/#(\d+)/.exec(queued.stdout)![1]);
    assert.equal((await pll(["wait", `#${id}`])).code, 0);
    assert.equal((await pll(["tail", `#${id}`])).stdout, "over tcp\n");
    assert.equal((await api("GET", `/jobs/${id}`)).json.job.command, "echo 'over tcp'");

    // A file is sent as text: a TCP server need not share this host's files.
    const dir = await mkdtemp(path.join(clientHome, "files-"));
    const file = path.join(dir, "remote.pll");
    await writeFile(file, "jobset remote\na: $ pwd\n");
    const loaded = await pll(["load", file]);
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.match(loaded.stdout, /^run r\d+ remote: 1 job #\d+\n$/);
    const ran = await pll(["run", file]);
    assert.equal(ran.code, 0, ran.stderr);
    const ranId = Number(/#(\d+) a/.exec(ran.stdout)![1]);
    assert.equal((await api("GET", `/jobs/${ranId}`)).json.job.cwd, dir);

    // `status JOBSET` is its latest run: the one `pll run` made.
    const status = await pll(["status", "remote"]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`^ *r\\d+ +${ranId} +a +success`, "m"));
    assert.match(status.stdout, /^1 success/m);
    // Nothing was made or started in the client's own home.
    assert.deepEqual((await readdir(clientHome)).filter((f) => !f.startsWith("files-")), []);
  });

  test("the token from a file; a wrong token is one line (exit 1); no server at the address is exit 3", async () => {
    const tokenFile = path.join(clientHome, "the-token");
    await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    const fromFile = await pll(["status"], { PLL_TOKEN: "", PLL_TOKEN_FILE: tokenFile });
    assert.equal(fromFile.code, 0, fromFile.stderr);

    const wrong = await pll(["status"], { PLL_TOKEN: "not-the-token" });
    assert.deepEqual(
      [wrong.code, wrong.stderr],
      [1, `pll: the pll server at 127.0.0.1:${port} refused the token from PLL_TOKEN (PLL_SERVER): use the token it was started with\n`],
    );
    const noToken = await pll(["status"], { PLL_TOKEN: "" });
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /^pll: PLL_SERVER is set but there is no token: set PLL_TOKEN or PLL_TOKEN_FILE \(can't read .*token: no such file\)\n$/);
    const bad = await pll(["status"], { PLL_SERVER: "nowhere" });
    assert.deepEqual([bad.code, bad.stderr], [2, "pll: PLL_SERVER must be HOST:PORT (as given to `pll serve --listen`), got 'nowhere'\n"]);

    const closed = await pll(["status"], { PLL_SERVER: "127.0.0.1:1" });
    assert.equal(closed.code, 3, closed.stderr);
    assert.match(closed.stderr, /^pll: no pll server answers at 127\.0\.0\.1:1 \(PLL_SERVER\): ECONNREFUSED\n$/);
  });
});
