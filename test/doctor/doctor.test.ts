import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planAccuracy } from '../../src/analysis/accuracy';
import type { ImageSet } from '../../src/data/fashion_mnist';
import { doctor } from '../../src/doctor/doctor';
import { doctorDisplay, writeDoctorReport } from '../../src/doctor/doctor_report';
import { calibrateImages } from '../../src/quant/calibrate_graph';
import { quantSession } from '../../src/session/quant_session';
import { JUPYTER_DISPLAY } from '../../src/views/display';
import { useBackend } from '../support/backends';
import { outlierMlp } from '../support/tiny_mlp';

function split(images: ImageSet, at: number): { calibration: ImageSet; evaluation: ImageSet } {
  const px = images.height * images.width;
  const part = (from: number, to: number): ImageSet => ({ ...images, count: to - from, images: images.images.subarray(from * px, to * px), labels: images.labels.subarray(from, to) });
  return { calibration: part(0, at), evaluation: part(at, images.count) };
}

test('the doctor finds the wrecked layer, keeps it in float to meet the budget, and says why at every step', async () => {
  await useBackend('cpu');
  const { graph, images } = outlierMlp(7, 600, 'fc<1>', 'every channel');
  const data = split(images, 200);
  const steps: number[] = [];
  const report = doctor(graph, data, { budget: { points: 2 }, progress: (total) => ({ update: (done) => steps.push(done / total) }) });
  assert.equal(steps[steps.length - 1], 1);
  assert.equal(report.floatAccuracy, 1);
  assert.ok(!report.candidates[0].withinBudget, 'the all-int8 baseline must miss the budget in this construction');
  assert.deepEqual(report.findings.map((f) => f.step), ['schemes', 'baseline', 'range tuning', 'equalization', 'bias correction', 'layerwise', 'mixed precision', 'recommendation']);
  assert.ok(report.flaggedLayers.some((f) => f.layer === 'fc<1>'), JSON.stringify(report.flaggedLayers));
  assert.equal(report.sensitivity[0].layer, 'fc<1>');
  assert.ok(report.mixedPrecisionTrials.length >= 2);
  const r = report.recommendation;
  assert.equal(r.withinBudget, true);
  assert.deepEqual(r.floatLayers, ['fc<1>']);
  assert.ok(r.accuracy >= report.target);
  // Every candidate's accuracy is reproducible from its description.
  const base = report.candidates[0];
  assert.equal(base.name, 'INT8 per-channel, min/max');

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doctor-'));
  const written = writeDoctorReport(report, dir);
  assert.deepEqual(JSON.parse(fs.readFileSync(written.json, 'utf8')).recommendation, JSON.parse(JSON.stringify(r)));
  const html = fs.readFileSync(written.html, 'utf8');
  assert.ok(!html.includes('fc<1>'), 'layer names are escaped in the HTML report');
  assert.ok(html.includes('fc&lt;1&gt;'));
  const plotly = fs.readFileSync(require.resolve('plotly.js-basic-dist-min'), 'utf8');
  assert.ok(html.includes(plotly), 'plotly.js is inlined');
  const page = html.replace(plotly, '');
  assert.ok(!/<script[^>]+src=|<link[^>]+href=|https?:/.test(page), 'the page loads nothing from the network');
  assert.ok(html.includes('Plotly.newPlot'));
  assert.deepEqual(fs.readdirSync(dir).sort(), ['outlier_mlp.doctor.html', 'outlier_mlp.doctor.json']);
  const bundle = doctorDisplay(report)[JUPYTER_DISPLAY]();
  assert.match(bundle['text/plain'] as string, /^Quantization doctor: outlier_mlp/);
  assert.ok(!(bundle['text/html'] as string).includes('fc<1>'));
});

test('an unreachable budget is reported as such, with the most accurate configuration found', async () => {
  await useBackend('cpu');
  const { graph, images } = outlierMlp(7, 600, 'fc1', 'every channel');
  const data = split(images, 200);
  // Keeping layers in int16 cannot fix fc1's weights (its weights stay int8).
  const report = doctor(graph, data, { budget: { points: 0 }, higher: 'int16' });
  const r = report.recommendation;
  assert.equal(r.withinBudget, false);
  assert.equal(r.accuracy, Math.max(...report.candidates.map((c) => c.accuracy)));
  assert.match(report.findings[report.findings.length - 1].finding, /NO configuration met the budget of >= 100\.00%/);
  assert.match(report.findings.find((f) => f.step === 'mixed precision')!.finding, /was not met even with/);
  assert.ok(planAccuracy(graph, null, data.evaluation) === 1);
});

test('the doctor works from histograms it is given: a session passes its own instead of calibrating again', async () => {
  await useBackend('cpu');
  const { graph, images } = outlierMlp(7, 600, 'fc<1>', 'every channel');
  const data = split(images, 200);
  const histograms = calibrateImages(graph, data.calibration);
  assert.deepEqual(doctor(graph, data, { budget: { points: 2 }, histograms }), doctor(graph, data, { budget: { points: 2 } }));
  // Histograms without the layer's tensor: the doctor uses them, and the missing range names the tensor.
  const partial = new Map([...histograms].filter(([name]) => name !== 'fc<1>'));
  assert.throws(() => doctor(graph, data, { histograms: partial }), /fc<1>/);
  const session = quantSession(graph, data);
  const viaSession = session.doctor({ budget: { points: 2 } }).report;
  assert.deepEqual(viaSession, doctor(graph, data, { budget: { points: 2 }, histograms: session.histograms() }));
});

test('a model with no quantizable layer is a clear error', () => {
  const { images } = outlierMlp();
  const graph = { name: 'flat_only', format: 'tfjs-layers' as const, inputs: [{ name: 'image', shape: [null, 4, 4, 1] }], outputs: ['flat'],
    nodes: [{ name: 'flat', op: { kind: 'flatten' as const }, inputs: ['image'], source: 'Flatten', aliases: [] }] };
  assert.throws(() => doctor(graph, split(images, 200)), /doctor: graph 'flat_only' has no quantizable layer \(conv, depthwise or dense\)/);
});
