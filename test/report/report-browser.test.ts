// `pll report` in a real browser: real runs on a real server (a DAG with a
// failure, a retry, a timeout, a kill and a hook; a `par batch` rollout; a 10,000-job
// run), each report opened in headless Debian chromium over the DevTools
// protocol. The checks come from the page itself: the bars it drew (its
// `window.pllReport` model, and pixels read back from its canvas) — one per
// attempt of every job, in file order grouped by block, each in its outcome's
// colour — and the requests it made (none but its own file). A screenshot of
// each goes to $PLL_TEST_ARTIFACTS (default test-artifacts/report/ in the repo).
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { withChromium, type Browser } from "../helpers/chromium.js";
import { repoRoot } from "../helpers/home.js";
import { raw, runPll, withServer, type ServerProcess } from "../server/server-process.js";
import { waitFor } from "../helpers/home.js";

const artifacts = process.env.PLL_TEST_ARTIFACTS ?? path.join(repoRoot, "test-artifacts", "report");

/** The colours the README documents for each outcome. */
const COLOR: Record<string, string> = {
  success: "#2e9e4f",
  failed: "#d63b3b",
  timeout: "#e08a00",
  killed: "#8e44ad",
  lost: "#7f8c8d",
  spawn: "#b03060",
  running: "#2f7fd8",
};

interface PageBar {
  index: number;
  job: number;
  name: string;
  attempt: number;
  outcome: string;
  color: string;
  row: number;
  /** where the page drew it, in CSS pixels */
  x: number;
  w: number;
}

/**
 * Runs `source` to its end on the server, writes its report, opens it, and checks that every
 * attempt of every job (from `report --json`) has its bar, in job order, in its colour: in the
 * model, and on the canvas for `probe` bars (all of them by default). Returns the page's bars.
 */
async function runAndCheck(
  browser: Browser,
  server: ServerProcess,
  home: string,
  name: string,
  source: string,
  opts: { probe?: (bars: PageBar[]) => number[]; during?: () => Promise<void> } = {},
): Promise<{ bars: PageBar[]; data: any; page: Awaited<ReturnType<Browser["newPage"]>> }> {
  const file = path.join(home, `${name}.pll`);
  await writeFile(file, source);
  const running = runPll(home, ["run", file], { cwd: home });
  await opts.during?.();
  const ran = await running;
  assert.ok(ran.code === 0 || ran.code === 1, `pll run ${name}: ${ran.code} ${ran.stderr}`);
  const out = path.join(home, `${name}.html`);
  const written = await runPll(home, ["report", "-o", out], { cwd: home });
  assert.equal(written.code, 0, written.stderr);
  assert.equal(written.stdout.split("  ")[0], out);
  const json = await runPll(home, ["report", "--json"], { cwd: home });
  assert.equal(json.code, 0, json.stderr);
  const data = JSON.parse(json.stdout);
  assert.equal(data.path, undefined, "--json without -o writes no page");

  const page = await browser.newPage();
  const url = pathToFileURL(out).href;
  await page.navigate(url);
  const bars = (await page.evaluate("window.pllReport.bars")) as PageBar[];
  assert.deepEqual(page.errors, [], "the page threw");

  // One bar per attempt, job by job in file order (the job numbers follow the file), each in its
  // outcome's colour — the attempts as the API gives them, their outcomes read here.
  const api = (await raw(server, "GET", `/runs/${data.run.id}`)).json as { jobs: { id: number; attempts: { n: number; endedAt?: number; exitCode?: number; reason?: string }[] }[] };
  const outcomeOf = (a: { endedAt?: number; exitCode?: number; reason?: string }) => (a.endedAt === undefined ? "running" : (a.reason ?? (a.exitCode === 0 ? "success" : "failed")));
  const expected = api.jobs.sort((a, b) => a.id - b.id).flatMap((j) => j.attempts.map((a) => ({ job: j.id, attempt: a.n, outcome: outcomeOf(a) })));
  assert.deepEqual(
    bars.map((b) => ({ job: b.job, attempt: b.attempt, outcome: b.outcome })),
    expected,
  );
  for (const b of bars) assert.equal(b.color, COLOR[b.outcome], `#${b.job} attempt ${b.attempt}`);
  for (let i = 1; i < bars.length; i++) assert.ok(bars[i]!.row >= bars[i - 1]!.row && (bars[i]!.row > bars[i - 1]!.row || bars[i]!.job === bars[i - 1]!.job), "bars in row order");
  // A retry never covers the attempt before it: on a row, each bar starts after the one before ends.
  for (let i = 1; i < bars.length; i++)
    if (bars[i]!.row === bars[i - 1]!.row) assert.ok(bars[i]!.x >= bars[i - 1]!.x + bars[i - 1]!.w, `#${bars[i]!.job} attempt ${bars[i]!.attempt} drawn clear of attempt ${bars[i - 1]!.attempt}`);
  // What is on the canvas, read back from it.
  const probed = opts.probe ? opts.probe(bars) : bars.map((b) => b.index);
  const pixels = (await page.evaluate(`(${JSON.stringify(probed)}).map((i) => window.pllReport.probe(i))`)) as string[];
  probed.forEach((i, k) => assert.equal(pixels[k], bars[i]!.color, `the canvas at bar ${i} (#${bars[i]!.job} attempt ${bars[i]!.attempt})`));

  // Nothing but the file itself was asked for.
  assert.deepEqual(
    page.requests.filter((u) => u !== url),
    [],
    "the page made network requests",
  );
  await page.evaluate("document.getElementById('pll-gantt').scrollTop = 0, window.dispatchEvent(new Event('resize'))");
  await mkdir(artifacts, { recursive: true });
  await writeFile(path.join(artifacts, `${name}.png`), await page.screenshot());
  return { bars, data, page };
}

