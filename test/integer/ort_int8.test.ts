/**
 * The int8 kernels with the 'onnxruntime' requantization profile against onnxruntime-node, element for element, on
 * single-op models built in memory (QLinearConv, the same conv as a QDQ model that ORT fuses, depthwise as a
 * grouped conv, 1x1, and dense as QLinearMatMul and as QDQ Gemm).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { conv2dInt8 } from '../../src/integer/conv2d_int8';
import { denseInt8 } from '../../src/integer/dense_int8';
import { depthwiseConv2dInt8 } from '../../src/integer/depthwise_conv2d_int8';
import { windowGeometry } from '../../src/integer/geometry';
import { onnxRuntimeOutputScales } from '../../src/integer/output_scales';
import { requantizeToCodes } from '../../src/integer/requantize_codes';
import { uniforms } from '../support/random';
import {
  buildModel, node, qdqConvModel, qlinearConvModel, tensor, toNchw, toNhwc, type QLinearConvSpec,
} from './onnx_models';
import { randomCodes, randomInt32 } from './support';

async function runOrt(model: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<ort.OnnxValue> {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
  const out = await session.run(feeds);
  await session.release();
  return out.y;
}

function countDifferences(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) d++;
  return d;
}

interface ConvCase {
  name: string;
  shape: [number, number, number, number];
  kernel: [number, number];
  outC: number;
  depthwise: boolean;
  strides: [number, number];
  dilations: [number, number];
  padding: 'same' | 'valid';
  type: 'int8' | 'uint8';
  zp: number;
  yZeroPoint: number;
}

const convCases: ConvCase[] = [
  { name: '3x3 same, int8 zp 3', shape: [2, 9, 9, 16], kernel: [3, 3], outC: 24, depthwise: false, strides: [1, 1], dilations: [1, 1], padding: 'same', type: 'int8', zp: 3, yZeroPoint: -5 },
  { name: '3x3 same stride 2, odd sizes, int8 zp -128 (padding at the extreme)', shape: [1, 11, 13, 8], kernel: [3, 3], outC: 8, depthwise: false, strides: [2, 2], dilations: [1, 1], padding: 'same', type: 'int8', zp: -128, yZeroPoint: 127 },
  { name: '3x3 same, uint8 zp 255 and 0 output zero point', shape: [1, 8, 8, 12], kernel: [3, 3], outC: 16, depthwise: false, strides: [1, 1], dilations: [1, 1], padding: 'same', type: 'uint8', zp: 255, yZeroPoint: 0 },
  { name: '1x1 144->24, uint8 zp 128', shape: [2, 6, 6, 144], kernel: [1, 1], outC: 24, depthwise: false, strides: [1, 1], dilations: [1, 1], padding: 'valid', type: 'uint8', zp: 128, yZeroPoint: 120 },
  { name: '5x5 valid dilation 2', shape: [1, 14, 12, 5], kernel: [5, 5], outC: 7, depthwise: false, strides: [1, 1], dilations: [2, 2], padding: 'valid', type: 'int8', zp: 10, yZeroPoint: 0 },
  { name: 'depthwise 3x3 same, int8 zp 127', shape: [2, 10, 10, 24], kernel: [3, 3], outC: 24, depthwise: true, strides: [1, 1], dilations: [1, 1], padding: 'same', type: 'int8', zp: 127, yZeroPoint: -20 },
  { name: 'depthwise 3x3 same stride 2, uint8', shape: [1, 9, 9, 13], kernel: [3, 3], outC: 13, depthwise: true, strides: [2, 2], dilations: [1, 1], padding: 'same', type: 'uint8', zp: 7, yZeroPoint: 130 },
];

function convSpec(c: ConvCase, seed: number): { spec: QLinearConvSpec; x: Int8Array | Uint8Array } {
  const n = c.shape.reduce((a, b) => a * b, 1);
  const x = c.type === 'int8' ? randomCodes(Int8Array, seed, n, -128, 127) : randomCodes(Uint8Array, seed, n, 0, 255);
  const filterShape = c.depthwise ? [c.kernel[0], c.kernel[1], 1, c.outC] : [c.kernel[0], c.kernel[1], c.shape[3], c.outC];
  const filter = randomCodes(Int8Array, seed + 1, filterShape.reduce((a, b) => a * b, 1), -127, 127);
  const k = filterShape[0] * filterShape[1] * filterShape[2];
  // Scales that put the outputs across the whole code range, some of them saturating.
  const wScales = uniforms(seed + 2, c.outC, 0.5, 1.5).map((v) => v * 0.02);
  const xScale = 0.05;
  const yScale = Math.fround(xScale * 0.02 * 110 * Math.sqrt(k));
  const g = windowGeometry('test', c.shape, c.kernel, c.strides, c.dilations, c.padding);
  return {
    x,
    spec: {
      inputShape: c.shape, inputType: c.type, xScale, xZeroPoint: c.zp, filter, filterShape, wScales, yScale,
      yZeroPoint: c.yZeroPoint, bias: randomInt32(seed + 3, c.outC, -20000, 20000), group: c.depthwise ? c.shape[3] : 1,
      strides: c.strides, dilations: c.dilations, pads: [[g.padTop, g.padBottom], [g.padLeft, g.padRight]],
      outShape: [g.batch, g.outHeight, g.outWidth, c.outC],
    },
  };
}

function oursConv(c: ConvCase, spec: QLinearConvSpec, x: Int8Array | Uint8Array): Int8Array | Uint8Array {
  const options = { strides: c.strides, dilations: c.dilations, padding: c.padding, bias: spec.bias };
  const acc = c.depthwise
    ? depthwiseConv2dInt8(x, c.shape, c.zp, spec.filter, [c.kernel[0], c.kernel[1], c.shape[3], 1], options)
    : conv2dInt8(x, c.shape, c.zp, spec.filter, spec.filterShape, options);
  const scale = onnxRuntimeOutputScales(spec.xScale, spec.wScales, spec.yScale);
  const { qmin, qmax } = c.type === 'int8' ? { qmin: -128, qmax: 127 } : { qmin: 0, qmax: 255 };
  return requantizeToCodes(acc.values, { profile: 'onnxruntime', scale, zeroPoint: spec.yZeroPoint, qmin, qmax }, c.type);
}

describe('int8 kernels against onnxruntime-node', () => {
  for (const c of convCases) {
    for (const format of ['QLinearConv', 'QDQ'] as const) {
      it(`${format}: ${c.name} gives ORT's codes element for element`, async () => {
        const { spec, x } = convSpec(c, 100);
        const model = format === 'QLinearConv' ? qlinearConvModel(spec) : qdqConvModel(spec);
        const [n, h, w, ch] = c.shape;
        const y = await runOrt(model, { x: new ort.Tensor(c.type, toNchw(x, c.shape), [n, ch, h, w]) });
        const theirs = toNhwc(y.data as Int8Array | Uint8Array, spec.outShape);
        const ours = oursConv(c, spec, x);
        // Sanity: the outputs really span the code range, clamps included.
        assert.ok(new Set(ours).size > 20, 'outputs should be spread over the code range');
        assert.equal(countDifferences(ours, theirs), 0);
      });
    }
  }
});

describe('dense against onnxruntime-node', () => {
  const batch = 7;
  const inUnits = 150;
  const outUnits = 20;
  const x = randomCodes(Uint8Array, 200, batch * inUnits, 0, 255);
  const w = randomCodes(Int8Array, 201, inUnits * outUnits, -127, 127);
  const wScales = uniforms(202, outUnits, 0.5, 1.5).map((v) => v * 0.01);
  const xScale = 0.03;
  const yScale = 0.2;
  const yZp = 110;
  const bias = randomInt32(203, outUnits, -30000, 30000);
  const common = [
    tensor('a_scale', 'float', [], [xScale]), tensor('a_zp', 'uint8', [], [121]),
    tensor('b', 'int8', [inUnits, outUnits], w), tensor('b_scale', 'float', [outUnits], wScales),
    tensor('b_zp', 'int8', [outUnits], new Int8Array(outUnits)),
    tensor('y_scale', 'float', [], [yScale]), tensor('y_zp', 'uint8', [], [yZp]),
  ];
  const scale = onnxRuntimeOutputScales(xScale, wScales, yScale);
  const feeds = () => ({ x: new ort.Tensor('uint8', x, [batch, inUnits]) });

  it('QLinearMatMul with per-column weight scales gives ORT codes element for element', async () => {
    const model = buildModel({
      nodes: [node('QLinearMatMul', ['x', 'a_scale', 'a_zp', 'b', 'b_scale', 'b_zp', 'y_scale', 'y_zp'], ['y'])],
      initializers: common, inputs: [['x', 'uint8', [batch, inUnits]]], outputs: [['y', 'uint8', [batch, outUnits]]],
    });
    const y = await runOrt(model, feeds());
    const acc = denseInt8(x, [batch, inUnits], 121, w, [inUnits, outUnits]);
    const ours = requantizeToCodes(acc.values, { profile: 'onnxruntime', scale, zeroPoint: yZp, qmin: 0, qmax: 255 },
      'uint8');
    assert.equal(countDifferences(ours, y.data as Uint8Array), 0);
  });

  it('QDQ Gemm with an int32 bias (fused by ORT) gives ORT codes element for element', async () => {
    const biasScale = Float32Array.from(wScales, (ws) => Math.fround(Math.fround(xScale) * ws));
    const model = buildModel({
      nodes: [
        node('DequantizeLinear', ['x', 'a_scale', 'a_zp'], ['xf']),
        node('DequantizeLinear', ['b', 'b_scale', 'b_zp'], ['wf'], { axis: 1 }),
        node('DequantizeLinear', ['bias', 'bias_scale', 'bias_zp'], ['bf'], { axis: 0 }),
        node('Gemm', ['xf', 'wf', 'bf'], ['yf']),
        node('QuantizeLinear', ['yf', 'y_scale', 'y_zp'], ['y']),
      ],
      initializers: [...common, tensor('bias', 'int32', [outUnits], bias),
        tensor('bias_scale', 'float', [outUnits], biasScale), tensor('bias_zp', 'int32', [outUnits], new Int32Array(outUnits))],
      inputs: [['x', 'uint8', [batch, inUnits]]], outputs: [['y', 'uint8', [batch, outUnits]]],
    });
    const y = await runOrt(model, feeds());
    const acc = denseInt8(x, [batch, inUnits], 121, w, [inUnits, outUnits], { bias });
    const ours = requantizeToCodes(acc.values, { profile: 'onnxruntime', scale, zeroPoint: yZp, qmin: 0, qmax: 255 },
      'uint8');
    assert.equal(countDifferences(ours, y.data as Uint8Array), 0);
  });
});

describe("ORT's requantization scale is fround(fround(xScale · wScale) / yScale)", () => {
  it('matches ORT where the other evaluation orders of the scale give a different code', async () => {
    // 1x1 QLinearConv, one input channel holding every uint8 code (zp 128, weights 1), so acc = bias + (x − 128).
    const xScale = 0.8;
    const yScale = 0.7;
    const xs = Math.fround(xScale);
    const ys = Math.fround(yScale);
    const candidates = {
      ours: (ws: number) => Math.fround(Math.fround(xs * ws) / ys),
      doubleThenFloat: (ws: number) => Math.fround(xs * ws / ys),
      weightOverOutputFirst: (ws: number) => Math.fround(xs * Math.fround(ws / ys)),
    };
    const rne = (v: number) => { const f = Math.floor(v); const d = v - f; return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f; };
    const code = (acc: number, s: number) => rne(Math.fround(Math.fround(acc) * s));
    const rand = uniforms(300, 200000, 0.001, 0.01);
    const wScales: number[] = [];
    const biases: number[] = [];
    for (const other of ['doubleThenFloat', 'weightOverOutputFirst'] as const) {
      let found = 0;
      for (let i = 0; i < rand.length && found < 4; i++) {
        const ws = rand[i];
        const a = candidates.ours(ws);
        const b = candidates[other](ws);
        if (a === b) continue;
        const limit = Math.floor(90 / a);
        for (let acc = -limit; acc <= limit; acc++) {
          if (code(acc, a) !== code(acc, b)) {
            wScales.push(ws);
            biases.push(acc);
            found++;
            break;
          }
        }
      }
      assert.equal(found, 4, `no discriminating scale found for ${other}`);
    }
    const m = wScales.length;
    const x = Uint8Array.from({ length: 256 }, (_, i) => i);
    const spec: QLinearConvSpec = {
      inputShape: [1, 16, 16, 1], inputType: 'uint8', xScale, xZeroPoint: 128, filter: new Int8Array(m).fill(1),
      filterShape: [1, 1, 1, m], wScales: Float32Array.from(wScales), yScale, yZeroPoint: 128,
      bias: Int32Array.from(biases), group: 1, strides: [1, 1], dilations: [1, 1], pads: [[0, 0], [0, 0]],
      outShape: [1, 16, 16, m],
    };
    const y = await runOrt(qlinearConvModel(spec), { x: new ort.Tensor('uint8', x, [1, 1, 16, 16]) });
    const theirs = toNhwc(y.data as Uint8Array, spec.outShape);
    const acc = conv2dInt8(x, [1, 16, 16, 1], 128, spec.filter, spec.filterShape, { bias: spec.bias });
    for (const [name, f] of Object.entries(candidates)) {
      const scale = Float32Array.from(wScales, f);
      const codes = requantizeToCodes(acc.values, { profile: 'onnxruntime', scale, zeroPoint: 128, qmin: 0, qmax: 255 },
        'uint8');
      const d = countDifferences(codes, theirs);
      if (name === 'ours') assert.equal(d, 0, 'our scale must match ORT everywhere');
      else assert.ok(d > 0, `${name} should differ from ORT somewhere`);
    }
    assert.deepEqual(onnxRuntimeOutputScales(xScale, Float32Array.from(wScales), yScale),
      Float32Array.from(wScales, candidates.ours));
  });
});
