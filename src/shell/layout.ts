// The screen's widgets and where they go. Sizes are computed from the
// terminal's size on every resize; blessed-contrib canvases size themselves
// only when attached, so the chart and gauge are re-created on resize.
import blessed from "blessed";
import contrib, { type GaugeElement, type LineElement } from "blessed-contrib";
import type { Widgets } from "blessed";

const HEADER_ROWS = 2;
/** status line + command line */
const FOOTER_ROWS = 2;
const GAUGE_ROWS = 4;
/** below this the chart column is left out: the table and the log need the room more */
const CHART_MIN_WIDTH = 70;
const CHART_MIN_ROWS = 8;

/** The blessed screen as the shell wants it. */
export function createScreen(): Widgets.Screen {
  // smartCSR off: it leaves garbage next to blessed-contrib's canvases.
  const screen = blessed.screen({ smartCSR: false, fullUnicode: true, autoPadding: true, warnings: false, title: "pll" });
  // With a UTF-8 locale, draw borders with Unicode box characters rather than
  // the terminal's alternate charset: same look, and copy/paste or
  // `tmux capture-pane` give lines instead of "lqqk".
  const tput = screen.tput as unknown as { unicode?: boolean; brokenACS?: boolean };
  if (tput.unicode) tput.brokenACS = true;
  return screen;
}

export interface Rect {
  top: number;
  left: number;
  width: number;
  height: number;
}

export interface Areas {
  header: Rect;
  table: Rect;
  log: Rect;
  chart: Rect | undefined;
  gauge: Rect | undefined;
  status: Rect;
  input: Rect;
}

/** Where everything goes in a `width`×`height` terminal (pure: tested without a screen). */
export function computeAreas(width: number, height: number): Areas {
  const w = Math.max(20, width);
  const h = Math.max(10, height);
  const body = h - HEADER_ROWS - FOOTER_ROWS;
  const bottom = Math.max(4, Math.min(16, Math.floor(body * 0.55)));
  const tableRows = Math.max(3, body - bottom);
  const bottomTop = HEADER_ROWS + tableRows;
  const bottomRows = Math.max(3, h - FOOTER_ROWS - bottomTop);
  const withChart = w >= CHART_MIN_WIDTH && bottomRows >= CHART_MIN_ROWS;
  const chartWidth = withChart ? Math.min(50, Math.floor(w * 0.4)) : 0;
  return {
    header: { top: 0, left: 0, width: w, height: HEADER_ROWS },
    table: { top: HEADER_ROWS, left: 0, width: w, height: tableRows },
    log: { top: bottomTop, left: 0, width: w - chartWidth, height: bottomRows },
    chart: withChart ? { top: bottomTop, left: w - chartWidth, width: chartWidth, height: bottomRows - GAUGE_ROWS } : undefined,
    gauge: withChart ? { top: h - FOOTER_ROWS - GAUGE_ROWS, left: w - chartWidth, width: chartWidth, height: GAUGE_ROWS } : undefined,
    status: { top: h - 2, left: 0, width: w, height: 1 },
    input: { top: h - 1, left: 0, width: w, height: 1 },
  };
}

const CHART_LABELS = [" jobs running (cyan), done/s (green) ", " running(cyan) done/s(green) ", " run(cyan) done/s(green) ", " jobs/s "];

/** The longest chart label that fits on its top border (blessed wraps a longer one into the plot). */
export function chartLabel(width: number): string {
  return CHART_LABELS.find((l) => l.length <= width - 3) ?? "";
}

const border = { type: "line" as const };
const place = (el: Widgets.BoxElement, r: Rect) => {
  el.top = r.top;
  el.left = r.left;
  el.width = r.width;
  el.height = r.height;
};

export class ShellLayout {
  readonly header: Widgets.BoxElement;
  readonly table: Widgets.BoxElement;
  readonly log: Widgets.BoxElement;
  readonly status: Widgets.BoxElement;
  readonly input: Widgets.BoxElement;
  /** a scrollable overlay for help and listings too big for the log pane */
  readonly viewer: Widgets.BoxElement;
  chart: LineElement | undefined;
  gauge: GaugeElement | undefined;
  areas: Areas;

