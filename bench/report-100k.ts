// `pll report` for a run of N jobs (default 100,000): the HTML file's size, the
// time to build it, and in headless chromium the time to load and first draw
// it and to redraw after a scroll. The run's records are made up (N jobs in
// blocks of 1,000 at pjc 8, one in 100 failing once and retried): the page's
// cost depends on how many jobs and attempts it has, not on how they ran, and a
// real 100,000-job run takes minutes (bench/run-100k.ts).
// Usage: node dist/bench/report-100k.js [N=100000]   (needs Debian's chromium)
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { JobRecord, RunRecord, Settings } from "../src/core/types.js";
import { reportHtml } from "../src/report/html.js";
import { buildReport } from "../src/report/model.js";
import { withChromium } from "../test/helpers/chromium.js";
import { fmtMs, machineLoad } from "./lib-measure.js";

const n = Number(process.argv[2] ?? 100_000);
const pjc = 8;
console.log(machineLoad());

const t0 = 1_800_000_000_000;
const slots = Array.from({ length: pjc }, () => t0);
const jobs: JobRecord[] = [];
for (let i = 1; i <= n; i++) {
  const attempts = [];
  for (let a = 1; a <= (i % 100 === 0 ? 2 : 1); a++) {
    const slot = slots.indexOf(Math.min(...slots));
    const start = slots[slot]!;
    const end = start + 5 + (i % 37);
    slots[slot] = end;
    attempts.push({ n: a, startedAt: start, endedAt: end, exitCode: a === 1 && i % 100 === 0 ? 1 : 0 });
  }
  const last = attempts[attempts.length - 1]!;
  jobs.push({
    id: i, runId: 1, jobset: "big", name: `job_${i}`, key: `job_${i}`, command: "true", cwd: "/tmp", env: {}, priority: 0, retry: { count: 1, backoffMs: 0 }, units: 1, hooks: [],
    deps: [], blocks: [`1:shard${Math.floor((i - 1) / 1000)}`], attempts, createdAt: t0, logOut: `/tmp/${i}.out`, logErr: `/tmp/${i}.err`,
    state: "success", startedAt: last.startedAt, endedAt: last.endedAt, exitCode: 0,
  } as JobRecord);
}
const end = Math.max(...slots);
const run: RunRecord = { id: 1, jobset: "big", file: "/tmp/big.pll", state: "success", createdAt: t0, endedAt: end, jobIds: jobs.map((j) => j.id), blockPjc: { "": pjc } };
const settings: Settings = { pjc: 16, capacity: null, paused: [], jobsetPjc: {} };

const dir = mkdtempSync(path.join(tmpdir(), "pll-bench-report-"));
try {
  const built = performance.now();
  const html = reportHtml(buildReport(run, jobs, settings, { host: "bench", timeZone: "UTC", now: end, stderr: new Map(), hooks: new Map() }));
  const buildMs = performance.now() - built;
  const file = path.join(dir, "big.html");
  writeFileSync(file, html);
  const bytes = statSync(file).size;
  await withChromium(async (browser) => {
    const page = await browser.newPage();
    const loading = performance.now();
    await page.navigate(pathToFileURL(file).href);
    const loadMs = performance.now() - loading;
    const drawMs = (await page.evaluate("window.pllReport.renderMs")) as number;
    const bars = (await page.evaluate("window.pllReport.bars.length")) as number;
    // a scroll to the middle and back to the top, each drawn at once
    const scrollMs = (await page.evaluate(
      "(() => { const g = document.getElementById('pll-gantt'), t = performance.now(); for (const i of [Math.floor(window.pllReport.bars.length / 2), 0]) window.pllReport.probe(i); return (performance.now() - t) / 2; })()",
    )) as number;
    console.log(
      `report of ${n} jobs (${bars} bars): HTML ${(bytes / 1e6).toFixed(1)} MB, built in ${fmtMs(buildMs)}; ` +
        `chromium: load to first draw ${fmtMs(loadMs)} (the page's script ${fmtMs(drawMs)}), a scroll's redraw ${scrollMs.toFixed(1)} ms`,
    );
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
