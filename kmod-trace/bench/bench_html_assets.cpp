// The stylesheet and script of the compare page. The script draws one
// strip-and-box chart per metric from the JSON in #kt-data, with plain DOM
// calls: nothing is fetched.
#include "kmod-trace/bench/bench_html.h"

namespace kt::bench {

const char *const html_css = R"CSS(
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:1000px;color:#222;padding:0 1em}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
.meta,.note{color:#555}.legend{list-style:none;padding:0}.legend li{margin:.2em 0}
.swatch{display:inline-block;width:.9em;height:.9em;margin-right:.4em;vertical-align:middle;border-radius:2px}
.bad{color:#b00;font-weight:bold}.good{color:#070;font-weight:bold}.warnings{color:#8a5a00}
svg text{font:12px system-ui,sans-serif;fill:#222}svg text.metric{font-weight:600}
svg text.val.flagged{fill:#b00;font-weight:bold}rect.bar.flagged{stroke:#b00;stroke-width:2}
.dist{margin:.4em 0 1em}.dist h3{font-size:1em;margin:.2em 0}
svg .box{fill-opacity:.18;stroke-width:1.5}svg .pt{fill-opacity:.55}svg .axis{stroke:#999}
svg .tick{font-size:10px;fill:#555}
table{border-collapse:collapse;margin:1em 0}td,th{padding:.2em .6em;border-bottom:1px solid #eee;text-align:right}
td:first-child,td:nth-child(2),th{text-align:left}tr.v-REGRESSION td{color:#b00;font-weight:bold}
tr.v-faster td:last-child{color:#070}
)CSS";

const char *const html_js = R"JS(
(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  var palette = ['#4e79a7','#f28e2b','#59a14f','#b07aa1','#76b7b2','#edc948','#9c755f','#ff9da7'];
  var data = JSON.parse(document.getElementById('kt-data').textContent);
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function q(sorted, p) {  // percentile, linear between closest ranks
    var h = (sorted.length - 1) * p, lo = Math.floor(h);
    return lo + 1 >= sorted.length ? sorted[sorted.length - 1] : sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
  }
  function fmt(ns) {
    if (ns < 1e3) return ns.toFixed(0) + ' ns';
    if (ns < 1e6) return (ns / 1e3).toFixed(1) + ' \u00b5s';
    if (ns < 1e9) return (ns / 1e6).toFixed(2) + ' ms';
    return (ns / 1e9).toFixed(3) + ' s';
  }
  function chart(m, log) {
    var lanes = m.cells.filter(function (c) { return c.samples.length > 0; });
    var all = [].concat.apply([], lanes.map(function (c) { return c.samples; }));
    var lo = Math.min.apply(null, all), hi = Math.max.apply(null, all);
    if (log) { lo = Math.max(lo, 1); }
    var f = log ? function (v) { return Math.log(Math.max(v, 1)); } : function (v) { return v; };
    var a = f(lo), b = f(hi); if (b - a <= 0) { a -= 1; b += 1; }
    var pad = (b - a) * 0.04; a -= pad; b += pad;
    var L = 210, W = 560, laneH = 34, H = lanes.length * laneH + 26;
    var x = function (v) { return L + (f(v) - a) / (b - a) * W; };
    var svg = el('svg', {width: L + W + 20, height: H, 'class': 'dist-svg', 'data-metric': m.name});
    var points = 0;
    lanes.forEach(function (c, i) {
      var y0 = i * laneH + 4, mid = y0 + laneH / 2, col = palette[c.input % palette.length];
      var t = el('text', {x: 0, y: mid + 4}, svg); t.textContent = data.labels[c.input];
      var s = c.samples.slice().sort(function (u, v) { return u - v; });
      var q1 = q(s, .25), q3 = q(s, .75), med = q(s, .5), iqr = q3 - q1;
      var inside = s.filter(function (v) { return v >= q1 - 1.5 * iqr && v <= q3 + 1.5 * iqr; });
      var wl = inside.length ? inside[0] : q1, wh = inside.length ? inside[inside.length - 1] : q3;
      el('line', {x1: x(wl), x2: x(q1), y1: mid, y2: mid, stroke: col}, svg);
      el('line', {x1: x(q3), x2: x(wh), y1: mid, y2: mid, stroke: col}, svg);
      el('rect', {'class': 'box', x: x(q1), y: y0 + 4, width: Math.max(1, x(q3) - x(q1)), height: laneH - 8,
                  fill: col, stroke: col}, svg);
      el('line', {x1: x(med), x2: x(med), y1: y0 + 4, y2: y0 + laneH - 4, stroke: col, 'stroke-width': 3}, svg);
      c.samples.forEach(function (v, k) {
        var jitter = ((k * 7919) % 17) / 17 - 0.5;  // deterministic spread
        var p = el('circle', {'class': 'pt', cx: x(v), cy: mid + jitter * (laneH - 14), r: 2.2, fill: col}, svg);
        el('title', {}, p).textContent = data.labels[c.input] + ' cycle ' + (k + 1) + ': ' + fmt(v);
        points++;
      });
    });
    var ay = lanes.length * laneH + 8;
    el('line', {'class': 'axis', x1: L, x2: L + W, y1: ay, y2: ay}, svg);
    for (var i = 0; i <= 4; i++) {
      var u = a + (b - a) * i / 4, v = log ? Math.exp(u) : u;
      var tk = el('text', {'class': 'tick', x: L + W * i / 4 - 20, y: ay + 14}, svg);
      tk.textContent = fmt(Math.max(v, 0));
    }
    return {svg: svg, points: points};
  }
  function render() {
    var log = document.getElementById('kt-log').checked;
    var root = document.getElementById('kt-dists');
    while (root.firstChild) root.removeChild(root.firstChild);
    var charts = 0, points = 0;
    data.metrics.forEach(function (m) {
      if (!m.cells.some(function (c) { return c.samples.length > 0; })) return;
      var div = document.createElement('div'); div.className = 'dist';
      var h = document.createElement('h3'); h.textContent = m.name + ' (' + m.kind + ')';
      div.appendChild(h);
      var r = chart(m, log);
      div.appendChild(r.svg); root.appendChild(div);
      charts++; points += r.points;
    });
    var st = document.getElementById('kt-status');
    st.textContent = 'rendered ' + charts + ' distributions, ' + points + ' samples';
    st.setAttribute('data-charts', charts); st.setAttribute('data-points', points);
  }
  document.getElementById('kt-log').addEventListener('change', render);
  render();
})();
)JS";

} // namespace kt::bench
