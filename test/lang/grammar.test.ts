// The lexer and parser run with Chevrotain's validations skipped (they cost
// start-up time on every command). Here both are built with them on, so a
// grammar mistake (an ambiguous alternative, a left recursion, a token that
// can never match) throws, and the samples must parse alike under both.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { Lexer } from "../../grammar/chevrotain.js";
import { lexPll, parseTokens, PllParser } from "../../grammar/parser.js";
import { lexerDefinition } from "../../grammar/tokens.js";
import { repoRoot } from "../helpers/home.js";

const dir = path.join(repoRoot, "samples");
const samples = readdirSync(dir).filter((f) => f.endsWith(".pll")).sort();

describe("the grammar, validated", () => {
  // Either constructor throws on a definition error.
  const lexer = new Lexer(lexerDefinition, { positionTracking: "full", ensureOptimizations: true });
  const parser = new PllParser({ skipValidations: false });

  it("builds the lexer and the parser with Chevrotain's validations on", () => {
    assert.deepEqual(lexer.lexerDefinitionErrors, []);
    assert.ok(parser instanceof PllParser);
  });

  for (const f of samples) {
    it(`lexes and parses ${f} as the unvalidated lexer and parser do`, () => {
      const source = readFileSync(path.join(dir, f), "utf8");
      const lexed = lexer.tokenize(source);
      assert.deepEqual(lexed.errors, []);
      const ours = lexPll(source);
      // lexPll appends a newline token when the source lacks one.
      assert.deepEqual(lexed.tokens.map((t) => [t.image, t.tokenType.name]), ours.tokens.slice(0, lexed.tokens.length).map((t) => [t.image, t.tokenType.name]));
      parser.input = ours.tokens;
      const cst = parser.file();
      assert.deepEqual(parser.errors, []);
      assert.deepEqual(cst, parseTokens(ours.tokens).cst);
    });
  }
});
