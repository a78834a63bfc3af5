import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activationRanges, weightChannelRanges } from '../../src/analysis/dynamic_range';
import { addToHistogram, emptyHistogram } from '../../src/calibration/histogram';
import type { Graph } from '../../src/graph/ir';
import { normals } from '../support/random';

test('activation ranges: exact min/max and percentiles within one bin of the sorted data', () => {
  const data = normals(3, 200_000, 1, 2);
  const h = addToHistogram(emptyHistogram(), data);
  const [r] = activationRanges(new Map([['t', h]]));
  const sorted = Float64Array.from(data).sort();
  const binWidth = 2 ** h.exponent;
  assert.equal(r.min, sorted[0]);
  assert.equal(r.max, sorted[sorted.length - 1]);
  const q = (p: number) => sorted[Math.floor((p / 100) * (sorted.length - 1))];
  for (const [got, p] of [[r.p0_01, 0.01], [r.p99_99, 99.99], [r.p0_1, 0.1], [r.p99_9, 99.9]] as const) {
    assert.ok(Math.abs(got - q(p)) <= binWidth * 1.01, `p${p}: ${got} vs ${q(p)} (bin ${binWidth})`);
  }
  assert.equal(r.count, 200_000);
});

test('weight channel ranges follow the output channel axis of conv, depthwise (channel x multiplier) and dense', () => {
  // conv [kh=1, kw=1, in=2, out=3]: element k belongs to output channel k % 3.
  const conv = Float32Array.from([1, -2, 0.5, -4, 3, 0.25]);
  const depthwise = Float32Array.from([1, 2, -3, 4]); // [1, 1, in=2, multiplier=2]: 4 channels
  const graph: Graph = {
    name: 'g', format: 'tfjs-layers', inputs: [{ name: 'x', shape: [null, 1, 1, 2] }], outputs: ['d'],
    nodes: [
      { name: 'c', op: { kind: 'conv2d', filter: { data: conv, shape: [1, 1, 2, 3] }, bias: null, strides: [1, 1], padding: 'valid', dilations: [1, 1], activation: 'linear', folded: null }, inputs: ['x'], source: 'Conv2D', aliases: [] },
      { name: 'dw', op: { kind: 'depthwiseConv2d', filter: { data: depthwise, shape: [1, 1, 2, 2] }, bias: null, strides: [1, 1], padding: 'valid', dilations: [1, 1], activation: 'linear', folded: null }, inputs: ['c'], source: 'DepthwiseConv2D', aliases: [] },
      { name: 'd', op: { kind: 'dense', kernel: { data: Float32Array.from([1, 0, 0, 0]), shape: [4, 1] }, bias: null, activation: 'linear', folded: null }, inputs: ['dw'], source: 'Dense', aliases: [] },
    ],
  };
  const [c, dw, d] = weightChannelRanges(graph);
  assert.deepEqual(c.min, [-4, -2, 0.25]);
  assert.deepEqual(c.max, [1, 3, 0.5]);
  assert.equal(c.spread, 4 / 0.5);
  assert.deepEqual(dw.max, [1, 2, -3, 4]);
  assert.equal(dw.spread, 4);
  assert.equal(d.spread, 1);
});
