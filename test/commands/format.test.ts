// Pure formatting helpers of the command language.
import assert from "node:assert/strict";
import { test } from "node:test";
import { displayPath } from "../../src/commands/format.js";

test("displayPath: relative below cwd, ~/ below home, else absolute; non-paths as they are", () => {
  assert.equal(displayPath("/home/u/work/a.pll", "/home/u/work", "/home/u"), "a.pll");
  assert.equal(displayPath("/home/u/work/sub/a.pll", "/home/u/work", "/home/u"), "sub/a.pll");
  assert.equal(displayPath("/home/u/other/a.pll", "/home/u/work", "/home/u"), "~/other/a.pll");
  assert.equal(displayPath("/srv/jobs/a.pll", "/home/u/work", "/home/u"), "/srv/jobs/a.pll");
  assert.equal(displayPath("/home/user2/a.pll", "/tmp", "/home/u"), "/home/user2/a.pll");
  assert.equal(displayPath("/a.pll", "/", "/"), "a.pll");
  assert.equal(displayPath("<shell>", "/tmp", "/home/u"), "<shell>");
});
