import { test } from "node:test";
import assert from "node:assert/strict";
import { chartLabel, computeAreas, type Rect } from "../../src/shell/layout.js";

const overlap = (a: Rect, b: Rect) =>
  a.left < b.left + b.width && b.left < a.left + a.width && a.top < b.top + b.height && b.top < a.top + a.height;

for (const [w, h] of [[80, 24], [100, 30], [200, 60], [60, 16], [20, 10]] as const) {
  test(`at ${w}×${h} every area fits the terminal and none overlaps another`, () => {
    const areas = Object.entries(computeAreas(w, h)).filter((e): e is [string, Rect] => e[1] !== undefined);
    for (const [name, r] of areas) {
      assert.ok(r.top >= 0 && r.left >= 0 && r.width > 0 && r.height > 0, `${name} is empty`);
      assert.ok(r.left + r.width <= w && r.top + r.height <= h, `${name} leaves the screen: ${JSON.stringify(r)}`);
    }
    for (const [a, ra] of areas) for (const [b, rb] of areas) if (a < b) assert.ok(!overlap(ra, rb), `${a} overlaps ${b}`);
  });
}

test("80×24 has room for the chart and at least six job rows", () => {
  const a = computeAreas(80, 24);
  assert.ok(a.chart && a.gauge);
  assert.ok(a.table.height - 3 >= 6);
  assert.equal(a.input.top, 23);
});

test("the chart's title fits on its border at every width the chart is shown", () => {
  for (let w = 70; w <= 200; w++) {
    const chart = computeAreas(w, 30).chart!;
    const label = chartLabel(chart.width);
    assert.ok(label.length <= chart.width - 3, `${w} columns: "${label}" in a ${chart.width}-wide chart`);
    assert.match(label, /cyan/);
  }
});
