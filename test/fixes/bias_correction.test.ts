import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { correctBiasEmpirically } from '../../src/fixes/bias_correction';
import { createExecutor } from '../../src/graph/execute';
import type { Graph } from '../../src/graph/ir';
import type { QuantPlan } from '../../src/quant/plan';
import { createFakeQuantExecutor } from '../../src/quant/fake_quant_executor';
import { useBackend } from '../support/backends';
import { mulberry32, uniforms } from '../support/random';

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
