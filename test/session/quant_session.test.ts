import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planAccuracy } from '../../src/analysis/accuracy';
import { loadFashionMnist } from '../../src/data/fashion_mnist';
import { loadModel } from '../../src/models/load_model';
import { REPO_ROOT } from '../../src/paths';
import { quantSession } from '../../src/session/quant_session';
import { JUPYTER_DISPLAY, VIEW_ACTIONS } from '../../src/views/display';
import { parseView } from '../../src/views/parse';
import type { DistributionView, LayerwiseEvaluation } from '../../src/views/types';
import * as path from 'node:path';
import { useBackend } from '../support/backends';

const subset = path.join(REPO_ROOT, 'data', 'fashion-mnist-subset');

async function session() {
  await useBackend('wasm');
  const graph = loadModel('resnet');
  const calibration = loadFashionMnist({ split: 'train', dir: subset, limit: 200 });
  const evaluation = loadFashionMnist({ split: 'test', dir: subset, limit: 200 });
  const ticks: string[] = [];
  const s = quantSession(graph, { calibration, evaluation }, { progress: (total, label) => ({ update: (done) => ticks.push(`${label} ${done}/${total}`) }) });
  return { graph, s, ticks, evaluation };
}

test('a session calibrates once with progress and its layerwise view answers set-precision with the re-evaluated accuracy', async () => {
  const { graph, s, ticks, evaluation } = await session();
  const view = s.layerwise({ samples: 100 });
  assert.deepEqual(ticks.filter((t) => t.startsWith('calibrating')), ['calibrating resnet 100/200', 'calibrating resnet 200/200']);
  assert.deepEqual(view.view.actions, ['distribution', 'set-precision']);
  assert.equal(view.view.samples, 100);
  assert.equal(view.view.layers.length, graph.nodes.length);
  const bundle = view[JUPYTER_DISPLAY]();
  assert.deepEqual(Object.keys(bundle), ['application/vnd.quantscope.layerwise+json', 'text/plain', 'text/html']);
  const conv = graph.nodes.find((n) => n.op.kind === 'conv2d')!.name;
  const reply = await view[VIEW_ACTIONS]['set-precision']({ layer: conv, precision: 'float' }) as LayerwiseEvaluation;
  assert.deepEqual(reply.floatLayers, [conv]);
  const expected = planAccuracy(graph, { defaultPrecision: 'int8', weightGranularity: 'per-channel', layerPrecision: { [conv]: 'float' }, activationRanges: s.plan.activationRanges }, evaluation);
  assert.equal(reply.accuracy, expected);
  assert.ok(Math.abs(reply.delta - 100 * (expected - s.floatAccuracy())) < 1e-9);
  const dist = await view[VIEW_ACTIONS].distribution({ layer: conv }) as DistributionView;
  assert.equal(dist.kind, 'distribution');
  await assert.rejects(async () => view[VIEW_ACTIONS]['set-precision']({ layer: 'conv1x', precision: 'float' }), /has no layer named 'conv1x'; did you mean/);
  await assert.rejects(async () => view[VIEW_ACTIONS].distribution({}), /argument 'layer' was null; expected a layer name/);
});

test('calibration view: evaluate measures a range without applying it; apply sets it in the plan', async () => {
  const { graph, s, evaluation } = await session();
  const conv = graph.nodes.find((n) => n.op.kind === 'conv2d')!.name;
  const view = s.calibration(conv);
  const h = s.histograms().get(conv)!;
  assert.equal(view.view.counts.reduce((a, b) => a + b, 0), h.count);
  assert.equal(view.view.edges.length, view.view.counts.length + 1);
  assert.ok(view.view.edges[0] <= h.min && view.view.edges[view.view.edges.length - 1] >= h.max);
  assert.deepEqual(view.view.methods.find((m) => m.method === 'min/max'), { method: 'min/max', min: h.min, max: h.max });
  const narrow = { min: 0, max: h.max / 4 };
  const before = s.plan.activationRanges.get(conv);
  const evaluated = await view[VIEW_ACTIONS].evaluate(narrow) as { accuracy: number };
  assert.deepEqual(s.plan.activationRanges.get(conv), before);
  const ranges = new Map(s.plan.activationRanges).set(conv, narrow);
  assert.equal(evaluated.accuracy, planAccuracy(graph, { ...s.plan, activationRanges: ranges }, evaluation));
  await view[VIEW_ACTIONS].apply(narrow);
  assert.deepEqual(s.plan.activationRanges.get(conv), narrow);
  await assert.rejects(async () => view[VIEW_ACTIONS].evaluate({ min: 2, max: 1 }), /evaluate: min and max must be finite numbers with min <= max/);
  await assert.rejects(async () => view[VIEW_ACTIONS].apply({ min: 'a', max: 1 }), /apply: min and max must be finite/);
});

test('distribution: float and quantized histograms share bins, count every value, and show the clip range', async () => {
  const { graph, s } = await session();
  const conv = graph.nodes.find((n) => n.op.kind === 'conv2d')!.name;
  const d = s.distribution(conv, 20).view;
  const total = (c: readonly number[]) => c.reduce((a, b) => a + b, 0);
  assert.equal(total(d.floatCounts), total(d.quantCounts));
  assert.equal(d.edges.length, d.floatCounts.length + 1);
  const range = s.plan.activationRanges.get(conv)!;
  assert.ok(d.clip !== null && d.clip.min <= range.min + d.scale! && d.clip.max >= range.max - d.scale!);
  assert.equal(d.bits, 8);
});

test('tables: activation and weight ranges come with text and escaped HTML and carry their data', async () => {
  const { graph, s } = await session();
  const acts = s.activationRanges();
  assert.equal(acts.data.length, graph.nodes.length + 1);
  assert.match(acts[JUPYTER_DISPLAY]()['text/html'] as string, /<table>/);
  const weights = s.weightRanges();
  assert.equal(weights.data.length, graph.nodes.filter((n) => ['conv2d', 'depthwiseConv2d', 'dense'].includes(n.op.kind)).length);
  assert.ok(weights.data.every((w) => w.spread >= 1));
});

test('error budget: one row per quantized weighted layer, a valid view, progress to the end of both passes', async () => {
  const { graph, s, ticks } = await session();
  const shown = s.errorBudget({ samples: 50 });
  assert.equal(shown.view.samples, 50);
  assert.deepEqual(shown.view.rows.map((r) => r.layer), graph.nodes.filter((n) => ['conv2d', 'depthwiseConv2d', 'dense'].includes(n.op.kind)).map((n) => n.name));
  assert.deepEqual(parseView(shown.view), { ok: true, view: shown.view });
  assert.equal(ticks[ticks.length - 1], 'error budget 100/100');
});

test('bad input: images that do not fit the model, empty sets and unknown names are named in the error', async () => {
  const { graph, s, evaluation } = await session();
  const small = { ...evaluation, height: 14, width: 56 };
  assert.throws(() => quantSession(graph, { calibration: small, evaluation }), /data\.calibration.*images of 28x28/);
  assert.throws(() => quantSession(graph, { calibration: { ...evaluation, count: 0 }, evaluation }), /data\.calibration/);
  assert.throws(() => s.calibration('no_such_layer'), /calibration: graph 'resnet' has no layer named 'no_such_layer'/);
  assert.throws(() => s.setPrecision(graph.nodes[1].name, 'int4' as never), /setPrecision: argument 'precision'/);
  assert.throws(() => s.setRange(graph.nodes[1].name, { min: NaN, max: 1 }), /setRange: argument 'range\.min'/);
});
