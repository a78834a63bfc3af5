import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { equalizeCrossLayer, inputRanges, outputRanges } from '../../src/fixes/equalize';
import { createExecutor } from '../../src/graph/execute';
import type { ActivationFn, Graph, GraphNode } from '../../src/graph/ir';
import { createFakeQuantExecutor } from '../../src/quant/fake_quant_executor';
import { calibrateGraph, rangesFromHistograms } from '../../src/quant/calibrate_graph';
import { useBackend } from '../support/backends';
import { mulberry32, uniforms } from '../support/random';

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

function run(graph: Graph, x: tf.Tensor): Float32Array {
  const e = createExecutor(graph);
  const [y] = e.run(x);
  const out = y.dataSync() as Float32Array;
  y.dispose();
  e.dispose();
  return out;
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
