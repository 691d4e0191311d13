import { test } from "node:test";
import assert from "node:assert/strict";
import { appendToPane, paneWindow, scrollPane } from "../../src/shell/panes.js";
import type { Pane } from "../../src/shell/render.js";

const pane = (anchor: Pane["anchor"], n: number): Pane => ({ title: "t", anchor, lines: Array.from({ length: n }, (_, i) => ({ text: String(i + 1) })) });
const texts = (p: Pane, rows: number) => paneWindow(p, rows).map((l) => l.text);

test("a log shows its newest lines; a listing its first ones", () => {
  assert.deepEqual(texts(pane("bottom", 10), 3), ["8", "9", "10"]);
  assert.deepEqual(texts(pane("top", 10), 3), ["1", "2", "3"]);
});

test("scrolling back in a log stays put while new lines arrive; End follows again", () => {
  const log = pane("bottom", 10);
  scrollPane(log, -4, 3);
  assert.deepEqual(texts(log, 3), ["4", "5", "6"]);
  appendToPane(log, [{ text: "11" }, { text: "12" }]);
  assert.deepEqual(texts(log, 3), ["4", "5", "6"]);
  scrollPane(log, "end", 3);
  assert.deepEqual(texts(log, 3), ["10", "11", "12"]);
});

test("scrolling stops at both ends", () => {
  const listing = pane("top", 5);
  scrollPane(listing, 100, 3);
  assert.deepEqual(texts(listing, 3), ["3", "4", "5"]);
  scrollPane(listing, -100, 3);
  assert.deepEqual(texts(listing, 3), ["1", "2", "3"]);
});
