import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { correctBiasAnalytically, correctBiasEmpirically } from '../../src/fixes/bias_correction';
import { createExecutor } from '../../src/graph/execute';
import type { Graph, Weight } from '../../src/graph/ir';
import type { QuantPlan } from '../../src/quant/plan';
import { createFakeQuantExecutor } from '../../src/quant/fake_quant_executor';
import { quantizeLayerWeight } from '../../src/quant/plan_params';
import { clippedNormalMeanRef } from '../reference/normal_reference';
import { useBackend } from '../support/backends';
import { mulberry32, normals, uniforms } from '../support/random';
import { channelStats, pairGraph, statsProducer } from './pairs';

test('empirical bias correction removes the per-channel mean shift that weight quantization causes', async () => {
  await useBackend('cpu');
  const rand = mulberry32(9);
  // 4-bit per-tensor weights with one large channel: a coarse grid that shifts the other channels' means.
  const kernel = Float32Array.from({ length: 32 * 6 }, (_, k) => (k % 6 === 0 ? 3 : 0.2) * (rand() - 0.3));
  const graph: Graph = {
    name: 'fc', format: 'tfjs-layers', inputs: [{ name: 'x', shape: [null, 32] }], outputs: ['fc'],
    nodes: [{ name: 'fc', source: 'Dense', aliases: [], inputs: ['x'], op: { kind: 'dense', kernel: { data: kernel, shape: [32, 6] }, bias: null, activation: 'linear', folded: null } }],
  };
  const x = tf.tensor2d(uniforms(10, 512 * 32, 0, 1), [512, 32]);
  const probe = createExecutor(graph);
  const [y] = probe.run(x);
  const values = Array.from(y.dataSync());
  const extent = { min: Math.min(...values), max: Math.max(...values) };
  y.dispose();
  probe.dispose();
  // Output range covers the data, so the shift measured is the weights' alone, not clipping.
  const plan: QuantPlan = {
    defaultPrecision: 'int8', weightGranularity: 'per-tensor', weightBits: 4,
    activationRanges: new Map([['x', { min: 0, max: 1 }], ['fc', { min: extent.min - 1, max: extent.max + 1 }]]),
  };
  const meanShift = (g: Graph) => {
    const f = createExecutor(graph);
    const q = createFakeQuantExecutor(g, plan);
    const [a] = f.run(x);
    const [b] = q.run(x);
    const m = tf.tidy(() => tf.abs(tf.mean(tf.sub(b, a), 0))).dataSync();
    tf.dispose([a, b]);
    f.dispose();
    q.dispose();
    return Math.max(...m);
  };
  const { graph: corrected, corrections } = correctBiasEmpirically(graph, plan, [x]);
  assert.equal(corrections.length, 1);
  assert.equal(corrections[0].correction.length, 6);
  const [before, after] = [meanShift(graph), meanShift(corrected)];
  assert.ok(after < before / 3, `largest per-channel mean shift ${before} -> ${after}`);
  assert.equal((graph.nodes[0].op as { bias: unknown }).bias, null, 'the input graph is not mutated');
  assert.throws(() => correctBiasEmpirically(graph, plan, []), /correctBiasEmpirically: no calibration batches were given/);
  x.dispose();
});

const ANALYTIC_PLAN: QuantPlan = { defaultPrecision: 'int8', weightGranularity: 'per-tensor', weightBits: 4, activationRanges: new Map() };

