// Every load error: its words and its position (`line:col message`).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileFile, compileSource, formatDiagnostics } from "../../src/lang/index.js";
import { errorOf, errorsOf, lines } from "./compile-fixture.js";

describe("syntax errors", () => {
  it("names the block a missing `>` should close, and where it opened", () => {
    assert.equal(errorOf(lines("a: seq <", "  $ x")), "2:6 expected `>` to close the `a: seq <` opened at 1:8");
  });

  it("uses indentation to tell which block lacks its `>`", () => {
    assert.equal(errorOf(lines("a: seq <", "  b: par <", "    $ x", ">")), "4:2 expected `>` to close the `b: par <` opened at 2:10");
  });

  it("reports a `>` that closes nothing", () => {
    assert.equal(errorOf(lines(">", "$ x")), "1:1 `>` closes no block: there is no open `<` here");
  });

  it("reports a label with nothing to name", () => {
    assert.equal(errorOf("a:\n"), "1:1 `a:` labels nothing: give it a command (`$ …`) or a block (`< … >`) on the same line");
  });

  it("reports an empty command", () => {
    assert.equal(errorOf("a: $   \n"), "1:4 empty command: write the shell command after `$`");
  });

  it("reports an unterminated string once", () => {
    assert.equal(errorOf('a: cwd "x $ y\n'), '1:8 this string has no closing " (strings end on the line they start)');
  });

  it("reports stray characters in words a user knows", () => {
    assert.equal(errorOf("a: $ x\n\x01\n"), "2:1 unexpected control character U+0001");
    assert.equal(errorOf("a: \\ b $ x\n"), "1:4 unexpected `\\`: outside a command, a backslash only continues a line, at its very end");
    assert.equal(errorOf("a: $ x \\"), "1:8 the source ends with `\\`: there is no next line for it to continue");
    assert.equal(errorOf(lines("a: <", "  b: $ x \\")), "2:9 expected `>` to close the `a: <` opened at 1:4");
  });

  it("suggests the nearest modifier for a misspelt one", () => {
    assert.equal(errorOf("priorty high\n"), "1:1 unknown modifier `priorty` — did you mean `priority`?");
    assert.equal(errorOf("a: timeut 5m $ x\n"), "1:4 unknown modifier `timeut` — did you mean `timeout`?");
  });

  it("hints that commands start with `$`", () => {
    assert.equal(errorOf("make test\n"), "1:1 `make` is not a modifier or keyword; a command starts with `$` (`$ make …`), a label ends with `:`");
  });

  it("says what a modifier's value should be", () => {
    assert.equal(errorOf("a: timeout $ x\n"), "1:12 expected a duration (e.g. 30s, 5m, 1h30m) after `timeout`, found `$`");
    assert.equal(errorOf("a: retry 2 backoff $ x\n"), "1:20 expected a duration (e.g. 30s) after `backoff`, found `$`");
    assert.equal(errorOf("a: retry x $ x\n"), "1:10 expected a whole number after `retry`, found `x`");
    assert.equal(errorOf("a: expect $ x\n"), "1:11 expected `time < DURATION` or `output < SIZE` after `expect`, found `$`");
    assert.equal(errorOf("a: expect time 5m $ x\n"), "1:16 expected `<` after `time`, found `5m`");
    assert.equal(errorOf("a: cron 5 $ x\n"), '1:9 expected a quoted cron expression (e.g. "0 2 * * *") after `cron`, found `5`');
    assert.equal(errorOf("env A=\n"), "1:7 expected a value (`env NAME=value` or `env NAME = value`) after `=`, found the end of the line");
    assert.equal(errorOf("env A = \n"), "1:9 expected a value (`env NAME=value` or `env NAME = value`) after `=`, found the end of the line");
    assert.equal(errorOf("for x in $ y\n"), "1:10 expected a value after `in`, found `$`");
    assert.equal(errorOf("a: pjc many <\n>\n"), "1:8 expected a whole number after `pjc`, found `many`");
  });

  it("explains a keyword used as a value", () => {
    assert.match(errorOf("a: role seq $ x\n"), /^1:9 expected a role name after `role`, found `seq`/);
  });

  it("wants the block's items on the lines below `<`", () => {
    assert.equal(errorOf(lines("a: seq < x", "  $ y", ">")), "1:10 expected the end of the line after `<`, found `x`");
  });

  it("reports every bad line at once, one error per line, and keeps the nesting", () => {
    const errs = errorsOf(lines("a: timeout $ x", "b: seq <", "  c: prio high $ y", "  d: $ ok", ">", "e: after $ z"));
    assert.deepEqual(errs.map((e) => e.split(" ")[0]), ["1:12", "3:6", "6:10"]);
  });

  it("does not run the checks of meaning on a file with syntax errors", () => {
    assert.deepEqual(errorsOf(lines("a: after nowhere $ x", "b: timeout $ y")).length, 1);
  });
});

