// parseTokens builds the CST of a plain command line (`$ CMD`) itself instead of
// running the parser: it must be exactly the parser's CST, for every line of
// every sample, random command lines and random token soup — and the shortcut
// must be taken for plain lines, or it saves nothing.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { IToken } from "chevrotain";
import { isNewline, lexPll, parser, parseTokens, parseWithParser } from "../../grammar/parser.js";
import { compileSource } from "../../src/lang/index.js";
import { repoRoot } from "../helpers/home.js";

/** Each line's tokens, up to and including its newline: the chunks a file of one-line items is cut into. */
function lines(source: string): IToken[][] {
  const out: IToken[][] = [];
  let cur: IToken[] = [];
  for (const t of lexPll(source).tokens) {
    cur.push(t);
    if (isNewline(t)) {
      out.push(cur);
      cur = [];
    }
  }
  return out;
}

function sameAsParser(source: string): void {
  for (const chunk of lines(source)) {
    const fast = parseTokens(chunk);
    const slow = parseWithParser(chunk);
    assert.deepStrictEqual(fast.cst, slow.cst, JSON.stringify(chunk.map((t) => t.image)));
    assert.equal(fast.errors.length, slow.errors.length);
  }
}

const samples = readdirSync(path.join(repoRoot, "samples")).map((f) => readFileSync(path.join(repoRoot, "samples", f), "utf8"));

describe("the plain command line shortcut", () => {
  it("gives the parser's CST for every line of every sample", () => {
    for (const s of samples) sameAsParser(s);
  });

  it("gives the parser's CST for random command lines and random token soup", () => {
    const commandLine = fc
      .tuple(fc.constantFrom("", "a: ", "priority high ", "  ", "\t"), fc.constantFrom("$", "$ ", "$\t"), fc.string({ maxLength: 40 }), fc.constantFrom("\n", "\r\n", "", " \\\n  more\n"))
      .map(([pre, dollar, cmd, end]) => `${pre}${dollar}${cmd}${end}`);
    fc.assert(fc.property(fc.array(commandLine, { maxLength: 8 }), (ls) => sameAsParser(ls.join(""))), { numRuns: 400 });
    const soup = fc.array(fc.constantFrom("$", "$ x", "a:", "<", ">", "seq", "\n", " ", "#", '"s"', "\\\n", "timeout 5s"), { maxLength: 30 });
    fc.assert(fc.property(soup, (parts) => sameAsParser(parts.join(" "))), { numRuns: 400 });
  });

  it("is taken for plain lines: a 2,000-line file of them runs the parser once, for its jobset line", () => {
    let invocations = 0;
    const file = parser.file.bind(parser);
    (parser as { file: () => unknown }).file = () => {
      invocations++;
      return file();
    };
    try {
      const r = compileSource(`jobset plain\n${"$ true\n".repeat(2000)}`, "<plain>", { cwd: "/", env: {} });
      assert.equal(r.graph?.jobs.length, 2000);
      assert.equal(invocations, 1);
    } finally {
      (parser as { file: () => unknown }).file = file;
    }
  });
});
