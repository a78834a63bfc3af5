import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { equalizeCrossLayer, inputRanges, outputRanges } from '../../src/fixes/equalize';
import { createExecutor } from '../../src/graph/execute';
import type { ActivationFn, FoldedBatchNorm, Graph, GraphNode } from '../../src/graph/ir';
import { createFakeQuantExecutor } from '../../src/quant/fake_quant_executor';
import { calibrateGraph, rangesFromHistograms } from '../../src/quant/calibrate_graph';
import { useBackend } from '../support/backends';
import { mulberry32, normals, uniforms } from '../support/random';
import { channelStats, floatOutputs as run, pairGraph, statsProducer } from './pairs';

function conv(name: string, input: string, inC: number, outC: number, seed: number, activation: ActivationFn, boost: number[] = []): GraphNode {
  const rand = mulberry32(seed);
  const data = Float32Array.from({ length: 9 * inC * outC }, (_, k) => (rand() - 0.5) * (boost.includes(k % outC) ? 40 : 1));
  return { name, source: 'Conv2D', aliases: [], inputs: [input], op: { kind: 'conv2d', filter: { data, shape: [3, 3, inC, outC] }, bias: { data: Float32Array.from({ length: outC }, () => rand() - 0.5), shape: [outC] }, strides: [1, 1], padding: 'same', dilations: [1, 1], activation, folded: null } };
}

function depthwise(name: string, input: string, c: number, seed: number, activation: ActivationFn, boost: number[] = []): GraphNode {
  const rand = mulberry32(seed);
  const data = Float32Array.from({ length: 9 * c }, (_, k) => (rand() - 0.5) * (boost.includes(k % c) ? 60 : 1));
  return { name, source: 'DepthwiseConv2D', aliases: [], inputs: [input], op: { kind: 'depthwiseConv2d', filter: { data, shape: [3, 3, c, 1] }, bias: { data: Float32Array.from({ length: c }, () => rand() - 0.5), shape: [c] }, strides: [1, 1], padding: 'same', dilations: [1, 1], activation, folded: null } };
}

function chain(activation: ActivationFn): Graph {
  return {
    name: 'chain', format: 'tfjs-layers', inputs: [{ name: 'x', shape: [null, 8, 8, 3] }], outputs: ['project'],
    nodes: [conv('expand', 'x', 3, 6, 1, activation, [1, 4]), depthwise('dw', 'expand', 6, 2, activation, [2]), conv('project', 'dw', 6, 4, 3, 'linear')],
  };
}

test('CLE keeps the float function of a conv -> depthwise -> conv chain and equalizes each pair\'s channel ranges', async () => {
  await useBackend('cpu');
  const graph = chain('relu');
  const { graph: equalized, pairs, skipped } = equalizeCrossLayer(graph);
  assert.deepEqual(pairs.map((p) => `${p.first}->${p.second}`), ['expand->dw', 'dw->project']);
  assert.deepEqual(skipped, []);
  const x = tf.tensor4d(uniforms(4, 2 * 8 * 8 * 3, -1, 1), [2, 8, 8, 3]);
  const a = run(graph, x);
  const b = run(equalized, x);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-4 * (1 + Math.abs(a[i])), `${a[i]} vs ${b[i]}`);
  // After the sweeps each pair's ranges meet: r1_i = r2_i, and the outlier channels are tamed.
  for (const p of pairs) for (let i = 0; i < p.after.first.length; i++) assert.ok(Math.abs(p.after.first[i] - p.after.second[i]) <= 0.02 * p.after.first[i], `${p.first}->${p.second} channel ${i}`);
  const before = outputRanges(graph.nodes[0].op as never);
  const after = outputRanges(equalized.nodes[0].op as never);
  const spread = (r: Float32Array) => Math.max(...r) / Math.min(...r);
  assert.ok(spread(after) < spread(before) / 5, `spread ${spread(before)} -> ${spread(after)}`);
  assert.deepEqual(Array.from(inputRanges(graph.nodes[2].op as never)), Array.from(inputRanges(chain('relu').nodes[2].op as never)), 'the input graph is not mutated');
  x.dispose();
});

