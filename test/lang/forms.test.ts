// Every form of the language, parsed and compiled: what a user writes and the graph it gives.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { depsOf, FILE, graphOf, job, lines } from "./compile-fixture.js";

describe("jobs and commands", () => {
  it("takes everything after `$` verbatim, shell punctuation included", () => {
    const g = graphOf(`build: $ make -j4 2>&1 | tee "log <1>.txt" # not a comment   \n`);
    assert.equal(job(g, "build").command, `make -j4 2>&1 | tee "log <1>.txt" # not a comment`);
  });

  it("continues a command over lines ending in `\\`, kept verbatim for sh", () => {
    const g = graphOf(lines("a: $ echo one \\", "   two", "b: $ echo b"));
    assert.equal(job(g, "a").command, "echo one \\\n   two");
    assert.equal(job(g, "b").command, "echo b");
  });

  it("continues a modifier line with `\\`", () => {
    const g = graphOf(lines("a: priority high \\", "   timeout 5m $ x"));
    assert.equal(job(g, "a").priority, 10);
    assert.equal(job(g, "a").timeoutMs, 300_000);
  });

  it("ignores comments and blank lines outside commands", () => {
    const g = graphOf(lines("# heading", "", "a: $ x   # comment belongs to sh", "   # indented comment", "b: $ y"));
    assert.deepEqual(g.jobs.map((j) => j.name), ["a", "b"]);
  });

  it("accepts CRLF line endings and a last line without a newline", () => {
    const g = graphOf("a: $ echo a\r\nseq <\r\n  $ echo b\r\n>");
    assert.equal(job(g, "a").command, "echo a");
    assert.equal(g.jobs.length, 2);
  });

  it("defaults cwd to the file's directory and the jobset to its base name", () => {
    const g = graphOf("$ x\n", "/srv/jobs/nightly-sync.pll");
    assert.equal(g.jobset, "nightly-sync");
    assert.equal(g.jobs[0]!.cwd, "/srv/jobs");
    assert.equal(g.file, "/srv/jobs/nightly-sync.pll");
  });

  it("takes the jobset name from `jobset`, wherever it stands at top level", () => {
    assert.equal(graphOf(lines("$ x", "jobset db-dumps")).jobset, "db-dumps");
  });

  it("locates a job at its label, else its first modifier, else its `$`", () => {
    const g = graphOf(lines("a: $ x", "  priority 1 $ y", "    $ z"));
    assert.deepEqual(g.jobs.map((j) => [j.loc.line, j.loc.col]), [[1, 1], [2, 3], [3, 5]]);
  });

  it("lets keywords be labels", () => {
    const g = graphOf(lines("env: $ printenv", "after: after env $ x"));
    assert.deepEqual(depsOf(g, "after"), ["env"]);
  });

  it("gives every job the defaults: priority 0, no retry, 1 unit, no hooks", () => {
    const j = graphOf("a: $ x\n").jobs[0]!;
    assert.deepEqual({ ...j, loc: undefined }, {
      key: "a", name: "a", command: "x", cwd: "/work", env: {}, priority: 0, deps: [], blocks: [],
      retry: { count: 0, backoffMs: 0 }, units: 1, hooks: [], loc: undefined,
    });
    assert.deepEqual(j.loc, { file: FILE, line: 1, col: 1 });
  });
});

