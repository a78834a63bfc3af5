import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { equalizeCrossLayer } from '../../src/fixes/equalize';
import { absorbHighBias } from '../../src/fixes/high_bias_absorption';
import { createExecutor } from '../../src/graph/execute';
import type { Graph } from '../../src/graph/ir';
import { useBackend, withoutLeaks } from '../support/backends';
import { normals, uniforms } from '../support/random';
import { channelStats, pairGraph, statsProducer, type ConsumerKind, type ProducerKind } from './pairs';

/** The outputs of 'p' and 'q' on x. */
function run(graph: Graph, x: tf.Tensor): { p: Float32Array; q: Float32Array; qShape: number[] } {
  const e = createExecutor(graph);
  let p = new Float32Array(0);
  const [y] = e.run(x, { taps: ['p'], onTap: (_n, t) => { p = t.dataSync() as Float32Array; } });
  const out = { p, q: y.dataSync() as Float32Array, qShape: y.shape };
  y.dispose();
  e.dispose();
  return out;
}

const C = 5;
const cases: [ProducerKind, ConsumerKind][] = [['conv', 'conv3x3-same'], ['conv', 'pad+depthwise3x3-stride2'], ['depthwise', 'conv1x1'], ['dense', 'dense']];

for (const [producer, consumer] of cases) {
  test(`high-bias absorption ${producer} -> ReLU -> ${consumer}: the float function is unchanged where y >= c except the predicted padding shift, and the producer's range shrinks by c`, async () => {
    await useBackend('cpu');
    await withoutLeaks(() => {
      // beta well above 3|gamma|, so c > 0 on most channels; one channel keeps c = 0.
      const { beta, gamma } = channelStats(C, 3, 2, 6, 0.2, 0.6);
      beta[1] = 0.5;
      const graph = pairGraph(statsProducer(producer, beta, gamma, 'relu'), consumer, C, 3, 7, 11);
      const { graph: absorbed, pairs, skipped } = absorbHighBias(graph);
      assert.deepEqual(skipped, []);
      assert.equal(pairs.length, 1);
      const expectedC = Array.from(beta, (b, i) => Math.max(0, b - 3 * Math.abs(gamma[i])));
      pairs[0].absorbed.forEach((c, i) => assert.ok(Math.abs(c - expectedC[i]) < 1e-6, `c[${i}] ${c} vs ${expectedC[i]}`));
      assert.equal(pairs[0].absorbed[1], 0);

      // x in [-1, 1]: y = beta + gamma x >= beta - |gamma| >= c, where relu(y - c) = relu(y) - c exactly.
      const shape = producer === 'dense' ? [64, C] : [16, 7, 7, C];
      const x = tf.tensor(uniforms(5, shape.reduce((a, b) => a * b), -1, 1), shape);
      const before = run(graph, x);
      const after = run(absorbed, x);
      x.dispose();
      // The producer's outputs drop by c_i exactly, so its range shrinks.
      for (let k = 0; k < before.p.length; k++) assert.ok(Math.abs(after.p[k] - (before.p[k] - expectedC[k % C])) < 1e-5);
      assert.ok(Math.max(...after.p) < Math.max(...before.p) - 1, `producer max ${Math.max(...before.p)} -> ${Math.max(...after.p)}`);
      assert.ok(pairs[0].range.after.max < pairs[0].range.before.max);
      // The consumer: unchanged up to the padding shift, which is deterministic and matches the prediction.
      const diff = Array.from(before.q, (v, k) => Math.abs(after.q[k] - v));
      const meanAbs = diff.reduce((a, b) => a + b, 0) / diff.length;
      const maxAbs = Math.max(...diff);
      const predicted = pairs[0].paddingShift;
      assert.ok(Math.abs(meanAbs - predicted.meanAbs) <= 1e-4 * (1 + predicted.meanAbs), `mean |shift| measured ${meanAbs}, predicted ${predicted.meanAbs}`);
      assert.ok(Math.abs(maxAbs - predicted.maxAbs) <= 1e-4 * (1 + predicted.maxAbs), `max |shift| measured ${maxAbs}, predicted ${predicted.maxAbs}`);
      if (consumer === 'conv3x3-same') {
        // Interior positions (rows and columns 1..5 of 7) read no padding: exact there.
        const [, h, w, o] = before.qShape;
        for (let k = 0; k < diff.length; k++) {
          const [row, col] = [Math.floor(k / (w * o)) % h, Math.floor(k / o) % w];
          if (row > 0 && row < h - 1 && col > 0 && col < w - 1) assert.ok(diff[k] < 1e-4, `interior (${row}, ${col}) moved by ${diff[k]}`);
        }
        assert.ok(predicted.maxAbs > 0.1, 'the border shift is there to measure');
      } else if (consumer !== 'pad+depthwise3x3-stride2') {
        assert.deepEqual(predicted, { meanAbs: 0, maxAbs: 0 });
      }
      assert.equal((graph.nodes[0].op as { folded: { beta: Float32Array } }).folded.beta, beta, 'the input graph is not mutated');
    });
  });
}

test('high-bias absorption through a linear producer is exact even where y < c', async () => {
  await useBackend('cpu');
  const { beta, gamma } = channelStats(C, 8, 3, 5, 0.1, 0.5);
  const graph = pairGraph(statsProducer('conv', beta, gamma, 'linear'), 'conv1x1', C, 4, 4, 2);
  const { graph: absorbed, pairs } = absorbHighBias(graph);
  assert.ok(pairs[0].absorbed.every((c) => c > 0));
  const x = tf.tensor4d(normals(3, 8 * 4 * 4 * C, 0, 20), [8, 4, 4, C]);
  const [a, b] = [run(graph, x).q, run(absorbed, x).q];
  x.dispose();
  for (let k = 0; k < a.length; k++) assert.ok(Math.abs(a[k] - b[k]) <= 1e-4 * (1 + Math.abs(a[k])), `${a[k]} vs ${b[k]}`);
});

test('high-bias absorption skips ReLU6 (unless equalized as ReLU), other activations and producers without statistics, with the reason', () => {
  const { beta, gamma } = channelStats(C, 4, 3, 5, 0.1, 0.5);
  const relu6 = pairGraph(statsProducer('conv', beta, gamma, 'relu6'), 'conv1x1', C, 3, 4, 1);
  const r = absorbHighBias(relu6);
  assert.deepEqual(r.pairs, []);
  assert.match(r.skipped[0].reason, /ReLU6 between them: relu6\(y - c\) != relu6\(y\) - c/);
  assert.equal(absorbHighBias(equalizeCrossLayer(relu6, { relu6: 'as-relu' }).graph).pairs.length, 1);
  assert.match(absorbHighBias(pairGraph(statsProducer('conv', beta, gamma, 'swish'), 'conv1x1', C, 3, 4, 1)).skipped[0].reason, /swish between them/);
  assert.match(absorbHighBias(pairGraph(statsProducer('conv', beta, gamma, 'relu', false), 'conv1x1', C, 3, 4, 1)).skipped[0].reason, /p has no batch-norm statistics/);
});
