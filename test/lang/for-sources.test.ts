// `for f in glob "…"` and `for h in lines "…"`: values from the file system,
// relative to the enclosing cwd, sorted; nothing found is an error unless
// `optional`. And a bare value that looks like a glob, or a label that a
// value makes invalid (`gz_data/*.txt`), is an error instead of a job.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { compileFile } from "../../src/lang/index.js";

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "pll-for-"));
  await mkdir(path.join(dir, "data", "sub"), { recursive: true });
  await mkdir(path.join(dir, "other"));
  for (const f of ["data/b.txt", "data/a.txt", "data/c.log", "data/.hidden.txt", "data/sub/d.txt", "other/e.txt", "other/hosts"]) await writeFile(path.join(dir, f), "");
  await writeFile(path.join(dir, "hosts.txt"), "web1\n\ndb-2\r\nweb3\n");
});
after(() => rm(dir, { recursive: true, force: true }));

async function compile(text: string) {
  const file = path.join(dir, "x.pll");
  await writeFile(file, text);
  const r = await compileFile(file);
  return { graph: r.graph, errors: r.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.line}:${d.col}: ${d.message}`) };
}

const envOf = (g: Awaited<ReturnType<typeof compile>>["graph"], v: string) => g!.jobs.map((j) => j.env[v]);

describe("for … in glob", () => {
  it("expands relative to the file's cwd, sorted, skipping dot files; unlabeled names take the path with `_`", async () => {
    const { graph, errors } = await compile(`for f in glob "data/*.txt" $ gzip "$f"\n`);
    assert.deepEqual(errors, []);
    assert.deepEqual(envOf(graph, "f"), ["data/a.txt", "data/b.txt"]);
    assert.deepEqual(graph!.jobs.map((j) => j.name), ["x.1.data_a.txt", "x.1.data_b.txt"]);
    assert.deepEqual(graph!.jobs.map((j) => j.cwd), [dir, dir]);
  });

  it("is relative to an enclosing `cwd`, matches in every segment, and a labeled item names each match", async () => {
    const { graph, errors } = await compile(`par cwd other <\n  gz_{f}: for f in glob "*" $ gzip "$f"\n>\nfor p in glob "d*/s?b/[a-d].txt" $ cat "$p"\n`);
    assert.deepEqual(errors, []);
    assert.deepEqual(graph!.jobs.map((j) => [j.name, j.env.f ?? j.env.p]), [["gz_e.txt", "e.txt"], ["gz_hosts", "hosts"], ["x.2.data_sub_d.txt", "data/sub/d.txt"]]);
  });

  it("matching nothing is an error at the pattern, unless `optional`: then the item has no instances", async () => {
    const bad = await compile(`for f in glob "data/*.csv" $ x\n`);
    assert.deepEqual(bad.errors, [`1:15: \`glob "data/*.csv"\` gives nothing (in ${dir}); write \`glob "data/*.csv" optional\` if that may be`]);
    const ok = await compile(`for f in glob "data/*.csv" optional $ x\nb: $ y\n`);
    assert.deepEqual(ok.errors, []);
    assert.deepEqual(ok.graph!.jobs.map((j) => j.name), ["b"]);
  });
});

describe("for … in lines", () => {
  it("takes the file's non-empty lines in order, relative to the cwd", async () => {
    const { graph, errors } = await compile(`up_{h}: for h in lines "hosts.txt" $ ssh "$h" uptime\n`);
    assert.deepEqual(errors, []);
    assert.deepEqual(graph!.jobs.map((j) => [j.name, j.env.h]), [["up_web1", "web1"], ["up_db-2", "db-2"], ["up_web3", "web3"]]);
  });

  it("a missing file is an error at its name; a cartesian product with a plain list works", async () => {
    const missing = await compile(`for h in lines "nope.txt" $ x\n`);
    assert.deepEqual(missing.errors, [`1:16: can't read \`nope.txt\` (${path.join(dir, "nope.txt")}): no such file`]);
    const both = await compile(`t_{h}_{m}: for h in lines "hosts.txt" for m in a b $ x\n`);
    assert.deepEqual(both.graph!.jobs.map((j) => j.name), ["t_web1_a", "t_web1_b", "t_db-2_a", "t_db-2_b", "t_web3_a", "t_web3_b"]);
  });

  it("`glob`/`lines` need one string; quoted, they are plain values", async () => {
    const bad = await compile(`for f in glob data $ x\n`);
    assert.match(bad.errors[0]!, /^1:10: `glob` takes one string and maybe `optional`/);
    const plain = await compile(`k_{f}: for f in "glob" "lines" $ x\n`);
    assert.deepEqual(plain.errors, []);
    assert.deepEqual(plain.graph!.jobs.map((j) => j.name), ["k_glob", "k_lines"]);
  });
});

describe("what used to slip through", () => {
  it("`for f in data/*.txt` is an error saying to write `glob`, not one job named `gz_data/*.txt`", async () => {
    const { graph, errors } = await compile(`gz_{f}: for f in data/*.txt $ gzip $f\n`);
    assert.equal(graph, undefined);
    assert.deepEqual(errors, [
      "1:1: label `gz_{f}` makes `gz_data/*.txt`, which is not a valid name (letters, digits, _, - and .): use a variable whose values fit, or leave the item unlabeled",
      '1:18: `data/*.txt` is one value, not a glob: write `for … in glob "data/*.txt"` for the files it matches (or quote it for the text)',
    ]);
  });

  it("a label that a glob's path makes invalid is an error, not a name with `/`", async () => {
    const { errors } = await compile(`gz_{f}: for f in glob "data/*.txt" $ gzip $f\n`);
    assert.match(errors[0]!, /^1:1: label `gz_\{f\}` makes `gz_data\/a.txt`, which is not a valid name/);
  });
});