describe("blocks", () => {
  it("chains seq items and runs par items side by side", () => {
    const g = graphOf(lines("s: seq <", "  a: $ a", "  p: par <", "    b: $ b", "    c: $ c", "  >", "  d: $ d", ">"));
    assert.deepEqual(depsOf(g, "a"), []);
    assert.deepEqual(depsOf(g, "b"), ["a"]);
    assert.deepEqual(depsOf(g, "c"), ["a"]);
    assert.deepEqual(depsOf(g, "d"), ["b", "c"]);
    assert.deepEqual(g.blocks.map((b) => [b.name, b.kind, b.parent, b.jobs]), [
      ["s", "seq", undefined, ["a", "b", "c", "d"]],
      ["p", "par", "s", ["b", "c"]],
    ]);
    assert.deepEqual(job(g, "b").blocks, ["p", "s"]);
  });

  it("treats a bare `<` as par and the file as par", () => {
    const g = graphOf(lines("<", "  $ a", "  $ b", ">", "$ c"));
    assert.equal(g.blocks[0]!.kind, "par");
    assert.ok(g.jobs.every((j) => j.deps.length === 0));
  });

  it("names unlabeled items after their parent and position", () => {
    const g = graphOf(lines("jobset demo", "$ a", "build: seq <", "  $ b", "  <", "    $ c", "  >", ">"));
    assert.deepEqual(g.jobs.map((j) => j.name), ["demo.1", "build.1", "build.2.1"]);
    assert.deepEqual(g.blocks.map((b) => b.name), ["build", "build.2"]);
  });

  it("accepts modifiers after `seq`/`par` as well as before", () => {
    const g = graphOf(lines("r: par batch 2 pjc 3 <", "  $ a", ">", "t: pjc 4 seq <", "  $ b", ">"));
    assert.deepEqual(g.blocks.map((b) => [b.name, b.pjc, b.batch]), [["r", 3, 2], ["t", 4, undefined]]);
  });

  it("compiles `par batch N` into barriers between groups of N items", () => {
    const g = graphOf(lines("r: par batch 2 <", "  a: $ a", "  b: $ b", "  c: $ c", "  d: $ d", "  e: $ e", ">"));
    assert.deepEqual(depsOf(g, "a"), []);
    assert.deepEqual(depsOf(g, "b"), []);
    assert.deepEqual(depsOf(g, "c"), ["a", "b"]);
    assert.deepEqual(depsOf(g, "d"), ["a", "b"]);
    assert.deepEqual(depsOf(g, "e"), ["c", "d"]);
  });

  it("skips empty blocks in a seq, with a warning", () => {
    const src = lines("s: seq <", "  a: $ a", "  e: <", "  >", "  b: $ b", ">");
    assert.deepEqual(depsOf(graphOf(src), "b"), ["a"]);
  });

  it("wires a seq from the sinks of one item to the sources of the next, not all to all", () => {
    const g = graphOf(lines("seq <", "  s1: seq <", "    a: $ a", "    b: $ b", "  >", "  s2: seq <", "    c: $ c", "    d: $ d", "  >", ">"));
    assert.deepEqual(depsOf(g, "c"), ["b"]);
    assert.deepEqual(depsOf(g, "d"), ["c"]);
  });
});