for (const activation of ['linear', 'relu', 'relu6'] as const) {
  for (const consumer of ['conv3x3-same', 'pad+depthwise3x3-stride2', 'dense'] as const) {
    test(`analytical bias correction after ${activation} into ${consumer} agrees with the empirical one on data drawn from the batch-norm distribution`, async () => {
      await useBackend('cpu');
      const c = 6;
      // beta up to 5 and |gamma| up to 2.5: ReLU6's upper clip matters on some channels.
      const { beta, gamma } = channelStats(c, 21, -1, 5, 0.5, 2.5);
      const producer = statsProducer(consumer === 'dense' ? 'dense' : 'conv', beta, gamma, activation);
      const graph = pairGraph(producer, consumer, c, 4, 7, 5);
      const analytical = correctBiasAnalytically(graph, ANALYTIC_PLAN);
      assert.deepEqual(analytical.skipped, [{ layer: 'p', reason: "its input is the graph input 'x'" }]);
      const shape = consumer === 'dense' ? [4096, c] : [256, 7, 7, c];
      const batches = Array.from({ length: 16 }, (_, k) => tf.tensor(normals(100 + k, shape.reduce((a, b) => a * b)), shape));
      const empirical = correctBiasEmpirically(graph, ANALYTIC_PLAN, batches);
      tf.dispose(batches);
      const got = analytical.corrections.find((r) => r.layer === 'q')!.correction;
      const measured = empirical.corrections.find((r) => r.layer === 'q')!.correction;
      // Every tap at full weight, E[x] from the quadrature reference: right for interior positions only.
      const q = graph.nodes.find((n) => n.name === 'q')!;
      const w = (q.op as { filter?: Weight; kernel?: Weight }).filter ?? (q.op as { kernel: Weight }).kernel;
      const dw = quantizeLayerWeight(q, w, ANALYTIC_PLAN).dequantized.data.map((v, k) => v - w.data[k]);
      const mean = Array.from(beta, (b, i) => clippedNormalMeanRef(b, Math.abs(gamma[i]), activation === 'linear' ? -Infinity : 0, activation === 'relu6' ? 6 : Infinity));
      const interior = new Float64Array(got.length);
      const perIn = w.shape[w.shape.length - 1];
      dw.forEach((d, k) => {
        const i = Math.floor(k / perIn) % c;
        interior[q.op.kind === 'depthwiseConv2d' ? i : k % perIn] += d * mean[i];
      });
      const maxDiff = (a: ArrayLike<number>) => Math.max(...Array.from(measured, (m, o) => Math.abs(a[o] - m)));
      const scale = Math.max(...Array.from(measured, Math.abs));
      assert.ok(scale > 0.05, `a shift to correct: ${scale}`);
      assert.ok(maxDiff(got) <= 0.01 * scale, `analytical ${Array.from(got)} vs empirical ${Array.from(measured)}`);
      if (consumer === 'dense') assert.ok(maxDiff(interior) <= 0.01 * scale);
      else assert.ok(maxDiff(got) < maxDiff(interior) / 3, `padding handled: ${maxDiff(got)} vs every-tap ${maxDiff(interior)}`);
    });
  }
}

test('analytical bias correction lists the layers whose input has no batch-norm statistics, with the reason', () => {
  const { beta, gamma } = channelStats(3, 2, 0, 1, 0.5, 1);
  const conv = (name: string, input: string) => ({ ...statsProducer('conv', beta, gamma, 'relu', false), name, inputs: [input] });
  const graph: Graph = {
    name: 'skips', format: 'tfjs-layers', inputs: [{ name: 'x', shape: [null, 4, 4, 3] }], outputs: ['d'],
    nodes: [
      { ...statsProducer('conv', beta, gamma, 'swish'), name: 'a' },
      { name: 'sum', source: 'Add', aliases: [], inputs: ['a', 'a'], op: { kind: 'add' } },
      conv('b', 'sum'), conv('c', 'b'), conv('d', 'a'),
    ],
  };
  const { skipped, corrections } = correctBiasAnalytically(graph, ANALYTIC_PLAN);
  assert.deepEqual(corrections, []);
  assert.deepEqual(skipped, [
    { layer: 'a', reason: "its input is the graph input 'x'" },
    { layer: 'b', reason: "its input comes from the add 'sum'" },
    { layer: 'c', reason: 'its input comes from b, which has no batch-norm statistics' },
    { layer: 'd', reason: 'swish between a and it: no closed-form mean of a normal through it' },
  ]);
});
