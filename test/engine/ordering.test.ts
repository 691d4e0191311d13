import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { graphOf, job } from "./graphs.js";
import { fixture, runToEnd, withEngine } from "./harness.js";

interface Marks {
  start: Map<string, bigint>;
  end: Map<string, bigint>;
  order: string[];
}

function readMarks(file: string): Marks {
  const marks: Marks = { start: new Map(), end: new Map(), order: [] };
  for (const line of readFileSync(file, "utf8").trim().split("\n")) {
    const [what, name, ns] = line.split(" ");
    if (what === "start") marks.order.push(name!);
    (what === "start" ? marks.start : marks.end).set(name!, BigInt(ns!));
  }
  return marks;
}

test("seq, par and after edges hold: every job starts after its dependencies ended", async () => {
  await withEngine(async (engine, home) => {
    const marks = path.join(home, "marks");
    const m = (name: string) => `${fixture("mark.sh")} ${name} ${marks} 0.05`;
    // seq < a  par < b c >  d >   e: after a
    const graph = graphOf(
      [
        job("a", m("a")),
        job("b", m("b"), { deps: ["a"] }),
        job("c", m("c"), { deps: ["a"] }),
        job("d", m("d"), { deps: ["b", "c"] }),
        job("e", m("e"), { deps: ["a"] }),
        job("f", m("f")),
      ],
      { pjc: 4 },
    );
    const run = await runToEnd(engine, graph);
    assert.equal(run.state, "success");
    const got = readMarks(marks);
    for (const spec of graph.jobs)
      for (const dep of spec.deps)
        assert.ok(got.start.get(spec.key)! >= got.end.get(dep)!, `${spec.key} started before ${dep} ended`);
  }, { pjc: 4 });
});

test("at pjc 1 jobs run by priority, then by job number", async () => {
  await withEngine(async (engine, home) => {
    const marks = path.join(home, "marks");
    const m = (name: string) => `${fixture("mark.sh")} ${name} ${marks}`;
    const graph = graphOf([
      job("low", m("low"), { priority: -10 }),
      job("n1", m("n1")),
      job("high", m("high"), { priority: 10 }),
      job("n2", m("n2")),
      job("p5", m("p5"), { priority: 5 }),
    ]);
    const run = await runToEnd(engine, graph);
    assert.equal(run.state, "success");
    assert.deepEqual(readMarks(marks).order, ["high", "p5", "n1", "n2", "low"]);
  }, { pjc: 1 });
});

test("the global and block pjc are never exceeded", async () => {
  await withEngine(async (engine, home) => {
    const log = path.join(home, "concurrency");
    // Each job appends + on start and - on end (O_APPEND lines are atomic).
    const body = (tag: string) => `echo "+${tag}" >> ${log}; sleep 0.03; echo "-${tag}" >> ${log}`;
    const inBlock = Array.from({ length: 12 }, (_, i) => job(`b${i}`, body("b"), { blocks: ["blk"] }));
    const free = Array.from({ length: 12 }, (_, i) => job(`f${i}`, body("f")));
    const graph = graphOf([...inBlock, ...free], { blocks: [{ key: "blk", pjc: 2, jobs: inBlock.map((j) => j.key) }] });
    const run = await runToEnd(engine, graph);
    assert.equal(run.state, "success");
    let all = 0;
    let block = 0;
    let maxAll = 0;
    let maxBlock = 0;
    for (const line of readFileSync(log, "utf8").trim().split("\n")) {
      const d = line[0] === "+" ? 1 : -1;
      all += d;
      if (line.slice(1) === "b") block += d;
      maxAll = Math.max(maxAll, all);
      maxBlock = Math.max(maxBlock, block);
    }
    assert.ok(maxAll <= 3, `global pjc 3 exceeded: ${maxAll}`);
    assert.ok(maxBlock <= 2, `block pjc 2 exceeded: ${maxBlock}`);
    assert.equal(all, 0);
  }, { pjc: 3 });
});
