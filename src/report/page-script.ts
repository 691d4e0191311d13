// The report page's own script, inlined into the HTML (src/report/html.ts).
// Plain browser JavaScript kept as text (the project compiles for Node only).
// It draws on canvases, and only what is on screen, so a run of 100,000 jobs
// stays usable: the Gantt (one row per job, one bar per attempt, block headers),
// the concurrency against the pjc limit, a sortable job table (rows drawn as
// they scroll into view), failed jobs' stderr tails and hook runs. It exposes
// what it drew on `window.pllReport` (bars in order, with their colours, and a
// probe that reads a bar's pixel back from the canvas) for tests and tools.
// No `${`, no backquotes below: this is the body of a template literal.
export const PAGE_SCRIPT = String.raw`
"use strict";
(function () {
  var t0 = performance.now();
  var data = JSON.parse(document.getElementById("pll-data").textContent);
  var COLORS = { success: "#2e9e4f", failed: "#d63b3b", timeout: "#e08a00", killed: "#8e44ad", lost: "#7f8c8d", spawn: "#b03060", running: "#2f7fd8" };
  var ROW = 16, BAR = 10, LABEL = 240, AXIS = 22, MINW = 4, GAP = 3;
  var tz = data.timeZone;
  var fmtClock = new Intl.DateTimeFormat(undefined, { timeZone: tz, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  var fmtFull = new Intl.DateTimeFormat(undefined, { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZoneName: "short" });
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }
  function dur(ms) {
    if (ms === undefined || ms === null) return "-";
    if (ms < 1000) return ms + "ms";
    var s = ms / 1000;
    if (s < 60) return s.toFixed(s < 10 ? 2 : 1) + "s";
    var m = Math.floor(s / 60); s = Math.round(s - m * 60);
    if (m < 60) return m + "m" + (s ? s + "s" : "");
    var h = Math.floor(m / 60); return h + "h" + (m - h * 60) + "m";
  }
  function exitText(j) {
    if (j.exitCode === undefined || j.exitCode === null) return j.reason || "-";
    return String(j.exitCode) + (j.reason && !/^exit /.test(j.reason) ? " (" + j.reason + ")" : "");
  }
  var span = Math.max(1, data.end - data.start);
  /** the part of the run on screen: the whole of it, until zoomed (Ctrl+wheel, or the buttons) */
  var view = { from: data.start, to: data.start + span };
  var pathJobs = data.jobs.filter(function (j) { return j.critical; });

  // ── header ──
  var head = document.getElementById("pll-head");
  var counts = Object.keys(data.counts).map(function (k) { return data.counts[k] + " " + k; }).join(" · ");
  var rows = [
    ["jobset", data.run.jobset], ["file", data.run.file], ["run", "r" + data.run.id + " (" + data.run.state + ")" + (data.run.schedule ? " · schedule " + data.run.schedule : "")],
    ["start", fmtFull.format(data.start)], ["end", fmtFull.format(data.end)], ["duration", dur(data.end - data.start)],
    ["jobs", data.jobs.length + " · " + counts], ["pjc", String(data.pjc)], ["host", data.host],
    ["critical path", data.criticalPath.length ? data.criticalPath.length + " jobs, " + dur(Math.max.apply(null, pathJobs.map(function (j) { return j.end; })) - Math.min.apply(null, pathJobs.map(function (j) { return j.start; }))) : "-"]
  ];
  var workers = {}; data.jobs.forEach(function (j) { if (j.worker) workers[j.worker] = (workers[j.worker] || 0) + 1; });
  if (Object.keys(workers).length) rows.push(["workers", Object.keys(workers).map(function (w) { return w + " (" + workers[w] + ")"; }).join(", ")]);
  rows.forEach(function (r) { head.appendChild(el("dt", "", r[0])); head.appendChild(el("dd", "", r[1])); });
  var legend = document.getElementById("pll-legend");
  Object.keys(COLORS).forEach(function (k) { var s = el("span", "key", k); var sw = el("i"); sw.style.background = COLORS[k]; s.prepend(sw); legend.appendChild(s); });
  var crit = el("span", "key", "critical path"); var cs = el("i", "crit"); crit.prepend(cs); legend.appendChild(crit);

  // ── the model: rows (block headers and jobs) and one bar per attempt ──
  // before: a bar's index → the index of the attempt before it on its row (a retry follows its failure there).
  var lines = [], bars = [], before = new Map(), lastGroup = -1;
  data.jobs.forEach(function (j) {
    if (j.group !== lastGroup) {
      lastGroup = j.group;
      var g = data.groups[j.group];
      if (g.name !== "" || lines.length) lines.push({ group: g.name === "" ? "(outside blocks)" : g.name + (g.pjc ? "  · pjc " + g.pjc : "") });
    }
    var row = lines.length;
    lines.push({ job: j });
    j.attempts.forEach(function (a, k) {
      if (k > 0) before.set(bars.length, bars.length - 1);
      bars.push({ job: j.id, name: j.name, attempt: a.n, outcome: a.outcome, color: COLORS[a.outcome], critical: j.critical, row: row, start: a.start, end: a.end === undefined ? data.end : a.end });
    });
  });

  // ── Gantt ──
  var gwrap = document.getElementById("pll-gantt"), gcan = document.getElementById("pll-gantt-canvas"), gspace = document.getElementById("pll-gantt-space");
  gspace.style.height = (AXIS + lines.length * ROW) + "px";
  gwrap.style.height = Math.min(Math.max(200, window.innerHeight * 0.62), AXIS + lines.length * ROW + 18) + "px";
  var gctx = gcan.getContext("2d");
  var dpr = window.devicePixelRatio || 1;
  function plotWidth() { return Math.max(100, gwrap.clientWidth - LABEL - 12); }
  function xOf(t) { return LABEL + (t - view.from) / (view.to - view.from) * plotWidth(); }
  /**
   * Where bar i is drawn, on whole pixels (no blended edges). An attempt never covers the one before it on
   * its row: a retry that starts within a few pixels of its failure is drawn just after it (GAP leaves room
   * for the critical path's outline), so every attempt stays visible at any zoom.
   */
  function barBox(i) {
    var b = bars[i], x = Math.round(xOf(b.start)), p = before.get(i);
    if (p !== undefined) { var pb = barBox(p); x = Math.max(x, pb.x + pb.w + GAP); }
    var w = Math.max(MINW, Math.round(xOf(b.end)) - x);
    return { x: x, y: AXIS + b.row * ROW + (ROW - BAR) / 2, w: w, h: BAR };
  }
  function niceStep(ms) {
    var steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5, 36e5, 72e5, 216e5, 432e5, 864e5];
    for (var i = 0; i < steps.length; i++) if (steps[i] >= ms) return steps[i];
    return 864e5;
  }
  function ticks() {
    var step = niceStep((view.to - view.from) / Math.max(1, plotWidth() / 110)), out = [];
    for (var t = Math.ceil(view.from / step) * step; t <= view.to; t += step) out.push({ t: t, x: Math.round(xOf(t)) + 0.5, label: fmtClock.format(t) + (step < 1000 ? "." + String(t % 1000).padStart(3, "0") : "") });
    return out;
  }
  /** the time grid, drawn under the bars */
  function grid(ctx, top, height) {
    ctx.strokeStyle = "#e3e3e3";
    ticks().forEach(function (k) { ctx.beginPath(); ctx.moveTo(k.x, top + AXIS - 4); ctx.lineTo(k.x, top + height); ctx.stroke(); });
  }
  /** the times, in the report's zone, along the top */
  function axis(ctx, top) {
    ctx.font = "11px system-ui, sans-serif"; ctx.textBaseline = "middle"; ctx.fillStyle = "#555";
    ticks().forEach(function (k) { ctx.fillText(k.label, k.x + 3, top + AXIS / 2); });
  }
  function drawGantt() {
    var w = gwrap.clientWidth, h = gwrap.clientHeight, top = gwrap.scrollTop;
    gcan.width = w * dpr; gcan.height = h * dpr; gcan.style.width = w + "px"; gcan.style.height = h + "px";
    gcan.style.top = top + "px";
    var ctx = gctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, -top * dpr);
    ctx.fillStyle = "#fff"; ctx.fillRect(0, top, w, h);
    var first = Math.max(0, Math.floor((top - AXIS) / ROW)), last = Math.min(lines.length - 1, Math.ceil((top + h) / ROW));
    ctx.font = "12px system-ui, sans-serif"; ctx.textBaseline = "middle";
    for (var r = first; r <= last; r++) {
      var line = lines[r], y = AXIS + r * ROW;
      if (line.group !== undefined) {
        ctx.fillStyle = "#eef1f5"; ctx.fillRect(0, y, w, ROW);
        ctx.fillStyle = "#223"; ctx.font = "bold 12px system-ui, sans-serif"; ctx.fillText(line.group, 4, y + ROW / 2); ctx.font = "12px system-ui, sans-serif";
        continue;
      }
      var j = line.job;
      if (r % 2) { ctx.fillStyle = "#fafafa"; ctx.fillRect(0, y, w, ROW); }
      ctx.fillStyle = j.critical ? "#000" : "#333";
      ctx.font = (j.critical ? "bold " : "") + "12px system-ui, sans-serif";
      var label = "#" + j.id + " " + j.name;
      if (label.length > 34) label = label.slice(0, 33) + "…";
      ctx.fillText(label, 4, y + ROW / 2);
      if (!j.attempts.length) { ctx.fillStyle = "#999"; ctx.font = "italic 11px system-ui, sans-serif"; ctx.fillText(j.state + (j.reason ? " (" + j.reason + ")" : ""), LABEL + 4, y + ROW / 2); ctx.font = "12px system-ui, sans-serif"; }
    }
    ctx.save(); ctx.beginPath(); ctx.rect(LABEL, top, w - LABEL, h); ctx.clip();
    grid(ctx, top, h);
    var lo = bars.length ? lowerBound(first) : 0;
    for (var i = lo; i < bars.length && bars[i].row <= last; i++) {
      var b = bars[i], box = barBox(i);
      if (b.critical) { ctx.fillStyle = "#111"; ctx.fillRect(box.x - 2, box.y - 2, box.w + 4, box.h + 4); }
      ctx.fillStyle = b.color; ctx.fillRect(box.x, box.y, box.w, box.h);
    }
    ctx.restore();
    ctx.fillStyle = "rgba(255,255,255,0.95)"; ctx.fillRect(0, top, w, AXIS);
    axis(ctx, top);
    ctx.strokeStyle = "#ccc"; ctx.beginPath(); ctx.moveTo(LABEL - 0.5, top); ctx.lineTo(LABEL - 0.5, top + h); ctx.stroke();
  }
  function lowerBound(row) { var a = 0, z = bars.length; while (a < z) { var m = (a + z) >> 1; if (bars[m].row < row) a = m + 1; else z = m; } return a; }
  var pending = false;
  function schedule() { if (!pending) { pending = true; requestAnimationFrame(function () { pending = false; drawGantt(); }); } }
  gwrap.addEventListener("scroll", schedule);
  var tip = document.getElementById("pll-tip");
  gwrap.addEventListener("mousemove", function (ev) {
    var rect = gwrap.getBoundingClientRect(), y = ev.clientY - rect.top + gwrap.scrollTop, x = ev.clientX - rect.left;
    var r = Math.floor((y - AXIS) / ROW), line = lines[r], text = "";
    if (line && line.job) {
      var j = line.job; text = "#" + j.id + " " + j.name + " · " + j.state + (j.reason ? " (" + j.reason + ")" : "");
      for (var i = lowerBound(r); i < bars.length && bars[i].row === r; i++) {
        var b = bars[i], box = barBox(i);
        if (x >= box.x - 2 && x <= box.x + box.w + 2) text += "\nattempt " + b.attempt + ": " + b.outcome + " · " + fmtClock.format(b.start) + " · " + dur(b.end - b.start);
      }
    }
    tip.textContent = text; tip.style.display = text ? "block" : "none";
    tip.style.left = (ev.clientX + 14) + "px"; tip.style.top = (ev.clientY + 14) + "px";
  });
  gwrap.addEventListener("mouseleave", function () { tip.style.display = "none"; });

  // ── concurrency against the pjc limit ──
  var ccan = document.getElementById("pll-conc");
  function drawConc() {
    var w = gwrap.clientWidth, h = 130, pw = plotWidth();
    ccan.width = w * dpr; ccan.height = h * dpr; ccan.style.width = w + "px"; ccan.style.height = h + "px";
    var ctx = ccan.getContext("2d"); ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, w, h);
    var cols = new Array(Math.ceil(pw) + 1).fill(0), steps = data.concurrency, peak = 0;
    for (var i = 0; i < steps.length; i++) {
      var from = steps[i][0], to = i + 1 < steps.length ? steps[i + 1][0] : data.end, n = steps[i][1];
      var c0 = Math.floor((from - view.from) / (view.to - view.from) * pw), c1 = Math.floor((to - view.from) / (view.to - view.from) * pw);
      for (var c = Math.max(0, c0); c <= Math.min(cols.length - 1, Math.max(c0, c1)); c++) if (n > cols[c]) cols[c] = n;
      if (n > peak) peak = n;
    }
    grid(ctx, 0, h);
    var top = AXIS, ph = h - AXIS - 6, ymax = Math.max(1, peak, data.pjc === Infinity || data.pjc === null ? 0 : data.pjc);
    for (var c = 0; c < cols.length; c++) {
      var n = cols[c], x = LABEL + c;
      if (n === 0) { ctx.fillStyle = "#f6d5d5"; ctx.fillRect(x, top + ph - 3, 1, 3); continue; }
      ctx.fillStyle = n >= data.pjc ? "#27548f" : "#8fb3e6";
      var bh = n / ymax * ph; ctx.fillRect(x, top + ph - bh, 1, bh);
    }
    if (data.pjc !== null && isFinite(data.pjc)) {
      var yl = Math.round(top + ph - data.pjc / ymax * ph) + 0.5;
      ctx.strokeStyle = "#c0392b"; ctx.setLineDash([5, 3]); ctx.beginPath(); ctx.moveTo(LABEL, yl); ctx.lineTo(w, yl); ctx.stroke(); ctx.setLineDash([]);
      ctx.fillStyle = "#c0392b"; ctx.font = "11px system-ui, sans-serif"; ctx.fillText("pjc " + data.pjc, LABEL - 50, yl);
    }
    ctx.fillStyle = "#333"; ctx.font = "12px system-ui, sans-serif"; ctx.textBaseline = "middle";
    ctx.fillText("running at once (peak " + peak + ")", 4, top + 10);
    ctx.fillStyle = "#777"; ctx.font = "11px system-ui, sans-serif";
    ctx.fillText("dark: at the limit", 4, top + 28); ctx.fillText("red floor: idle", 4, top + 44);
    axis(ctx, 0);
  }

  // ── the job table: sortable, rows drawn as they scroll into view ──
  var twrap = document.getElementById("pll-table"), tbody = document.getElementById("pll-table-rows"), TROW = 20;
  var keys = { id: function (j) { return j.id; }, name: function (j) { return j.name; }, state: function (j) { return j.state; }, tries: function (j) { return j.attempts.length; },
    start: function (j) { return j.start === undefined ? Infinity : j.start; }, duration: function (j) { return j.start === undefined || j.end === undefined ? -1 : j.end - j.start; },
    exit: function (j) { return j.exitCode === undefined || j.exitCode === null ? 1e9 : j.exitCode; } };
  var order = data.jobs.slice(), sortKey = "id", sortDir = 1;
  function sortBy(key) {
    if (key === sortKey) sortDir = -sortDir; else { sortKey = key; sortDir = key === "duration" ? -1 : 1; }
    var f = keys[key];
    order = data.jobs.slice().sort(function (a, b) { var x = f(a), y = f(b); return (x < y ? -1 : x > y ? 1 : a.id - b.id) * sortDir; });
    document.querySelectorAll("#pll-table-head span").forEach(function (s) { s.classList.toggle("sorted", s.dataset.key === sortKey); s.dataset.dir = sortDir > 0 ? "▲" : "▼"; });
    drawTable();
  }
  document.querySelectorAll("#pll-table-head span").forEach(function (s) { s.addEventListener("click", function () { sortBy(s.dataset.key); }); });
  tbody.style.height = order.length * TROW + "px";
  twrap.style.height = Math.min(360, order.length * TROW + 4) + "px";
  function drawTable() {
    var first = Math.floor(twrap.scrollTop / TROW), last = Math.min(order.length, first + Math.ceil(twrap.clientHeight / TROW) + 2);
    tbody.textContent = "";
    for (var i = first; i < last; i++) {
      var j = order[i], r = el("div", "tr" + (j.critical ? " crit" : "") + " s-" + j.state);
      r.style.top = i * TROW + "px";
      [String(j.id), j.name, data.groups[j.group].name, j.state, String(j.attempts.length), j.start === undefined ? "-" : fmtClock.format(j.start),
        j.start === undefined || j.end === undefined ? "-" : dur(j.end - j.start), exitText(j)].forEach(function (c) { r.appendChild(el("span", "", c)); });
      tbody.appendChild(r);
    }
  }
  twrap.addEventListener("scroll", function () { requestAnimationFrame(drawTable); });

  // ── failed jobs, hook runs ──
  var failed = data.jobs.filter(function (j) { return j.state === "errored"; }), fbox = document.getElementById("pll-failed");
  if (!failed.length) fbox.appendChild(el("p", "none", "No job failed."));
  failed.slice(0, 500).forEach(function (j) {
    var d = el("details"); if (failed.length <= 20) d.open = true;
    d.appendChild(el("summary", "", "#" + j.id + " " + j.name + " — " + (j.reason || "exit " + exitText(j)) + " after " + j.attempts.length + " attempt" + (j.attempts.length === 1 ? "" : "s")));
    d.appendChild(el("pre", "", j.stderrTail && j.stderrTail.length ? j.stderrTail.join("\n") : "(no stderr)"));
    fbox.appendChild(d);
  });
  if (failed.length > 500) fbox.appendChild(el("p", "none", "… and " + (failed.length - 500) + " more failed jobs (the table lists them all)."));
  var hbox = document.getElementById("pll-hooks"), hooks = [];
  data.jobs.forEach(function (j) { (j.hooks || []).forEach(function (h) { hooks.push([j, h]); }); });
  if (!hooks.length) hbox.appendChild(el("p", "none", "No hook ran."));
  hooks.slice(0, 1000).forEach(function (p) {
    var j = p[0], h = p[1], r = el("div", "hook" + (h.exit === "0" ? "" : " bad"));
    r.appendChild(el("span", "", "#" + j.id + " " + j.name)); r.appendChild(el("span", "", "on " + h.event)); r.appendChild(el("code", "", h.command));
    r.appendChild(el("span", "", h.exit === undefined ? "no exit recorded" : "exit " + h.exit));
    if (h.output.length) r.appendChild(el("pre", "", h.output.slice(-10).join("\n")));
    hbox.appendChild(r);
  });

  function drawAll() { drawConc(); drawGantt(); drawTable(); }
  /** zooms by factor around time at (less than 1 zooms in), never past the whole run nor below 10 ms */
  function zoom(factor, at) {
    var width = Math.min(span, Math.max(10, (view.to - view.from) * factor));
    var from = at - (at - view.from) * width / (view.to - view.from);
    view.from = Math.max(data.start, Math.min(from, data.start + span - width)); view.to = view.from + width;
    drawConc(); drawGantt();
  }
  function pan(ms) { var width = view.to - view.from; view.from = Math.max(data.start, Math.min(view.from + ms, data.start + span - width)); view.to = view.from + width; drawConc(); drawGantt(); }
  function timeAt(clientX) { var x = clientX - gwrap.getBoundingClientRect().left; return view.from + Math.max(0, x - LABEL) / plotWidth() * (view.to - view.from); }
  [gwrap, ccan].forEach(function (target) {
    target.addEventListener("wheel", function (ev) {
      if (ev.ctrlKey || ev.metaKey) { ev.preventDefault(); zoom(ev.deltaY > 0 ? 1.25 : 0.8, timeAt(ev.clientX)); }
      else if (ev.shiftKey || Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) { ev.preventDefault(); pan((ev.deltaX || ev.deltaY) / plotWidth() * (view.to - view.from)); }
    }, { passive: false });
    target.addEventListener("dblclick", function () { view.from = data.start; view.to = data.start + span; drawConc(); drawGantt(); });
  });
  document.getElementById("pll-zoom-in").addEventListener("click", function () { zoom(0.5, (view.from + view.to) / 2); });
  document.getElementById("pll-zoom-out").addEventListener("click", function () { zoom(2, (view.from + view.to) / 2); });
  document.getElementById("pll-zoom-all").addEventListener("click", function () { view.from = data.start; view.to = data.start + span; drawConc(); drawGantt(); });
  window.addEventListener("resize", drawAll);
  drawAll();
  window.pllReport = {
    data: data,
    colors: COLORS,
    /** every bar, in drawing order (rows top to bottom), with its box on the Gantt */
    bars: bars.map(function (b, i) { var box = barBox(i); return { index: i, job: b.job, name: b.name, attempt: b.attempt, outcome: b.outcome, color: b.color, critical: b.critical, row: b.row, x: box.x, y: box.y, w: box.w, h: box.h }; }),
    rows: lines.map(function (l) { return l.group !== undefined ? { group: l.group } : { job: l.job.id }; }),
    /** scrolls bar i into view, draws, and reads the colour at its middle back from the canvas */
    probe: function (i) {
      var b = bars[i], box = barBox(i);
      gwrap.scrollTop = Math.max(0, box.y - gwrap.clientHeight / 2);
      drawGantt();
      var px = gctx.getImageData(Math.floor((box.x + Math.min(box.w, 40) / 2) * dpr), Math.floor((box.y - gwrap.scrollTop + box.h / 2) * dpr), 1, 1).data;
      return "#" + [px[0], px[1], px[2]].map(function (v) { return v.toString(16).padStart(2, "0"); }).join("");
    },
    sortBy: sortBy,
    tableOrder: function () { return order.map(function (j) { return j.id; }); },
    renderMs: performance.now() - t0
  };
})();
`;