describe("settings and inheritance", () => {
  it("applies a setting line to every item of its block, inner settings winning", () => {
    const g = graphOf(lines(
      "priority low",
      "retry 2 backoff 30s",
      "a: $ a",
      "b: priority high $ b",
      "blk: seq <",
      "  timeout 5m",
      "  c: $ c",
      "  d: retry 0 $ d",
      ">",
    ));
    assert.equal(job(g, "a").priority, -10);
    assert.deepEqual(job(g, "a").retry, { count: 2, backoffMs: 30_000 });
    assert.equal(job(g, "b").priority, 10);
    assert.equal(job(g, "c").timeoutMs, 300_000);
    assert.equal(job(g, "c").priority, -10);
    assert.deepEqual(job(g, "d").retry, { count: 0, backoffMs: 0 });
    assert.equal(job(g, "a").timeoutMs, undefined);
  });

  it("applies a setting line even to items above it in the block", () => {
    const g = graphOf(lines("a: $ a", "priority 7"));
    assert.equal(job(g, "a").priority, 7);
  });

  it("treats block header modifiers like settings inside the block", () => {
    const g = graphOf(lines("b: priority high units 2 role gpu <", "  a: $ a", "  c: units 0 $ c", ">"));
    assert.equal(job(g, "a").priority, 10);
    assert.equal(job(g, "a").units, 2);
    assert.equal(job(g, "a").role, "gpu");
    assert.equal(job(g, "c").units, 0);
  });

  it("merges env, inner names overriding, values taken literally", () => {
    const g = graphOf(lines('env A=1', 'env P=/usr/bin:$PATH', 'blk: env A=2 env B="two words" <', "  a: env C='x y' $ a", ">"));
    assert.deepEqual(job(g, "a").env, { A: "2", P: "/usr/bin:$PATH", B: "two words", C: "x y" });
  });

  it("reads `env NAME = value` as tokens: spaces around `=` or none, bare or quoted", () => {
    const g = graphOf(lines('env A = "y"', "env B =\"y\"", 'env C="y"', "env D = y", "env E= /a:b", 'a: env F = "two words" $ a'));
    assert.deepEqual(job(g, "a").env, { A: "y", B: "y", C: "y", D: "y", E: "/a:b", F: "two words" });
  });

  it("resolves cwd against the enclosing cwd and expands ~", () => {
    const g = graphOf(lines("cwd build", "a: $ a", "b: cwd /tmp $ b", "c: cwd ../out $ c", "d: cwd ~/x $ d"));
    assert.equal(job(g, "a").cwd, "/work/build");
    assert.equal(job(g, "b").cwd, "/tmp");
    assert.equal(job(g, "c").cwd, "/work/out");
    assert.ok(job(g, "d").cwd.endsWith("/x") && !job(g, "d").cwd.includes("~"));
  });

  it("reads every job modifier", () => {
    const g = graphOf("a: priority -5 timeout 1h30m retry 3 backoff 500ms expect time < 2m expect output < 10KB fresh 1d units 4 role uploader $ a\n");
    const a = job(g, "a");
    assert.equal(a.priority, -5);
    assert.equal(a.timeoutMs, 5_400_000);
    assert.deepEqual(a.retry, { count: 3, backoffMs: 500 });
    assert.deepEqual(a.expect, { timeMs: 120_000, outputBytes: 10_240 });
    assert.equal(a.freshMs, 86_400_000);
    assert.equal(a.units, 4);
    assert.equal(a.role, "uploader");
  });

  it("reads sizes in any case and binary units", () => {
    const g = graphOf(lines("a: expect output < 5MB $ a", "b: expect output < 1gb $ b", "c: expect output < 2KiB $ c", "d: expect output < 512B $ d"));
    assert.deepEqual(["a", "b", "c", "d"].map((n) => job(g, n).expect?.outputBytes), [5 * 1024 ** 2, 1024 ** 3, 2048, 512]);
  });

  it("scopes hooks to their block, innermost first", () => {
    const g = graphOf(lines("on failure $ echo file", "a: $ a", "b: <", "  on success $ echo block", "  c: $ c", ">"));
    assert.deepEqual(job(g, "a").hooks.map((h) => [h.on, h.command]), [["failure", "echo file"]]);
    assert.deepEqual(job(g, "c").hooks.map((h) => [h.on, h.command]), [["success", "echo block"], ["failure", "echo file"]]);
  });

  it("records the file-level pjc on the graph and block pjc on blocks", () => {
    const g = graphOf(lines("pjc 6", "b: <", "  pjc 2", "  $ x", ">"));
    assert.equal(g.pjc, 6);
    assert.equal(g.blocks[0]!.pjc, 2);
  });
});

describe("for", () => {
  it("instantiates an item per value, exporting the variable and expanding {var} in labels", () => {
    const g = graphOf(lines("for db in orders users <", "  dump_{db}: $ pg_dump \"$db\"", ">"));
    assert.deepEqual(g.jobs.map((j) => [j.name, j.env, j.command]), [
      ["dump_orders", { db: "orders" }, 'pg_dump "$db"'],
      ["dump_users", { db: "users" }, 'pg_dump "$db"'],
    ]);
  });

  it("makes a cartesian product of several `for`s, first one outermost", () => {
    const g = graphOf('t_{os}_{v}: for os in linux mac for v in 18 "20" $ test\n');
    assert.deepEqual(g.jobs.map((j) => j.name), ["t_linux_18", "t_linux_20", "t_mac_18", "t_mac_20"]);
    assert.deepEqual(job(g, "t_mac_20").env, { os: "mac", v: "20" });
  });

  it("expands in place: one after another in a seq, counted as items by batch", () => {
    const s = graphOf(lines("seq <", "  s_{i}: for i in 1 2 3 $ x", ">"));
    assert.deepEqual(depsOf(s, "s_3"), ["s_2"]);
    const b = graphOf(lines("par batch 2 <", "  h_{i}: for i in 1 2 3 $ x", ">"));
    assert.deepEqual(depsOf(b, "h_3"), ["h_1", "h_2"]);
  });

  it("names unlabeled instances with their values", () => {
    const g = graphOf(lines("jobset m", "for a in x y for b in 1 2 $ t"));
    assert.deepEqual(g.jobs.map((j) => j.name), ["m.1.x.1", "m.1.x.2", "m.1.y.1", "m.1.y.2"]);
  });

  it("expands {var} in after refs", () => {
    const g = graphOf(lines("dump_{db}: for db in a b $ d", "load_{db}: for db in a b after dump_{db} $ l"));
    assert.deepEqual(depsOf(g, "load_a"), ["dump_a"]);
    assert.deepEqual(depsOf(g, "load_b"), ["dump_b"]);
  });

  it("lets nested blocks see the variables of enclosing `for`s", () => {
    const g = graphOf(lines("for r in eu us <", "  p_{r}: seq <", "    c_{r}_{n}: for n in 1 2 $ x", "  >", ">"));
    assert.deepEqual(job(g, "c_us_2").env, { r: "us", n: "2" });
    assert.deepEqual(depsOf(g, "c_us_2"), ["c_us_1"]);
  });
});

