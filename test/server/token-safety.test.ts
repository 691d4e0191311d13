// The TCP token: trusted from $PLL_HOME/token only when pll could have made it
// (a regular file of yours, mode 0600); given in PLL_TOKEN or --token instead,
// it never reaches the background server's command line nor its jobs.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { chmod, lchown, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { homePaths } from "../../src/home.js";
import { stopServerOf, waitFor, withTempHome } from "../helpers/home.js";
import { raw, runPll } from "./server-process.js";

const NOBODY = 65534;
const me = process.getuid!();

const serverPid = (home: string) => Number(readFileSync(homePaths(home).pidFile, "utf8").trim());
const tcpPort = (home: string) => Number(/http:\/\/127\.0\.0\.1:(\d+)/.exec(readFileSync(homePaths(home).serverLog, "utf8"))![1]);

test("a token file pll could not have made is refused with one line, exit 2, and no server", async () => {
  await withTempHome(async (home) => {
    const file = homePaths(home).token;
    try {
      await writeFile(file, "attacker-token\n", { mode: 0o644 });
      await chmod(file, 0o644);
      let r = await runPll(home, ["start", "--listen", "127.0.0.1:0"]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`^pll: .*refusing the token file ${file}: readable or writable by others \\(mode 0644\\); chmod 600 it, or remove it for a new one\\n$`));
      assert.equal((await readFile(file, "utf8")), "attacker-token\n");

      if (me === 0) {
        await chmod(file, 0o600);
        await lchown(file, NOBODY, NOBODY);
        r = await runPll(home, ["start", "--listen", "127.0.0.1:0"]);
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /owned by uid 65534, not you/);
      }

      await writeFile(path.join(home, "elsewhere"), "attacker-token\n", { mode: 0o600 });
      await import("node:fs/promises").then((fs) => fs.rm(file));
      await symlink(path.join(home, "elsewhere"), file);
      r = await runPll(home, ["serve", "--listen", "127.0.0.1:0"]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr, `pll: refusing PLL_HOME ${home}: ${file} is a symbolic link, and pll does not write through links in its home; remove it\n`);

      await import("node:fs/promises").then((fs) => fs.rm(file));
      await mkdir(file);
      r = await runPll(home, ["serve", "--listen", "127.0.0.1:0"]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /refusing the token file .*: not a regular file; remove it\n$/);
    } finally {
      await stopServerOf(home);
    }
  });
});

test("a token file of yours with mode 0600 is used as it is", async () => {
  await withTempHome(async (home) => {
    try {
      await writeFile(homePaths(home).token, "my-own-token\n", { mode: 0o600 });
      const r = await runPll(home, ["start", "--listen", "127.0.0.1:0"]);
      assert.equal(r.code, 0, r.stderr);
      const port = tcpPort(home);
      assert.equal((await raw({ port }, "GET", "/health", undefined, { authorization: "Bearer my-own-token" })).status, 200);
      assert.equal((await raw({ port }, "GET", "/health", undefined, { authorization: "Bearer other" })).status, 401);
    } finally {
      await stopServerOf(home);
    }
  });
});

test("`pll start --token` hands the token to the server in its environment: not on its command line (ps), and not to its jobs", async () => {
  await withTempHome(async (home) => {
    try {
      const r = await runPll(home, ["start", "--listen", "127.0.0.1:0", "--token", "s3cret-token"]);
      assert.equal(r.code, 0, r.stderr);
      const pid = serverPid(home);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
      assert.match(cmdline, /serve --listen 127\.0\.0\.1:0/);
      assert.doesNotMatch(cmdline, /s3cret/);
      const port = tcpPort(home);
      assert.equal((await raw({ port }, "GET", "/health", undefined, { authorization: "Bearer s3cret-token" })).status, 200);
      // A job sees the server's environment: the token must not be in it.
      const out = path.join(home, "job-env.txt");
      const submit = await raw({ socket: homePaths(home).socket }, "POST", "/jobs", JSON.stringify({ line: `$ env > ${out}`, cwd: home }));
      assert.equal(submit.status, 201, submit.text);
      const env = await waitFor(() => readFile(out, "utf8").then((t) => (t.includes("PLL_JOB_ID=") ? t : ""), () => ""), "the job's env");
      assert.doesNotMatch(env, /s3cret|PLL_TOKEN/);
    } finally {
      await stopServerOf(home);
    }
  });
});

test("PLL_TOKEN works for `pll start` too, and stays out of the jobs' environment", async () => {
  await withTempHome(async (home) => {
    try {
      const r = await runPll(home, ["start", "--listen", "127.0.0.1:0"], { env: { PLL_TOKEN: "from-env-token" } });
      assert.equal(r.code, 0, r.stderr);
      const port = tcpPort(home);
      assert.equal((await raw({ port }, "GET", "/health", undefined, { authorization: "Bearer from-env-token" })).status, 200);
      const out = path.join(home, "job-env.txt");
      const submit = await raw({ socket: homePaths(home).socket }, "POST", "/jobs", JSON.stringify({ line: `$ env > ${out}`, cwd: home }));
      assert.equal(submit.status, 201, submit.text);
      const env = await waitFor(() => readFile(out, "utf8").then((t) => (t.includes("PLL_JOB_ID=") ? t : ""), () => ""), "the job's env");
      assert.doesNotMatch(env, /from-env-token|PLL_TOKEN/);
    } finally {
      await stopServerOf(home);
    }
  });
});
