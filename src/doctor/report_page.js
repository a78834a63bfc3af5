// The doctor's HTML report draws its figures with this script, in the browser: it reads the report embedded as JSON
// in the page and draws with plotly.js, which the page inlines. doctor_report.ts inlines this file; it is never
// loaded by Node.
/* global Plotly */
'use strict';
const r = JSON.parse(document.getElementById('quantscope-report').textContent);
// The y axis spans the data and the budget line, not 0..100: differences of a point must be visible.
const bar = (id, names, values, title, extra) => {
  const y = values.map((v) => 100 * v);
  const lo = Math.max(0, Math.min(...y, 100 * r.target) - 3);
  const hi = Math.min(100, Math.max(...y, 100 * r.target) + 1);
  return Plotly.newPlot(id, [{ type: 'bar', x: names, y, text: y.map((v) => `${v.toFixed(1)}%`), textposition: 'outside' }],
    Object.assign({ title: { text: title }, yaxis: { title: { text: 'accuracy (%)' }, range: [lo, hi] }, margin: { b: 160, t: 50 } }, extra || {}), { displaylogo: false });
};
const target = { shapes: [{ type: 'line', xref: 'paper', x0: 0, x1: 1, y0: 100 * r.target, y1: 100 * r.target, line: { dash: 'dash', color: 'red' } }] };
bar('schemes', r.schemes.map((s) => s.scheme), r.schemes.map((s) => s.accuracy), 'Schemes', target);
bar('candidates', r.candidates.map((c) => c.name), r.candidates.map((c) => c.accuracy), 'Configurations tried (dashed: the budget)', target);
bar('calibrations', r.calibrations.map((c) => c.method), r.calibrations.map((c) => c.accuracy), 'Calibration methods (INT8 per-channel)', target);
if (r.sensitivity.length > 0) Plotly.newPlot('sensitivity', [
  { type: 'bar', name: 'points lost, quantized alone', x: r.sensitivity.map((s) => s.layer), y: r.sensitivity.map((s) => s.lossAlone) },
  { type: 'bar', name: 'points recovered, kept in float', x: r.sensitivity.map((s) => s.layer), y: r.sensitivity.map((s) => s.recovery) },
], { barmode: 'group', title: { text: 'Per-layer sensitivity (points)' }, margin: { b: 160, t: 50 } }, { displaylogo: false });
