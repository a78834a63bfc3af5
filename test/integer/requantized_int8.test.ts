import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quantizeMultiplierArray } from '../../src/fixedpoint';
import { requantizeReference, type RequantizeParams } from '../../src/fixedpoint/requantize';
import { conv2dInt8 } from '../../src/integer/conv2d_int8';
import { denseInt8 } from '../../src/integer/dense_int8';
import { depthwiseConv2dInt8 } from '../../src/integer/depthwise_conv2d_int8';
import type { Padding } from '../../src/integer/geometry';
import {
  conv2dInt8Requantized, denseInt8Requantized, depthwiseConv2dInt8Requantized,
} from '../../src/integer/requantized_int8';
import { QuantscopeArgumentError } from '../../src/errors';
import { mulberry32 } from '../support/random';
import { firstDifference, randomCodes, randomInt32 } from './support';

interface Case {
  name: string;
  shape: [number, number, number, number];
  kernel: [number, number];
  outC: number; // conv: output channels; depthwise: multiplier
  strides: [number, number];
  dilations: [number, number];
  padding: Padding;
  unsigned: boolean;
  zp: number;
}

const cases: Case[] = [
  { name: '3x3 same, 16 channels', shape: [2, 7, 9, 16], kernel: [3, 3], outC: 8, strides: [1, 1], dilations: [1, 1], padding: 'same', unsigned: false, zp: 3 },
  { name: '3x3 stride 2, uint8 zp 255, odd channels', shape: [1, 9, 11, 5], kernel: [3, 3], outC: 7, strides: [2, 2], dilations: [1, 1], padding: 'same', unsigned: true, zp: 255 },
  { name: '2x2 valid (even kernel height)', shape: [2, 6, 5, 12], kernel: [2, 2], outC: 3, strides: [1, 1], dilations: [1, 1], padding: 'valid', unsigned: false, zp: -128 },
  { name: '4x3 explicit padding, dilation [2, 1]', shape: [1, 11, 8, 9], kernel: [4, 3], outC: 10, strides: [1, 2], dilations: [2, 1], padding: [[3, 2], [1, 0]], unsigned: false, zp: 127 },
  { name: '5x1 same, uint8 zp 0', shape: [2, 8, 6, 24], kernel: [5, 1], outC: 24, strides: [1, 1], dilations: [1, 1], padding: 'same', unsigned: true, zp: 0 },
  { name: 'many chunks: 2x48x48, 3x3 same, 8 channels', shape: [2, 48, 48, 8], kernel: [3, 3], outC: 8, strides: [1, 1], dilations: [1, 1], padding: 'same', unsigned: false, zp: -5 },
];

function inputFor(c: Case, seed: number): Int8Array | Uint8Array {
  const n = c.shape.reduce((a, b) => a * b, 1);
  return c.unsigned ? randomCodes(Uint8Array, seed, n, 0, 255) : randomCodes(Int8Array, seed, n, -128, 127);
}

/** Per-channel parameters of every profile, with a ReLU6-like int8 clamp or a wide int16 one. */
function paramsFor(profile: RequantizeParams['profile'], channels: number, seed: number, wide: boolean):
  RequantizeParams {
  const rand = mulberry32(seed);
  const clamp = wide ? { zeroPoint: -300, qmin: -32768, qmax: 32767 } : { zeroPoint: -20, qmin: -20, qmax: 100 };
  // Real multipliers around the size a conv needs (1 / (K · 128)), some above 1 so left shifts occur.
  const reals = Float64Array.from({ length: channels }, () => 2 ** (rand() * 16 - 14));
  if (profile === 'onnxruntime') return { profile, scale: Float32Array.from(reals), ...clamp };
  const q = quantizeMultiplierArray(reals, { singleRounding: profile === 'tflite-single' });
  return { profile, multiplier: q.multiplier, shift: q.shift, ...clamp };
}

const PROFILES = ['tflite-double', 'tflite-single', 'onnxruntime'] as const;