describe("after", () => {
  it("waits for a job, for the last jobs of a block, and makes a block's first jobs wait", () => {
    const g = graphOf(lines("p: seq <", "  a: $ a", "  b: $ b", ">", "q: after p seq <", "  c: $ c", "  d: $ d", ">", "r: after a, c $ r"));
    assert.deepEqual(depsOf(g, "c"), ["b"]);
    assert.deepEqual(depsOf(g, "d"), ["c"]);
    assert.deepEqual(depsOf(g, "r"), ["a", "c"]);
  });

  it("matches globs over job and block names, never the item itself", () => {
    const g = graphOf(lines("dump_a: $ a", "dump_b: $ b", "dump_all: after dump_* $ c", "x: after dump_[ab] $ x", "y: after dump_? $ y"));
    assert.deepEqual(depsOf(g, "dump_all"), ["dump_a", "dump_b"]);
    assert.deepEqual(depsOf(g, "x"), ["dump_a", "dump_b"]);
    assert.deepEqual(depsOf(g, "y"), ["dump_a", "dump_b"]);
  });

  it("makes a whole block wait when `after` is one of its settings", () => {
    const g = graphOf(lines("a: $ a", "b: <", "  after a", "  c: $ c", "  d: $ d", ">"));
    assert.deepEqual(depsOf(g, "c"), ["a"]);
    assert.deepEqual(depsOf(g, "d"), ["a"]);
  });

  it("may point forward in the file", () => {
    assert.deepEqual(depsOf(graphOf(lines("a: after b $ a", "b: $ b")), "a"), ["b"]);
  });
});

describe("schedules", () => {
  it("makes a file-level `every` a schedule running every job of the file", () => {
    const g = graphOf(lines("jobset hb", "every 5m", "a: $ a", "b: $ b"));
    assert.deepEqual(g.schedules.map((s) => [s.name, s.every, s.jobs, s.overlap, s.catchup]), [
      ["hb", { ms: 300_000, text: "5m" }, ["a", "b"], "skip", "once"],
    ]);
  });

  it("makes a scheduled top-level item its own schedule, with tz, overlap and catchup", () => {
    const g = graphOf(lines("jobset n", 'nightly: cron "0 2 * * *" tz "Europe/Berlin" overlap queue catchup all seq <', "  $ a", "  $ b", ">", "other: $ c"));
    assert.deepEqual(g.schedules.map((s) => [s.name, s.cron, s.tz, s.overlap, s.catchup, s.jobs]), [
      ["n/nightly", "0 2 * * *", "Europe/Berlin", "queue", "all", ["nightly.1", "nightly.2"]],
    ]);
    assert.deepEqual(g.schedules[0]!.loc, { file: FILE, line: 2, col: 10 });
  });

  it("normalises `at` times", () => {
    const g = graphOf(lines('once: at "2026-12-01 02:00" $ a', 'utc: at "2026-12-01T02:00:30Z" $ b'));
    assert.deepEqual(g.schedules.map((s) => s.at), ["2026-12-01T02:00:00", "2026-12-01T02:00:30Z"]);
  });

  it("uses file-level tz/overlap/catchup as defaults for item schedules", () => {
    const g = graphOf(lines('tz "UTC"', "overlap allow", 'a: cron "*/5 * * * *" $ a', 'b: every 1h tz "Asia/Tokyo" $ b'));
    assert.deepEqual(g.schedules.map((s) => [s.tz, s.overlap]), [["UTC", "allow"], ["Asia/Tokyo", "allow"]]);
  });

  it("accepts 6-field cron and @aliases", () => {
    const g = graphOf(lines('a: cron "*/10 * * * * *" $ a', 'b: cron "@daily" $ b'));
    assert.equal(g.schedules.length, 2);
  });

  it("lets jobs of one schedule wait for each other", () => {
    const g = graphOf(lines("n: every 1h <", "  a: $ a", "  b: after a $ b", ">"));
    assert.deepEqual(depsOf(g, "b"), ["a"]);
  });
});
