/**
 * The integer executor's 'onnxruntime' profile against onnxruntime-node on a small conv model: the same weights,
 * bias and grids written as QuantizeLinear → QLinearConv (3x3, ReLU range) → QLinearConv (depthwise) →
 * QLinearConv (1x1), and the output codes compared element for element.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import type { Graph } from '../../src/graph/ir';
import { windowGeometry } from '../../src/integer/geometry';
import { createIntegerExecutor, type IntegerLinearLayer } from '../../src/quant/integer_executor';
import { buildModel, filterToOihw, node, tensor, toNchw, toNhwc } from '../integer/onnx_models';
import { useBackend } from '../support/backends';
import { uniforms } from '../support/random';
import { calibrate } from './support';

function convNode(name: string, input: string, kind: 'conv2d' | 'depthwiseConv2d', filterShape: number[], seed: number,
  activation: 'linear' | 'relu', padding: 'same' | 'valid', strides: [number, number]): Graph['nodes'][number] {
  const n = filterShape.reduce((a, b) => a * b, 1);
  const outC = kind === 'conv2d' ? filterShape[3] : filterShape[2] * filterShape[3];
  return {
    name, source: 'Conv2D', aliases: [], inputs: [input], op: {
      kind, filter: { data: uniforms(seed, n, -0.5, 0.5), shape: filterShape }, bias: { data: uniforms(seed + 1, outC, -0.2, 0.2), shape: [outC] },
      strides, padding, dilations: [1, 1], activation, folded: null,
    },
  };
}

function qlinearConv(layer: IntegerLinearLayer, x: string, y: string, inShape: number[], attrs: { group: number; strides: [number, number]; padding: 'same' | 'valid' }) {
  const [kh, kw] = layer.weightShape;
  const ci = attrs.group === 1 ? layer.weightShape[2] : 1;
  const co = layer.weightScales.length;
  const g = windowGeometry('test', inShape, [kh, kw], attrs.strides, 1, attrs.padding);
  const p = layer.node;
  return {
    node: node('QLinearConv', [x, `${p}_xs`, `${p}_xz`, `${p}_w`, `${p}_ws`, `${p}_wz`, `${p}_ys`, `${p}_yz`, `${p}_b`], [y], {
      group: attrs.group, strides: attrs.strides, dilations: [1, 1], kernel_shape: [kh, kw],
      pads: [g.padTop, g.padLeft, g.padBottom, g.padRight],
    }),
    initializers: [
      tensor(`${p}_xs`, 'float', [], [layer.input.scale]), tensor(`${p}_xz`, 'int8', [], [layer.input.zeroPoint]),
      tensor(`${p}_w`, 'int8', [co, ci, kh, kw], filterToOihw(layer.weights, [kh, kw, ci, co])),
      tensor(`${p}_ws`, 'float', [co], layer.weightScales), tensor(`${p}_wz`, 'int8', [co], new Int8Array(co)),
      tensor(`${p}_ys`, 'float', [], [layer.output.scale]), tensor(`${p}_yz`, 'int8', [], [layer.output.zeroPoint]),
      tensor(`${p}_b`, 'int32', [co], layer.bias as Int32Array),
    ],
    outShape: [g.batch, g.outHeight, g.outWidth, co],
  };
}

it("the 'onnxruntime' profile gives onnxruntime-node's output codes element for element on a three-conv model", async (t) => {
  await useBackend('cpu');
  const batch = 4;
  const graph: Graph = {
    name: 'three_convs', format: 'tfjs-layers', inputs: [{ name: 'x', shape: [null, 10, 10, 4] }], outputs: ['pw'],
    nodes: [
      convNode('c1', 'x', 'conv2d', [3, 3, 4, 8], 1, 'relu', 'same', [1, 1]),
      convNode('dw', 'c1', 'depthwiseConv2d', [3, 3, 8, 1], 3, 'linear', 'same', [2, 2]),
      convNode('pw', 'dw', 'conv2d', [1, 1, 8, 6], 5, 'linear', 'valid', [1, 1]),
    ],
  };
  const calibration = [tf.tensor4d(uniforms(20, 16 * 400, -1, 1.5), [16, 10, 10, 4])];
  const ranges = calibrate(graph, calibration);
  const ie = createIntegerExecutor(graph, { defaultPrecision: 'int8', weightGranularity: 'per-channel', activationRanges: ranges, rounding: 'onnx' }, { profile: 'onnxruntime' });
  const [c1, dw, pw] = ['c1', 'dw', 'pw'].map((n) => ie.integerLayer(n)!);
  const l1 = qlinearConv(c1, 'xq', 'y1', [batch, 10, 10, 4], { group: 1, strides: [1, 1], padding: 'same' });
  const l2 = qlinearConv(dw, 'y1', 'y2', l1.outShape, { group: 8, strides: [2, 2], padding: 'same' });
  const l3 = qlinearConv(pw, 'y2', 'y', l2.outShape, { group: 1, strides: [1, 1], padding: 'valid' });
  const [n, h, w, c] = l3.outShape;
  const model = buildModel({
    nodes: [node('QuantizeLinear', ['x', 'x_scale', 'x_zp'], ['xq']), l1.node, l2.node, l3.node],
    initializers: [tensor('x_scale', 'float', [], [c1.input.scale]), tensor('x_zp', 'int8', [], [c1.input.zeroPoint]),
      ...l1.initializers, ...l2.initializers, ...l3.initializers],
    inputs: [['x', 'float', [batch, 4, 10, 10]]],
    outputs: [['y', 'int8', [n, c, h, w]]],
  });
  const xValues = uniforms(77, batch * 400, -1.2, 1.7);
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
  const out = await session.run({ x: new ort.Tensor('float32', toNchw(xValues, [batch, 10, 10, 4]), [batch, 4, 10, 10]) });
  await session.release();
  const expected = toNhwc(out.y.data as Int8Array, l3.outShape);
  const x = tf.tensor4d(xValues, [batch, 10, 10, 4]);
  const [y] = ie.run(x);
  const got = Int8Array.from(y.dataSync(), (v) => Math.round(v / pw.output.scale) + pw.output.zeroPoint);
  let differ = 0;
  for (let i = 0; i < got.length; i++) if (got[i] !== expected[i]) differ++;
  const distinct = new Set(got).size;
  t.diagnostic(`${got.length} output codes (${distinct} distinct values), ${differ} differ from onnxruntime-node`);
  assert.ok(distinct > 50, `the outputs should spread over the grid, not saturate (${distinct} distinct codes)`);
  assert.equal(differ, 0);
  assert.deepEqual(Array.from(got), Array.from(expected));
  tf.dispose([x, y, ...calibration]);
  ie.dispose();
});
