// One self-contained HTML file for a report: the data as JSON in the page,
// the styles and the drawing script inline, and a Content-Security-Policy that
// lets the page load nothing at all from anywhere (no network, no CDN).
import type { ReportData } from "./model.js";
import { PAGE_SCRIPT } from "./page-script.js";

const STYLE = `
body { font: 13px system-ui, sans-serif; margin: 16px 20px; color: #222; }
h1 { font-size: 18px; margin: 0 0 8px; } h2 { font-size: 15px; margin: 22px 0 6px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; }
dt { color: #666; } dd { margin: 0; font-variant-numeric: tabular-nums; }
#pll-legend { margin: 10px 0 4px; } .key { margin-right: 14px; white-space: nowrap; }
.key i { display: inline-block; width: 12px; height: 10px; margin-right: 4px; vertical-align: -1px; }
.key i.crit { background: #fff; outline: 2px solid #111; outline-offset: -2px; }
#pll-gantt { position: relative; height: 62vh; overflow: auto; border: 1px solid #ddd; }
#pll-gantt-canvas { position: absolute; left: 0; top: 0; }
#pll-conc { display: block; border: 1px solid #ddd; border-bottom: 0; }
#pll-tip { position: fixed; display: none; background: #222; color: #fff; padding: 4px 6px; border-radius: 3px; white-space: pre; font-size: 12px; pointer-events: none; z-index: 2; }
#pll-table-head, .tr { display: grid; grid-template-columns: 70px minmax(120px, 2fr) minmax(80px, 1fr) 80px 50px 80px 80px minmax(70px, 1fr); gap: 0 8px; }
#pll-table-head { font-weight: bold; border-bottom: 1px solid #ccc; padding: 3px 0; cursor: pointer; user-select: none; }
#pll-table-head span.sorted::after { content: " " attr(data-dir); }
#pll-table { position: relative; height: 360px; overflow: auto; border: 1px solid #ddd; }
#pll-table-rows { position: relative; }
.tr { position: absolute; left: 0; right: 0; height: 20px; line-height: 20px; white-space: nowrap; }
.tr span { overflow: hidden; text-overflow: ellipsis; } .tr.crit { font-weight: bold; }
.tr.s-errored span:nth-child(4) { color: #d63b3b; } .tr.s-success span:nth-child(4) { color: #2e9e4f; }
pre { background: #f6f6f6; padding: 6px 8px; margin: 4px 0 10px; overflow: auto; max-height: 16em; }
.zoom { font-weight: normal; margin-left: 12px; } .zoom button { min-width: 28px; margin-right: 3px; } .zoom small { color: #777; }
summary { cursor: pointer; color: #a02020; } .none { color: #777; }
.hook { display: grid; grid-template-columns: minmax(120px, 1fr) 90px 2fr 120px; gap: 0 10px; padding: 2px 0; }
.hook pre { grid-column: 1 / -1; } .hook.bad span:last-of-type { color: #d63b3b; }
`;

/** `</script>` or `<!--` in a job's name or output must not end the data block: escape `<` in the JSON. */
const scriptSafe = (json: string) => json.replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

export function reportHtml(data: ReportData): string {
  const title = `pll report · ${data.run.jobset} · r${data.run.id}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<dl id="pll-head"></dl>
<div id="pll-legend"></div>
<h2>Timeline <span class="zoom"><button id="pll-zoom-in" title="zoom in (Ctrl+wheel)">+</button><button id="pll-zoom-out" title="zoom out">−</button><button id="pll-zoom-all" title="the whole run (double-click)">all</button> <small>Ctrl+wheel zooms, Shift+wheel pans</small></span></h2>
<canvas id="pll-conc"></canvas>
<div id="pll-gantt"><div id="pll-gantt-space"></div><canvas id="pll-gantt-canvas"></canvas></div>
<div id="pll-tip"></div>
<h2>Jobs</h2>
<div id="pll-table-head"><span data-key="id">#</span><span data-key="name">name</span><span>block</span><span data-key="state">state</span><span data-key="tries">tries</span><span data-key="start">start</span><span data-key="duration">duration</span><span data-key="exit">exit</span></div>
<div id="pll-table"><div id="pll-table-rows"></div></div>
<h2>Failed jobs</h2>
<div id="pll-failed"></div>
<h2>Hooks</h2>
<div id="pll-hooks"></div>
<script type="application/json" id="pll-data">${scriptSafe(JSON.stringify(data))}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