test('CLE lowers per-tensor int8 error on imbalanced channels', async () => {
  await useBackend('cpu');
  const graph = chain('relu');
  const equalized = equalizeCrossLayer(graph).graph;
  const x = tf.tensor4d(uniforms(5, 16 * 8 * 8 * 3, -1, 1), [16, 8, 8, 3]);
  const reference = run(graph, x);
  const mse = (g: Graph) => {
    const float = createExecutor(g);
    const ranges = rangesFromHistograms(calibrateGraph(float, [x]));
    float.dispose();
    const fq = createFakeQuantExecutor(g, { defaultPrecision: 'int8', weightGranularity: 'per-tensor', activationRanges: ranges });
    const [y] = fq.run(x);
    const q = y.dataSync();
    y.dispose();
    fq.dispose();
    let e = 0;
    for (let i = 0; i < q.length; i++) e += (q[i] - reference[i]) ** 2;
    return e / q.length;
  };
  const [plain, cle] = [mse(graph), mse(equalized)];
  assert.ok(cle < plain / 2, `per-tensor MSE ${plain} -> ${cle}`);
  x.dispose();
});

test('ReLU6 pairs are skipped with the reason, or equalized as ReLU when asked', () => {
  const graph = chain('relu6');
  const skipped = equalizeCrossLayer(graph);
  assert.deepEqual(skipped.pairs, []);
  assert.equal(skipped.skipped.length, 2);
  assert.match(skipped.skipped[0].reason, /relu6\(x \/ s\) != relu6\(x\) \/ s/);
  const asRelu = equalizeCrossLayer(graph, { relu6: 'as-relu' });
  assert.equal(asRelu.pairs.length, 2);
  assert.ok(asRelu.graph.nodes.slice(0, 2).every((n) => n.op.kind !== 'dense' && (n.op as { activation: string }).activation === 'relu'));
});

test('CLE rescales the folded batch-norm statistics with their channel: they still describe the pre-activations', async () => {
  await useBackend('cpu');
  const c = 5;
  const { beta, gamma } = channelStats(c, 6, -2, 4, 0.2, 3);
  const graph = pairGraph(statsProducer('conv', beta, gamma, 'relu'), 'conv3x3-same', c, 3, 7, 9);
  const { graph: equalized, pairs } = equalizeCrossLayer(graph);
  assert.deepEqual(pairs.map((p) => `${p.first}->${p.second}`), ['p->q']);
  const p = equalized.nodes[0];
  const bn = (p.op as { folded: FoldedBatchNorm }).folded;
  // The pre-activation: the equalized producer without its ReLU, on x ~ N(0, 1).
  const linear: Graph = { ...equalized, nodes: [{ ...p, op: { ...(p.op as Extract<GraphNode['op'], { kind: 'conv2d' }>), activation: 'linear' } }], outputs: ['p'] };
  const x = tf.tensor4d(normals(12, 256 * 7 * 7 * c), [256, 7, 7, c]);
  const y = run(linear, x);
  x.dispose();
  const n = y.length / c;
  let moved = 0;
  for (let i = 0; i < c; i++) {
    let sum = 0;
    let sq = 0;
    for (let k = i; k < y.length; k += c) { sum += y[k]; sq += y[k] * y[k]; }
    const mean = sum / n;
    const std = Math.sqrt(sq / n - mean * mean);
    assert.ok(Math.abs(mean - bn.beta[i]) <= 0.05 * std && Math.abs(std - Math.abs(bn.gamma[i])) <= 0.05 * std, `channel ${i}: measured N(${mean}, ${std}^2), statistics N(${bn.beta[i]}, ${bn.gamma[i]}^2)`);
    assert.ok(Math.abs(bn.factor[i] - bn.gamma[i] / Math.sqrt(bn.variance[i] + bn.epsilon)) <= 1e-6 * Math.abs(bn.factor[i]), 'the factor stays gamma / sqrt(variance + epsilon)');
    if (Math.abs(std - Math.abs(gamma[i])) > 0.2 * std) moved++;
  }
  assert.ok(moved >= 2, 'equalization moved the distributions, so the old statistics would be wrong');
});

test('CLE equalizes through a zero-padding node and keeps the float function', async () => {
  await useBackend('cpu');
  const { beta, gamma } = channelStats(4, 7, -1, 1, 0.1, 4);
  const graph = pairGraph(statsProducer('conv', beta, gamma, 'relu'), 'pad+depthwise3x3-stride2', 4, 4, 7, 3);
  const { graph: equalized, pairs } = equalizeCrossLayer(graph);
  assert.deepEqual(pairs.map((p) => `${p.first}->${p.second}`), ['p->q']);
  assert.ok(Math.max(...pairs[0].scales) / Math.min(...pairs[0].scales) > 1.5, 'the channels were rescaled');
  const x = tf.tensor4d(normals(2, 4 * 7 * 7 * 4), [4, 7, 7, 4]);
  const [a, b] = [run(graph, x), run(equalized, x)];
  x.dispose();
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-4 * (1 + Math.abs(a[i])), `${a[i]} vs ${b[i]}`);
});