  constructor(
    readonly screen: Widgets.Screen,
    private readonly noColor = false,
  ) {
    // wrap off: a long line is clipped at the edge instead of pushing the lines below it down.
    const box = (opts: Widgets.BoxOptions) => blessed.box({ parent: screen, tags: true, wrap: false, ...opts } as Widgets.BoxOptions);
    this.areas = computeAreas(Number(screen.width), Number(screen.height));
    this.header = box({});
    this.table = box({ border, label: " jobs ", style: this.frame("blue") });
    this.log = box({ border, label: " log ", style: this.frame("blue") });
    this.status = box({});
    this.input = box({});
    this.viewer = box({
      border,
      top: "center",
      left: "center",
      width: "95%",
      height: "90%",
      hidden: true,
      scrollable: true,
      style: this.frame("yellow"),
    });
    this.layout();
  }

  /** Place everything for the current size; re-create the canvases (they cannot be resized). */
  layout(): void {
    this.areas = computeAreas(Number(this.screen.width), Number(this.screen.height));
    const a = this.areas;
    place(this.header, a.header);
    place(this.table, a.table);
    place(this.log, a.log);
    place(this.status, a.status);
    place(this.input, a.input);
    for (const el of [this.chart, this.gauge]) if (el) this.screen.remove(el);
    this.chart = undefined;
    this.gauge = undefined;
    if (a.chart && a.gauge) {
      // blessed-contrib widgets crash when given `parent:`: create, then append.
      this.chart = contrib.line({
        ...a.chart,
        border,
        // The colours are named in the label: blessed-contrib's legend box would be drawn over the plot.
        label: chartLabel(a.chart.width),
        showLegend: false,
        wholeNumbersOnly: true,
        xPadding: 3,
        xLabelPadding: 3,
        style: { line: "cyan", text: "white", baseline: "white", ...this.frame("blue") },
      });
      this.screen.append(this.chart);
      // No border: the gauge draws its bar on its 3rd and 4th rows, which a border would cut off.
      this.gauge = contrib.gauge({ ...a.gauge, label: " done ", stroke: "green", fill: "white" });
      this.screen.append(this.gauge);
    }
    // The overlay stays on top of the re-created canvases.
    this.viewer.setFront();
  }

  /** Shows `text` (tags escaped by the caller) over everything, scrolled to the top. */
  showViewer(title: string, text: string): void {
    this.viewer.setLabel(` ${title} — ↑↓ PgUp/PgDn scroll, any other key closes `);
    this.viewer.setContent(text);
    this.viewer.scrollTo(0);
    this.viewer.show();
    this.viewer.setFront();
  }

  /** While the overlay shows: scroll keys scroll it, any other key closes it. */
  viewerKey(name: string): void {
    const viewer = this.viewer;
    const page = Math.max(1, Number(viewer.height) - 3);
    const by: Record<string, number> = { up: -1, down: 1, pageup: -page, pagedown: page, home: -Infinity, end: Infinity };
    const delta = by[name];
    if (name === "return") return; // blessed's second report of Enter
    if (delta === undefined) viewer.hide();
    else if (Number.isFinite(delta)) viewer.scroll(delta);
    else viewer.scrollTo(delta > 0 ? viewer.getScrollHeight() : 0);
  }

  /** The panel the keys act on gets a yellow border. */
  highlight(which: "table" | "log" | undefined): void {
    for (const [name, el] of [["table", this.table], ["log", this.log]] as const) {
      const border = (el.style as { border?: { fg?: string } }).border;
      if (border) border.fg = which === name ? "yellow" : "blue";
    }
  }

  /** A coloured border, unless NO_COLOR. */
  private frame(fg: string): { border?: { fg: string } } {
    return this.noColor ? {} : { border: { fg } };
  }

  /** Rows of job lines the table shows (its box less borders and the column heading). */
  tableRows(): number {
    return Math.max(1, this.areas.table.height - 3);
  }

  innerWidth(area: Rect): number {
    return Math.max(1, area.width - 2);
  }
}
