// A hung server (it accepts connections and never answers) must not hang the
// CLI: requests give up after $PLL_TIMEOUT with exit 3 and one line.
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { requestTimeoutMs } from "../../src/client/client.js";
import { homePaths } from "../../src/home.js";
import { withTempHome } from "../helpers/home.js";
import { runPll } from "../server/server-process.js";

test("the request timeout is 30 s unless $PLL_TIMEOUT gives seconds", () => {
  assert.equal(requestTimeoutMs({}), 30_000);
  assert.equal(requestTimeoutMs({ PLL_TIMEOUT: "2" }), 2000);
  assert.equal(requestTimeoutMs({ PLL_TIMEOUT: "0.5" }), 500);
  for (const bad of ["", "0", "-1", "soon"]) assert.equal(requestTimeoutMs({ PLL_TIMEOUT: bad }), 30_000, bad);
});

test("a server that never answers: commands, wait and tail end with exit 3 and a one-line message", async () => {
  await withTempHome(async (home) => {
    const held = new Set<net.Socket>();
    const hung = net.createServer((sock) => {
      held.add(sock);
      sock.on("close", () => held.delete(sock));
      sock.resume(); // reads the request, never answers
    });
    await new Promise<void>((resolve) => hung.listen(homePaths(home).socket, resolve));
    try {
      const env = { PLL_TIMEOUT: "0.5" };
      for (const args of [["status"], ["pjc", "3"], ["wait", "all"], ["tail", "-f", "1"], ["load", "/dev/null"]]) {
        const r = await runPll(home, args, { env });
        assert.equal(r.code, 3, `${args.join(" ")}: ${r.stderr}`);
        // (a submit, which compiles a whole file first, may take 10 times longer)
        assert.match(r.stderr, /^pll: the pll server did not answer .* within (0\.5|5)s/, args.join(" "));
        assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
      }
    } finally {
      for (const s of held) s.destroy();
      await new Promise((resolve) => hung.close(resolve));
    }
  });
});
