import { test } from "node:test";
import assert from "node:assert/strict";
import { CommandLine } from "../../src/shell/command-line.js";

test("↑/↓ browse history and come back to the line being typed", () => {
  const line = new CommandLine(["pjc 6", "status"]);
  line.insert("ret");
  line.up();
  assert.equal(line.text, "status");
  line.up();
  assert.equal(line.text, "pjc 6");
  line.up();
  assert.equal(line.text, "pjc 6");
  line.down();
  line.down();
  assert.equal(line.text, "ret");
});

test("submit records non-blank lines once", () => {
  const line = new CommandLine();
  line.insert("  tail 3 ");
  assert.equal(line.submit(), "tail 3");
  line.insert("tail 3");
  line.submit();
  line.submit();
  assert.deepEqual(line.history, ["tail 3"]);
  assert.equal(line.text, "");
});

test("editing keys: insert in the middle, backspace, delete word", () => {
  const line = new CommandLine();
  line.insert("pjc 6");
  line.left();
  line.insert("1");
  assert.equal(line.text, "pjc 16");
  line.backspace();
  line.end();
  line.deleteWord();
  assert.equal(line.text, "pjc ");
});

test("Tab: one candidate completes with a space; several extend to their common prefix", () => {
  const line = new CommandLine();
  line.insert("re");
  assert.deepEqual(line.complete(["retry"]), []);
  assert.equal(line.text, "retry ");
  line.insert("1");
  assert.deepEqual(line.complete(["retry 12", "retry 13"]), ["12", "13"]);
  assert.equal(line.text, "retry 1");
  // Word candidates (not whole lines) work the same.
  assert.deepEqual(line.complete(["12"]), []);
  assert.equal(line.text, "retry 12 ");
});