describe("errors of meaning", () => {
  it("rejects invalid durations, sizes and counts", () => {
    assert.equal(errorOf("a: timeout 1.5h $ x\n"), "1:12 invalid duration `1.5h` for `timeout`: use whole numbers with units ms, s, m, h, d or w, e.g. 30s, 5m, 1h30m, 2d");
    assert.equal(errorOf("a: timeout 30 $ x\n"), "1:12 `30` needs a unit: 30s, 30m or 30h (`timeout` takes a duration)");
    assert.equal(errorOf("a: expect output < 5XB $ x\n"), "1:20 invalid size `5XB`: use a whole number with a unit, e.g. 512B, 10KB, 5MB, 1GB");
    assert.equal(errorOf("a: expect size < 5MB $ x\n"), "1:11 `expect` takes `time < DURATION` or `output < SIZE`, found `size`");
    assert.equal(errorOf("pjc 0\n"), "1:5 `pjc` must be at least 1, found 0");
    assert.equal(errorOf("a: units -1 $ x\n"), "1:10 `units` must be at least 0, found -1");
    assert.equal(errorOf("a: priority hihg $ x\n"), "1:13 unknown priority `hihg`: use `high`, `normal` or `low` or a whole number — did you mean `high`?");
  });

  it("rejects a zero timeout or `expect time`, which would act the moment a job starts", () => {
    assert.equal(errorOf("a: timeout 0s $ x\n"), "1:12 `timeout 0s` would kill every job the moment it starts: give a duration above zero, or leave `timeout` out for no limit");
    assert.equal(errorOf(lines("blk: timeout 0m0s <", "  a: $ x", ">")), "1:14 `timeout 0m0s` would kill every job the moment it starts: give a duration above zero, or leave `timeout` out for no limit");
    assert.equal(errorOf("a: expect time < 0ms $ x\n"), "1:18 `expect time < 0ms` would flag every job as overrunning the moment it starts: give a duration above zero, or leave `expect time` out for no limit");
  });

  it("reports unknown names with a suggestion", () => {
    assert.equal(errorOf(lines("dump: $ d", "b: after dupm $ b")), "2:10 unknown job or block `dupm` — did you mean `dump`?");
    assert.equal(errorOf("x: after dump_* $ x\n"), "1:10 `after dump_*` matches no job or block");
    assert.equal(errorOf("x: after x* $ x\n"), "1:10 `after x*` matches only `x` itself or blocks around it");
  });

  it("reports waiting on yourself, a block around you or a block inside you", () => {
    assert.equal(errorOf("f: after f $ x\n"), "1:10 `f` can't wait for itself");
    assert.equal(errorOf(lines("b: seq <", "  x: after b $ x", ">")), "2:12 `x` can't wait for `b`, which contains it");
    assert.equal(errorOf(lines("b: after x seq <", "  x: $ x", ">")), "1:10 `b` can't wait for `x`, which is part of it");
  });

  it("names the jobs of a dependency cycle", () => {
    assert.equal(errorOf(lines("a: after c $ a", "b: after a $ b", "c: after b $ c")), "1:10 dependency cycle: `a` waits for `c`, which waits for `b`, which waits for `a`");
    assert.equal(errorOf(lines("s: seq <", "  a: after t $ a", "  b: $ b", ">", "t: after s $ t")), "2:12 dependency cycle: `a` waits for `t`, which waits for `b`, which waits for `a`");
  });

  it("reports duplicate labels and `for` labels without their variable", () => {
    assert.equal(errorOf(lines("a: $ x", "a: $ y")), "2:1 `a` is defined twice (first at 1:1)");
    assert.equal(errorOf("d: for x in 1 2 $ x\n"), "1:1 label `d` is the same for every value of `for x`: put `{x}` in it (e.g. `d_{x}`)");
    assert.equal(errorOf(lines("for x in a b <", "  d: $ x", ">")), "2:3 `d` names one item per value of the `for` around it: put the loop variable in the label (e.g. `d_{var}`)");
    assert.equal(errorOf("t_{w}: $ x\n"), "1:1 unknown variable `{w}` in `t_{w}`: no `for w in …` encloses it");
    assert.equal(errorOf("d_{x}: for x in 1 1 $ x\n"), "1:19 `1` appears twice in `for x`");
    assert.equal(errorOf("12: $ x\n"), "1:1 a label can't be a plain number (`12` would look like job #12)");
    assert.equal(errorOf("a*b: $ x\n"), "1:1 `a*b` is not a valid label: use letters, digits, _, - and . (and `{var}` for a `for` variable)");
  });

  it("puts `batch`, `pjc`, `for`, `after` and `jobset` where they belong", () => {
    assert.equal(errorOf(lines("d: seq batch 3 <", "  $ x", ">")), "1:8 `batch` only makes sense in a `par` block; `d` is a `seq` block, which already runs one item at a time");
    assert.equal(errorOf("a: pjc 3 $ x\n"), "1:4 `pjc` limits a block; this item is a single job (put it on a `par <` or `seq <` block)");
    assert.equal(errorOf("for x in a b\n"), "1:1 `for` goes on an item (`for x in a b $ …` or `for x in a b < … >`), not on a line of its own");
    assert.equal(errorOf("after a\na: $ x\n"), "1:1 `after` can't be a file setting (every job would wait, including the ones it names); put it on an item");
    assert.equal(errorOf(lines("jobset a", "jobset b")), "2:1 `jobset` is given twice (the file is already `a`)");
    assert.equal(errorOf(lines("<", "  jobset b", "  $ x", ">")), "2:3 `jobset` names the whole file: put it at the top level, not inside a block");
    assert.equal(errorOf("x: after 12 $ y\n"), "1:10 `after 12`: job numbers only make sense in the shell; in a file, name the job or block");
    assert.equal(errorOf("x: after #12 $ y\n"), "1:10 `after #12`: job numbers only make sense in the shell; in a file, name the job or block");
  });

  it("checks hooks, env names and repeated modifiers", () => {
    assert.equal(errorOf("on failur $ x\n"), "1:4 unknown hook event `failur`: use `failure`, `success`, `done` or `overrun` — did you mean `failure`?");
    assert.equal(errorOf("env 1A=b\n"), "1:5 `1A` is not a valid environment variable name (letters, digits and _, not starting with a digit)");
    assert.equal(errorOf("a: priority high priority low $ x\n"), "1:18 `priority` is given twice on this line (first at 1:4)");
  });

  it("validates schedules: cron, zones, times, policies", () => {
    assert.equal(errorOf('a: cron "61 * * * *" $ x\n'), "1:9 invalid cron expression `61 * * * *`: Constraint error, got value 61 expected range 0-59");
    // An open range is "got range NaN-330" in cron-parser's words (found by the fuzz test).
    assert.equal(errorOf('a: cron "-330 2 * * *" $ x\n'), "1:9 invalid cron expression `-330 2 * * *`: a range needs a number on each side of `-` (like 1-5)");
    assert.equal(errorOf('a: cron "0 1- * * *" $ x\n'), "1:9 invalid cron expression `0 1- * * *`: a range needs a number on each side of `-` (like 1-5)");
    assert.equal(errorOf('a: cron "* *" $ x\n'), "1:9 a cron expression has 5 fields (minute hour day month weekday) or 6 (with seconds first); `* *` has 2");
    assert.equal(errorOf('a: tz "Europe/Berlyn" every 5m $ x\n'), '1:7 unknown time zone `Europe/Berlyn`: use an IANA name like "Europe/Berlin" or "UTC" — did you mean `Europe/Berlin`?');
    assert.equal(errorOf('a: at "2026-02-30 10:00" $ x\n'), "1:7 `2026-02-30 10:00` is not a real date and time");
    assert.equal(errorOf('a: at "tomorrow" $ x\n'), '1:7 invalid time `tomorrow` for `at`: write "YYYY-MM-DD HH:MM", e.g. "2026-12-01 02:00"');
    assert.equal(errorOf("a: overlap skp every 1m $ x\n"), "1:12 unknown overlap policy `skp`: use `skip`, `queue`, `allow` or `replace` — did you mean `skip`?");
    assert.equal(errorOf("a: catchup al every 1m $ x\n"), "1:12 unknown catch-up policy `al`: use `none`, `once` or `all` — did you mean `all`?");
    assert.equal(errorOf("a: every 0s $ x\n"), "1:10 `every` needs a duration above zero");
    assert.equal(errorOf("a: every 1ms $ x\n"), "1:10 `every 1ms` is too often: the shortest period is 1s");
    assert.equal(errorOf("every 999ms\n$ x\n"), "1:7 `every 999ms` is too often: the shortest period is 1s");
  });

  it("puts schedules only on the file or top-level items", () => {
    assert.equal(errorOf(lines("p: every 5m <", "  q: every 1m $ x", ">")), "2:6 `every` can't go on `q`: schedules go on the file or on a top-level item");
    assert.equal(errorOf(lines("p: <", "  cron \"* * * * *\"", "  $ x", ">")), "2:3 `cron` can't be a setting inside a block: schedules go on the file or on a top-level item");
    assert.equal(errorOf('a: tz "UTC" $ x\n'), "1:4 `tz` needs a schedule on the same line: `every`, `cron` or `at`");
    assert.equal(errorOf('a: every 1m cron "* * * * *" $ x\n'), "1:13 choose one of `every`, `cron` and `at` (`every` is already given)");
    assert.equal(errorOf(lines("every 1m", "a: every 2m $ x")), "2:4 this file already runs on a schedule (a file-level `every`/`cron`/`at`); `a` can't have its own");
    assert.equal(errorOf(lines("a: every 1m $ x", "b: after a $ y")), "2:10 `b` runs at load but `a` runs on schedule `test/a`: a job can only wait for jobs that run with it");
  });

  it("reports every error of meaning at once, in file order", () => {
    const errs = errorsOf(lines("a: timeout 5x $ a", "b: after nope $ b", "c: priority urgent $ c", "c: $ d"));
    assert.deepEqual(errs.map((e) => e.split(" ")[0]), ["1:12", "2:10", "3:13", "4:1"]);
  });
});