describe('requantized int8 kernels', () => {
  for (const c of cases) {
    it(`conv2dInt8Requantized equals requantize(conv2dInt8) on every profile and width: ${c.name}`, () => {
      const x = inputFor(c, 31);
      const wShape = [c.kernel[0], c.kernel[1], c.shape[3], c.outC];
      const w = randomCodes(Int8Array, 32, wShape.reduce((a, b) => a * b, 1), -127, 127);
      const bias = randomInt32(33, c.outC, -5000, 5000);
      const geometry = { strides: c.strides, dilations: c.dilations, padding: c.padding, bias };
      const acc = conv2dInt8(x, c.shape, c.zp, w, wShape, { ...geometry, engine: 'js' });
      for (const profile of PROFILES) {
        for (const wide of [false, true]) {
          const params = paramsFor(profile, c.outC, 34, wide);
          const want = requantizeReference(acc.values, params);
          for (const engine of ['wasm', 'js'] as const) {
            const got = conv2dInt8Requantized(x, c.shape, c.zp, w, wShape, params, { ...geometry, engine });
            assert.deepEqual(got.shape, acc.shape);
            assert.ok(got.values instanceof (wide ? Int16Array : Int8Array));
            assert.equal(firstDifference(got.values, want), -1, `${profile} ${engine} wide ${wide}`);
          }
        }
      }
    });

    for (const multiplier of [1, 2]) {
      it(`depthwiseConv2dInt8Requantized (multiplier ${multiplier}) equals requantize(depthwiseConv2dInt8), with `
        + `accumulators bounded under 2^21 (TFLite's short path) and beyond: ${c.name}`, () => {
          const x = inputFor(c, 41);
          const ch = c.shape[3] * multiplier;
          const wShape = [c.kernel[0], c.kernel[1], c.shape[3], multiplier];
          const w = randomCodes(Int8Array, 42, wShape.reduce((a, b) => a * b, 1), -128, 127);
          for (const span of [100_000, 2 ** 30]) {
            const bias = randomInt32(43, ch, -span, span);
            const geometry = { strides: c.strides, dilations: c.dilations, padding: c.padding, bias };
            const acc = depthwiseConv2dInt8(x, c.shape, c.zp, w, wShape, { ...geometry, engine: 'js' });
            const wasmAcc = depthwiseConv2dInt8(x, c.shape, c.zp, w, wShape, { ...geometry, engine: 'wasm' });
            assert.equal(firstDifference(wasmAcc.values, acc.values), -1, 'wasm accumulators');
            for (const profile of PROFILES) {
              for (const wide of [false, true]) {
                const params = paramsFor(profile, ch, 44, wide);
                const want = requantizeReference(acc.values, params);
                const got = depthwiseConv2dInt8Requantized(x, c.shape, c.zp, w, wShape, params, geometry);
                assert.deepEqual(got.shape, acc.shape);
                assert.equal(firstDifference(got.values, want), -1, `${profile} wide ${wide} bias span ${span}`);
              }
            }
          }
        });
    }
  }

  it('depthwise int8 codes requantized inside the kernel equal the reference on TFLite ties, accumulators near the '
    + '2^21 bound and every shift 0..−31, both roundings', () => {
    // A 1x1 depthwise with weight 1 and zero point 0: acc[p][c] = bias[c] + x[p], and the 256 pixels take x =
    // −128..127, so each channel's bias is a target the accumulators sweep around. Channel c has shift −c; its bias is
    // a tie of RoundingDivideByPOT (±(2k + 1)·2^c, with m = 2^30 making h = acc / 2) or, past the bound, a value near
    // ±(2^21 − 256) (the largest bias the kernel's bound 2^21 admits with |x − zp| ≤ 255).
    const rand = mulberry32(61);
    const channels = 32;
    const x = Int8Array.from({ length: 256 * channels }, (_, i) => Math.floor(i / channels) - 128);
    const w = new Int8Array(channels).fill(1);
    const shift = Int32Array.from({ length: channels }, (_, c) => -c);
    const limit = 2 ** 21 - 256;
    for (const m of [2 ** 30, 2 ** 30 + 1, 2 ** 30 - 1, 1518500250, 2 ** 31 - 1, 1, 0]) {
      for (const sign of [-1, 1]) {
        const bias = Int32Array.from({ length: channels }, (_, c) => {
          const tie = (2 * Math.floor(rand() * 32) + 1) * 2 ** c;
          return sign * (tie <= limit - 128 ? tie : limit - Math.floor(rand() * 4));
        });
        const acc = depthwiseConv2dInt8(x, [1, 16, 16, channels], 0, w, [1, 1, channels, 1], { bias, engine: 'js' });
        for (const profile of ['tflite-double', 'tflite-single'] as const) {
          const params: RequantizeParams = { profile, multiplier: new Int32Array(channels).fill(m), shift,
            zeroPoint: 3, qmin: -128, qmax: 127 };
          const got = depthwiseConv2dInt8Requantized(x, [1, 16, 16, channels], 0, w, [1, 1, channels, 1], params,
            { bias });
          const want = requantizeReference(acc.values, params);
          const i = firstDifference(got.values, want);
          assert.equal(i, -1, `${profile} m ${m} channel ${i % channels} acc ${acc.values[i]}: ${got.values[i]}, `
            + `want ${want[i]}`);
        }
      }
    }
  });

  it('denseInt8Requantized equals requantize(denseInt8), with per-tensor parameters too', () => {
    for (const [batch, inUnits, outUnits, zp] of [[1, 1, 1, 0], [3, 144, 24, -7], [37, 33, 10, 127]]) {
      const x = randomCodes(Int8Array, 51, batch * inUnits, -128, 127);
      const w = randomCodes(Int8Array, 52, inUnits * outUnits, -127, 127);
      const bias = randomInt32(53, outUnits, -9999, 9999);
      const acc = denseInt8(x, [batch, inUnits], zp, w, [inUnits, outUnits], { bias, engine: 'js' });
      for (const params of [
        paramsFor('tflite-double', outUnits, 54, false), paramsFor('onnxruntime', outUnits, 55, true),
        { profile: 'tflite-single', multiplier: 1518500250, shift: -9, zeroPoint: 4, qmin: -128, qmax: 127 },
        { profile: 'onnxruntime', scale: 0.0037, zeroPoint: 4, qmin: 0, qmax: 127 },
      ] as RequantizeParams[]) {
        const got = denseInt8Requantized(x, [batch, inUnits], zp, w, [inUnits, outUnits], params, { bias });
        assert.equal(firstDifference(got.values, requantizeReference(acc.values, params)), -1, params.profile);
      }
    }
  });

  it('writes into options.out and rejects parameters or outputs that do not fit, naming the argument', () => {
    const x = randomCodes(Int8Array, 61, 2 * 4 * 4 * 3, -128, 127);
    const w = randomCodes(Int8Array, 62, 9 * 3 * 5, -127, 127);
    const params: RequantizeParams = { profile: 'onnxruntime', scale: 0.01, zeroPoint: 0, qmin: -128, qmax: 127 };
    const out = new Int8Array(2 * 4 * 4 * 5);
    const got = conv2dInt8Requantized(x, [2, 4, 4, 3], 0, w, [3, 3, 3, 5], params, { padding: 'same', out });
    assert.equal(got.values, out);
    const bad = (re: RegExp) => (e: unknown) => e instanceof QuantscopeArgumentError && re.test(e.message);
    assert.throws(() => conv2dInt8Requantized(x, [2, 4, 4, 3], 0, w, [3, 3, 3, 5],
      { ...params, scale: new Float32Array(4).fill(0.01) }), bad(/conv2dInt8Requantized: argument 'params\.scale'/));
    assert.throws(() => conv2dInt8Requantized(x, [2, 4, 4, 3], 0, w, [3, 3, 3, 5], { ...params, qmax: 200 },
      { padding: 'same', out }), bad(/argument 'params\.qmin'.*Int8Array's range/));
    assert.throws(() => conv2dInt8Requantized(x, [2, 4, 4, 3], 0, w, [3, 3, 3, 5], params, { out: new Int8Array(7) }),
      bad(/argument 'options\.out'/));
    assert.throws(() => depthwiseConv2dInt8Requantized(x, [2, 4, 4, 3], 300, w.subarray(0, 27), [3, 3, 3, 1], params),
      bad(/depthwiseConv2dInt8Requantized: argument 'inputZeroPoint' was 300/));
    assert.throws(() => denseInt8Requantized(x, [2, 48], 0, w.subarray(0, 96), [48, 2],
      { profile: 'tflite-double', multiplier: -1, shift: 0, zeroPoint: 0, qmin: -128, qmax: 127 }),
      bad(/denseInt8Requantized: argument 'params\.multiplier' was -1/));
  });
});
