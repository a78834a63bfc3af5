// The doctor's HTML report draws its figures with this script, in the browser: it reads the report embedded as JSON
// in the page and draws with plotly.js, which the page inlines. doctor_report.ts inlines this file; it is never
// loaded by Node.
/* global Plotly */
'use strict';
const r = JSON.parse(document.getElementById('quantscope-report').textContent);
const bar = (id, names, values, title, extra) => Plotly.newPlot(id, [{ type: 'bar', x: names, y: values.map((v) => 100 * v) }],
  Object.assign({ title, yaxis: { title: 'accuracy (%)' }, margin: { b: 160 } }, extra || {}), { displaylogo: false });
const target = { shapes: [{ type: 'line', xref: 'paper', x0: 0, x1: 1, y0: 100 * r.target, y1: 100 * r.target, line: { dash: 'dash', color: 'red' } }] };
bar('schemes', r.schemes.map((s) => s.scheme), r.schemes.map((s) => s.accuracy), 'Schemes', target);
bar('candidates', r.candidates.map((c) => c.name), r.candidates.map((c) => c.accuracy), 'Configurations tried (dashed: the budget)', target);
bar('calibrations', r.calibrations.map((c) => c.method), r.calibrations.map((c) => c.accuracy), 'Calibration methods (INT8 per-channel)', target);
if (r.sensitivity.length > 0) Plotly.newPlot('sensitivity', [
  { type: 'bar', name: 'points lost, quantized alone', x: r.sensitivity.map((s) => s.layer), y: r.sensitivity.map((s) => s.lossAlone) },
  { type: 'bar', name: 'points recovered, kept in float', x: r.sensitivity.map((s) => s.layer), y: r.sensitivity.map((s) => s.recovery) },
], { barmode: 'group', title: 'Per-layer sensitivity', margin: { b: 160 } }, { displaylogo: false });
