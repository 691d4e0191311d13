import { test } from "node:test";
import assert from "node:assert/strict";
import type { JobRecord } from "../../src/core/types.js";
import { escapeTags, formatDuration, headerLines, statusLine, tableHeading, tableRow } from "../../src/shell/format.js";
import { JOB_STATES } from "../../src/shell/model.js";
import { errorLine, filterFromText, outputNotice, placeOutput } from "../../src/shell/panes.js";

const untag = (s: string) =>
  s.replace(/\{open\}/g, "\0o").replace(/\{close\}/g, "\0c").replace(/\{\/?[a-z-]*\}/g, "").replace(/\0o/g, "{").replace(/\0c/g, "}");

const job: JobRecord = {
  id: 12, runId: 1, jobset: "x", key: "k", name: "build {all}", command: "make", cwd: "/", env: {}, priority: 10, deps: [],
  blocks: [], retry: { count: 0, backoffMs: 0 }, units: 1, hooks: [], state: "errored",
  attempts: [{ n: 1, startedAt: 0, endedAt: 65_000, exitCode: 2 }], createdAt: 0, startedAt: 0, endedAt: 65_000, exitCode: 2,
  logOut: "", logErr: "",
};

test("a row holds number, name, state, priority, tries, duration and exit code, exactly as wide as the table", () => {
  const row = untag(tableRow(job, 78, 100_000, false));
  assert.equal(row.length, 78);
  assert.match(row, /^\s+12 build \{all\}\s+errored\s+10\s+1 \S+\s+1m05s\s+2$/);
  assert.equal(untag(tableHeading(78)).length, 78);
});

test("names cannot inject blessed tags", () => {
  assert.equal(escapeTags("{red-fg}x{/}"), "{open}red-fg{close}x{open}/{close}");
  assert.ok(tableRow(job, 78, 0, false).includes("build {open}all{close}"));
});

test("durations read like a person would say them", () => {
  assert.deepEqual([1500, 42_000, 65_000, 3_725_000, 90_000_000].map(formatDuration), ["1.5s", "42s", "1m05s", "1h02m", "1d01h"]);
  assert.equal(formatDuration(undefined), "—");
});

test("the status line keeps a red failure count on its right while jobs are errored", () => {
  const line = untag(statusLine({ level: "info", message: "pjc set to 6", at: 0 }, 3, 60));
  assert.equal(line.length, 60);
  assert.match(line, /^pjc set to 6\s+ ✗ 3 failed $/);
  assert.equal(untag(statusLine(undefined, 0, 60)), "");
  const both = untag(statusLine({ level: "warn", message: "#3 x overran", at: 0 }, 1, 60, 2));
  assert.match(both, /^#3 x overran\s+ ⚠ 2 overruns  ✗ 1 failed $/);
  assert.equal(both.length, 60);
});

test("the filter prompt takes a state (failed = errored) and/or a jobset", () => {
  assert.deepEqual(filterFromText("failed", JOB_STATES), { state: "errored" });
  assert.deepEqual(filterFromText(" nightly running ", JOB_STATES), { jobset: "nightly", state: "running" });
  assert.deepEqual(filterFromText("", JOB_STATES), {});
});

test("answers: one line to the status line, a job's output to the pane, a big listing to the overlay", () => {
  const fits = (lines: string[]) => lines.length <= 3;
  assert.deepEqual(placeOutput("pjc 6", "pjc: 6", fits), { where: "status" });
  assert.deepEqual(placeOutput("tail 3", "a\nb\nc\nd\ne", fits), { where: "pane", anchor: "bottom" });
  assert.deepEqual(placeOutput("show 3", "a\nb", fits), { where: "pane", anchor: "top" });
  assert.deepEqual(placeOutput("status", "a\nb\nc\nd", fits), { where: "viewer" });
  assert.equal(outputNotice("frob", false, "error: unknown command 'frob'", { where: "status" }), "error: unknown command 'frob'");
  assert.equal(outputNotice("status", true, "a\nb\nc\nd", { where: "viewer" }), "status: 4 lines");
});

test("the header's first line gives up the server path before any number when narrow", () => {
  const info = {
    jobsets: ["db-dumps"], pjc: 3, busy: 3, done: 1, total: 10, elapsedMs: 12_000, etaMs: 126_000, paused: [], overruns: 0,
    counts: { running: 3, pending: 6, blocked: 0, success: 0, errored: 1, skipped: 0, cancelled: 0 },
  };
  const wide = untag(headerLines(info, "/tmp/a-rather-long-home-directory", 120)[0]);
  assert.equal(wide, "pll /tmp/a-rather-long-home-directory  jobset db-dumps  PJC 3 (3 busy)  elapsed 12s  ETA 2m06s");
  const narrow = untag(headerLines(info, "/tmp/a-rather-long-home-directory", 80)[0]);
  assert.ok(narrow.length <= 80, narrow);
  assert.match(narrow, /^pll …\S*directory  jobset db-dumps  PJC 3 \(3 busy\)  elapsed 12s  ETA 2m06s$/);
});

test("the name column stops at 32 characters, with …; the row still fills the table", () => {
  const long = { ...job, name: "a_job_name_that_goes_on_and_on_for_seventy_characters_or_so_and_more" };
  const row = untag(tableRow(long, 118, 100_000, false));
  assert.equal(row.length, 118);
  assert.match(row, /^\s+12 a_job_name_that_goes_on_and_on_… errored/);
  assert.equal(untag(tableHeading(118)).length, 118);
});

test("a failed command's answer is one line: a diagnostic says where, without `error: <shell>:1:4: error:`", () => {
  const typed = "error: <shell>:1:10: error: unknown priority `xx`\n   1 | priority xx $ true\n     |          ^^";
  assert.equal(errorLine(typed), "error at column 10: unknown priority `xx`");
  assert.deepEqual(placeOutput("priority xx $ true", typed, () => true, false), { where: "status" });
  const file = "error: /tmp/x.pll:3:1: error: unknown word\n   3 | frob\n     | ^\n/tmp/x.pll:5:2: error: bad\n   5 |  y\n     |  ^";
  assert.equal(errorLine(file), "error at /tmp/x.pll:3:1: unknown word (and 1 more)");
  assert.equal(outputNotice("load x.pll", false, file, { where: "viewer" }), "error at /tmp/x.pll:3:1: unknown word (and 1 more)");
  assert.equal(errorLine("error: unknown command 'frob'"), "error: unknown command 'frob'");
});