describe("rendering and files", () => {
  it("renders file:line:col, the line and a caret under the offending text", () => {
    const src = lines("dump: $ d", "report: after dupm $ ./report.sh");
    const r = compileSource(src, "db.pll");
    assert.equal(formatDiagnostics(r.diagnostics, src), [
      "db.pll:2:15: error: unknown job or block `dupm` — did you mean `dump`?",
      "   2 | report: after dupm $ ./report.sh",
      "     |               ^^^^",
      "",
    ].join("\n"));
  });

  it("keeps tabs so the caret lines up, and colours only when asked", () => {
    const src = "\ta: timeout 5x $ x\n";
    const r = compileSource(src, "t.pll");
    const out = formatDiagnostics(r.diagnostics, src).split("\n");
    assert.equal(out[2], "     | \t           ^^");
    assert.ok(!out.join("").includes("\u001b["));
    assert.ok(formatDiagnostics(r.diagnostics, src, { color: true }).includes("\u001b["));
  });

  it("refuses a missing file with a usage error (exit 2), as check, graph, run and load say it", async () => {
    await assert.rejects(compileFile("/nonexistent/x.pll"), { kind: "usage", message: "can't read /nonexistent/x.pll: no such file" });
  });

  it("warns about an empty block without failing", () => {
    const r = compileSource(lines("e: <", ">", "$ x"), "w.pll");
    assert.ok(r.graph);
    assert.deepEqual(r.diagnostics.map((d) => `${d.severity} ${d.line}:${d.col} ${d.message}`), ["warning 1:4 block `e` has no jobs"]);
  });
});