test("reports of real runs render in headless chromium: every attempt's bar, in order, in its colour, no network", { timeout: 180_000 }, async () => {
  await withServer(async (server, home) => {
    await withChromium(async (browser) => {
      // ── a DAG with a failure, a retry, a timeout and a failure hook ──
      const marker = path.join(home, "flaky-once");
      const dag = await runAndCheck(
        browser,
        server,
        home,
        "dag",
        [
          "jobset dag",
          'on failure $ echo "hook saw $PLL_JOB_NAME fail"',
          "prepare: $ echo ready",
          "build: seq <",
          "  compile: after prepare $ sleep 0.3",
          `  flaky: after compile retry 1 $ if [ -e ${marker} ]; then echo ok; else touch ${marker}; echo first try fails >&2; exit 3; fi`,
          ">",
          "checks: par <",
          "  slow: after prepare timeout 3s $ sleep 30",
          '  broken: after prepare $ echo "disk on fire" >&2; exit 2',
          "  lint: after prepare $ sleep 0.2",
          "  stuck: after prepare $ sleep 60",
          ">",
          "ship: after build after checks $ echo shipped",
          "",
        ].join("\n"),
        { during: () => killWhenRunning(server, home, "stuck") },
      );
      const byName = new Map((dag.data.jobs as any[]).map((j) => [j.name, j]));
      const outcomes = (n: string) => byName.get(n).attempts.map((a: { outcome: string }) => a.outcome);
      assert.deepEqual(outcomes("flaky"), ["failed", "success"]);
      assert.deepEqual(outcomes("slow"), ["timeout"]);
      assert.deepEqual(outcomes("broken"), ["failed"]);
      assert.deepEqual(outcomes("stuck"), ["killed"]);
      assert.deepEqual(outcomes("ship"), [], "blocked: a row, no bar");
      assert.deepEqual(byName.get("broken").stderrTail, ["disk on fire"]);
      assert.deepEqual(
        byName.get("broken").hooks.map((h: any) => [h.event, h.exit, h.output]),
        [["failure", "0", ["hook saw broken fail"]]],
      );
      assert.deepEqual(dag.data.criticalPath, [byName.get("prepare").id, byName.get("slow").id], "the timeout decided the run's length");
      // The page groups rows by block, in file order, and shows the failed job's stderr.
      const rows = (await dag.page.evaluate("window.pllReport.rows")) as { group?: string; job?: number }[];
      assert.deepEqual(
        rows.map((r) => r.group ?? byName.get([...byName.keys()].find((k) => byName.get(k).id === r.job)!).name),
        ["prepare", "build", "compile", "flaky", "checks", "slow", "broken", "lint", "stuck", "(outside blocks)", "ship"],
      );
      assert.match(await dag.page.evaluate("document.getElementById('pll-failed').textContent"), /#\d+ broken — exit 2.*disk on fire/s);
      assert.match(await dag.page.evaluate("document.getElementById('pll-hooks').textContent"), /on failure.*exit 0/s);
      // The table sorts by duration, longest first.
      const sorted = (await dag.page.evaluate("window.pllReport.sortBy('duration'), window.pllReport.tableOrder()")) as number[];
      assert.equal(sorted[0], byName.get("slow").id);

      // ── a `par batch` rollout ──
      const hosts = Array.from({ length: 9 }, (_, i) => `web${String(i + 1).padStart(2, "0")}`);
      const rollout = await runAndCheck(
        browser,
        server,
        home,
        "rollout",
        ["jobset rollout", "rollout: seq <", "  canary: $ sleep 0.1", "  fleet: par batch 3 <", `    deploy_{host}: for host in ${hosts.join(" ")} $ sleep 0.1`, "  >", "  verify: $ true", ">", ""].join("\n"),
      );
      assert.deepEqual(
        rollout.bars.map((b) => b.name),
        ["canary", ...hosts.map((h) => `deploy_${h}`), "verify"],
      );
      assert.ok(rollout.bars.every((b) => b.outcome === "success"));

      // ── 10,000 jobs in ten blocks, every 997th failing; the file's pjc 8 is the limit under a global 16 ──
      assert.equal((await runPll(home, ["pjc", "16"])).code, 0);
      const blocks = Array.from({ length: 10 }, (_, b) => [
        `shard${b}: par <`,
        ...Array.from({ length: 1000 }, (_, i) => `  j${b}_${i}: $ ${(b * 1000 + i) % 997 === 0 ? "exit 1" : "true"}`),
        ">",
      ]).flat();
      const big = await runAndCheck(browser, server, home, "big", ["jobset big", "pjc 8", ...blocks, ""].join("\n"), {
        // every 50th bar, the failures and the last, on the canvas
        probe: (bars) => bars.filter((b, i) => i % 50 === 0 || b.outcome !== "success" || i === bars.length - 1).map((b) => b.index),
      });
      assert.equal(big.bars.length, 10_000);
      assert.equal(big.bars.filter((b) => b.outcome === "failed").length, 11);
      assert.equal(big.data.pjc, 8);
    });
  });
});

/** `pll kill`s the job named `name` once it runs. */
async function killWhenRunning(server: ServerProcess, home: string, name: string): Promise<void> {
  const job = await waitFor(async () => ((await raw(server, "GET", "/jobs?state=running")).json?.jobs as { id: number; name: string }[] | undefined)?.find((j) => j.name === name), `${name} to run`, 30_000);
  const killed = await runPll(home, ["kill", String(job.id)]);
  assert.equal(killed.code, 0, killed.stderr);
}

test("report: a run that does not exist, and a word that is not a run", async () => {
  await withServer(async (_server, home) => {
    const none = await runPll(home, ["report"], { cwd: home });
    assert.deepEqual([none.code, none.stderr], [1, "pll: report: no runs yet\n"]);
    const missing = await runPll(home, ["report", "r7"], { cwd: home });
    assert.deepEqual([missing.code, missing.stderr], [1, "pll: no such run: r7\n"]);
    const bad = await runPll(home, ["report", "seven"], { cwd: home });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^pll: report: expected a run \(r12 or 12\), got 'seven'/);
    // `#3` is a job, whatever the command: never read as run 3.
    const job = await runPll(home, ["report", "#3"], { cwd: home });
    assert.deepEqual([job.code, job.stderr], [2, "pll: report: expected a run (r12 or 12), got '#3': #3 is a job\n"]);
  });
});
