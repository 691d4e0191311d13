// Drawing a graph: DOT that Graphviz accepts, and a text tree with one line per job.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toDot, toText } from "../../src/lang/render-graph.js";
import { graphOf, lines } from "./compile-fixture.js";

describe("graph rendering", () => {
  const g = graphOf(lines("jobset r", 'n: every 1h <', '  a: $ echo "quoted" \\', "     continued", "  b: after a $ echo b", ">"));

  it("keeps a continued command on one line of the text tree", () => {
    assert.equal(toText(g), [
      "jobset r  (/work/test.pll)",
      "schedule r/n: every 1h, overlap skip, catchup once, 2 job(s)",
      "└─ n  par",
      '   ├─ a  $ echo "quoted" …',
      "   └─ b  $ echo b  ← a",
      "",
    ].join("\n"));
  });

  it("escapes quotes in DOT labels and nests clusters", () => {
    const dot = toDot(g);
    assert.match(dot, /"a" \[label="a\\n\$ echo \\"quoted\\" …"\];/);
    assert.match(dot, /subgraph "cluster_0" \{\n\s+label="n \(par\)";/);
    assert.match(dot, /"a" -> "b";/);
  });
});
