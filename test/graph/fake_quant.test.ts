import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { createExecutor } from '../../src/graph/execute';
import type { Graph } from '../../src/graph/ir';
import { calibrateGraph, rangesFromHistograms } from '../../src/quant/calibrate_graph';
import { createFakeQuantExecutor } from '../../src/quant/fake_quant_executor';
import { qparamsFromRange } from '../../src/qparams';
import { int8Activations } from '../../src/scheme';
import { useBackend, withoutLeaks } from '../support/backends';
import { kitchenSinkGraph } from '../support/layers_models';
import { uniforms } from '../support/random';

function batches(n: number, seed: number): tf.Tensor[] {
  return Array.from({ length: n }, (_, k) => tf.tensor4d(uniforms(seed + k, 8 * 16 * 16 * 3, -1, 1), [8, 16, 16, 3]));
}

test('ReLU layers fuse into the conv before them, keeping the layer name as an alias', async () => {
  const graph = await kitchenSinkGraph();
  const stem = graph.nodes.find((n) => n.name === 'stem_conv')!;
  assert.deepEqual(stem.aliases, ['stem_bn', 'stem_relu']);
  assert.ok(stem.op.kind === 'conv2d' && stem.op.activation === 'relu');
  const dw = graph.nodes.find((n) => n.name === 'dw')!;
  assert.ok(dw.op.kind === 'depthwiseConv2d' && dw.op.activation === 'relu6');
  assert.ok(!graph.nodes.some((n) => n.name === 'stem_relu' || n.name === 'dw_relu6'));
});

test('calibration streams batches and records every tensor; an all-float plan equals the float executor', async () => {
  await useBackend('cpu');
  const graph = await kitchenSinkGraph();
  const float = createExecutor(graph);
  const data = batches(3, 10);
  let seen = 0;
  const histograms = calibrateGraph(float, data, { onBatch: (p) => { seen = p.samples; } });
  assert.equal(seen, 24);
  assert.equal(histograms.size, graph.nodes.length + 1);
  assert.equal(histograms.get('image')!.count, 3 * 8 * 16 * 16 * 3);
  const ranges = rangesFromHistograms(histograms);
  const fq = createFakeQuantExecutor(graph, { defaultPrecision: 'float', weightGranularity: 'per-channel', activationRanges: ranges });
  const [a] = float.run(data[0]);
  const [b] = fq.run(data[0]);
  assert.deepEqual(b.dataSync(), a.dataSync());
  tf.dispose([a, b, ...data]);
  float.dispose();
  fq.dispose();
});

test('an int8 plan puts every requantized layer output on its int8 grid, and float fallback leaves a layer off it', async () => {
  await useBackend('cpu');
  const graph = await kitchenSinkGraph();
  const float = createExecutor(graph);
  const data = batches(2, 20);
  const ranges = rangesFromHistograms(calibrateGraph(float, data));
  const fq = createFakeQuantExecutor(graph, {
    defaultPrecision: 'int8', weightGranularity: 'per-channel', activationRanges: ranges, layerPrecision: { fc1: 'float' },
  });
  const offGrid = new Map<string, number>();
  await withoutLeaks(() => {
    const [y] = fq.run(data[0], {
      taps: 'all',
      onTap: (node, t) => {
        const qp = qparamsFromRange(ranges.get(node.name)!, int8Activations);
        const values = t.dataSync();
        let worst = 0;
        for (const v of values) {
          const q = v / qp.scale + qp.zeroPoint;
          worst = Math.max(worst, Math.abs(q - Math.round(q)), q < qp.qmin - 1e-3 || q > qp.qmax + 1e-3 ? 1 : 0);
        }
        offGrid.set(node.name, worst);
      },
    });
    y.dispose();
  });
  for (const name of ['stem_conv', 'dw', 'sep', 'proj', 'residual_add', 'se_expand', 'se_scale', 'concat', 'logits']) {
    assert.ok(offGrid.get(name)! < 1e-3, `${name} is ${offGrid.get(name)} steps off its grid`);
  }
  assert.ok(offGrid.get('fc1')! > 0.01, 'fc1 is in float and should not sit on an int8 grid');
  tf.dispose(data);
  float.dispose();
  fq.dispose();
});

test('a dense layer computes fq(x) fq(W) + bias_int32 exactly as the formula says', async () => {
  await useBackend('cpu');
  const kernel = Float32Array.from({ length: 12 }, (_, i) => (i - 5.5) / 7);
  const graph: Graph = {
    name: 'one_dense', format: 'tfjs-layers', inputs: [{ name: 'x', shape: [null, 4] }], outputs: ['fc'],
    nodes: [{ name: 'fc', source: 'Dense', aliases: [], inputs: ['x'], op: { kind: 'dense', kernel: { data: kernel, shape: [4, 3] }, bias: { data: Float32Array.of(0.1, -0.2, 0.3), shape: [3] }, activation: 'linear', folded: null } }],
  };
  const ranges = new Map([['x', { min: -1, max: 1 }], ['fc', { min: -3, max: 3 }]]);
  const fq = createFakeQuantExecutor(graph, { defaultPrecision: 'int8', weightGranularity: 'per-tensor', activationRanges: ranges });
  const x = tf.tensor2d([[0.5, -0.25, 1, 0.1]]);
  const [y] = fq.run(x);
  // By hand: per-tensor weight scale = max|W| / 127, codes round half away; bias / (sx * sw) rounded; output grid.
  const sw = Math.fround(Math.max(...Array.from(kernel, Math.abs)) / 127);
  const xq = qparamsFromRange({ min: -1, max: 1 }, int8Activations);
  const fqx = [0.5, -0.25, 1, 0.1].map((v) => (Math.min(127, Math.max(-128, Math.round(Math.fround(v / xq.scale)) + xq.zeroPoint)) - xq.zeroPoint) * xq.scale);
  const wq = Array.from(kernel, (v) => Math.sign(v) * Math.round(Math.abs(Math.fround(v / sw))) * sw);
  const sb = Math.fround(xq.scale * sw);
  const yq = qparamsFromRange({ min: -3, max: 3 }, int8Activations);
  const expected = [0, 1, 2].map((o) => {
    let acc = 0;
    for (let i = 0; i < 4; i++) acc += fqx[i] * wq[i * 3 + o];
    const b = Math.round(Math.fround([0.1, -0.2, 0.3][o] * Math.fround(1 / sb))) * sb;
    const v = acc + b;
    return (Math.min(127, Math.max(-128, Math.round(v / yq.scale) + yq.zeroPoint)) - yq.zeroPoint) * yq.scale;
  });
  const got = Array.from(y.dataSync());
  got.forEach((v, o) => assert.ok(Math.abs(v - expected[o]) < 1e-6, `output ${o}: ${v} vs ${expected[o]}`));
  tf.dispose([x, y]);
  fq.dispose();
  assert.throws(() => createFakeQuantExecutor(graph, { defaultPrecision: 'int8', weightGranularity: 'per-tensor', activationRanges: ranges, layerPrecision: { fc9: 'float' } }),
    /\(layerPrecision\): graph 'one_dense' has no layer named 'fc9'; did you mean 'fc'\?/);
  assert.throws(() => createFakeQuantExecutor(graph, { defaultPrecision: 'int8', weightGranularity: 'per-tensor', activationRanges: new Map() }),
    /no calibrated range for tensor 'x' of graph 'one_dense'; calibrate the model first/);
});
