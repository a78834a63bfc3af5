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

/** Channels of {@link checkSweep}, channel c with shift −c; LIMIT is the largest bias its kernel bound 2^21 admits. */
const SWEPT = 32;
const LIMIT = 2 ** 21 - 256;

/**
 * A 1x1 depthwise with weight 1 over 256 pixels x − zp = −128..127 (int8 codes with zero point 0, or uint8 with 128):
 * acc[p][c] = bias[c] + x − zp, so each channel's bias is a target the accumulators sweep around. Asserts the fused
 * kernel's int8 codes equal the reference, clamped to −128..127 with output zero point `zeroPoint`.
 */
function checkSweep(bias: Int32Array, multiplier: Int32Array, profile: 'tflite-double' | 'tflite-single',
  zeroPoint: number, unsigned: boolean, label = ''): void {
  const shape = [1, 16, 16, SWEPT];
  const codes = Int16Array.from({ length: 256 * SWEPT }, (_, i) => Math.floor(i / SWEPT) - 128);
  const x = unsigned ? Uint8Array.from(codes, (v) => v + 128) : Int8Array.from(codes);
  const zp = unsigned ? 128 : 0;
  const w = new Int8Array(SWEPT).fill(1);
  const params: RequantizeParams = { profile, multiplier, shift: Int32Array.from({ length: SWEPT }, (_, c) => -c),
    zeroPoint, qmin: -128, qmax: 127 };
  const acc = depthwiseConv2dInt8(x, shape, zp, w, [1, 1, SWEPT, 1], { bias, engine: 'js' });
  const got = depthwiseConv2dInt8Requantized(x, shape, zp, w, [1, 1, SWEPT, 1], params, { bias });
  const want = requantizeReference(acc.values, params);
  const i = firstDifference(got.values, want);
  const c = i % SWEPT;
  assert.equal(i, -1, `${label} ${profile} zp ${zeroPoint} unsigned ${unsigned} channel ${c} m ${multiplier[c]} acc `
    + `${acc.values[i]}: ${got.values[i]}, want ${want[i]}`);
}

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
    // Channel c has shift −c; its bias is a tie of RoundingDivideByPOT (±(2k + 1)·2^c, with m = 2^30 making h =
    // acc / 2) or, past the bound, a value near ±LIMIT.
    const rand = mulberry32(61);
    for (const m of [2 ** 30, 2 ** 30 + 1, 2 ** 30 - 1, 1518500250, 2 ** 31 - 1, 1, 0]) {
      for (const sign of [-1, 1]) {
        const bias = Int32Array.from({ length: SWEPT }, (_, c) => {
          const tie = (2 * Math.floor(rand() * 32) + 1) * 2 ** c;
          return sign * (tie <= LIMIT - 128 ? tie : LIMIT - Math.floor(rand() * 4));
        });
        for (const profile of ['tflite-double', 'tflite-single'] as const) {
          checkSweep(bias, new Int32Array(SWEPT).fill(m), profile, 3, false);
        }
      }
    }
  });

  it('depthwise int8 codes from the kernel\'s float32 screen equal the reference around the ties of y = acc · m · '
    + '2^−(31+e) for every e, double rounding\'s window and float32\'s error, zero points at both ends, int8 and '
    + 'uint8 input', () => {
    // Channel c has e = c. "tie": the bias is the accumulator nearest a tie (k + 1/2 in y) of m, so the sweep covers
    // double rounding's window 2^−(e+1) on both sides; "near": m is fitted to an accumulator (y in 30..120) so that
    // y is within acc · 2^−(32+e) of a tie, far inside float32's error, where e <= 13 allows it.
    const rand = mulberry32(62);
    const randomM = () => 2 ** 30 + Math.floor(rand() * 2 ** 30);
    const families: Array<[string, () => number]> = [
      ['2^30', () => 2 ** 30], ['2^30 + 1', () => 2 ** 30 + 1], ['2^31 − 1', () => 2 ** 31 - 1], ['random', randomM],
    ];
    const cases: Array<[string, Int32Array, Int32Array]> = [];
    for (const sign of [-1, 1]) {
      for (const [name, pick] of families) {
        const m = Int32Array.from({ length: SWEPT }, pick);
        const bias = Int32Array.from({ length: SWEPT }, (_, c) => {
          const kmax = Math.floor((LIMIT - 128) * m[c] / 2 ** (31 + c) - 0.5);
          if (kmax < 0) return sign * (LIMIT - Math.floor(rand() * 4));
          const k = Math.floor(rand() * Math.min(kmax + 1, 300));
          return sign * Math.round((k + 0.5) * 2 ** (31 + c) / m[c]);
        });
        cases.push([`${name} tie`, m, bias]);
      }
      const m = new Int32Array(SWEPT);
      const bias = new Int32Array(SWEPT);
      for (let c = 0; c < SWEPT; c++) {
        m[c] = randomM();
        bias[c] = sign * (LIMIT - Math.floor(rand() * 4));
        if (c > 13) continue;
        const half = 30.5 + Math.floor(rand() * 90);
        const acc = Math.floor(half * 2 ** c * (1 + rand())) + 1; // m = half · 2^(31+c) / acc, near [2^30, 2^31)
        m[c] = Math.min(Math.round(half * 2 ** (31 + c) / acc), 2 ** 31 - 1);
        bias[c] = sign * acc;
      }
      cases.push(['near', m, bias]);
    }
    for (const [name, m, bias] of cases) {
      for (const profile of ['tflite-double', 'tflite-single'] as const) {
        for (const zeroPoint of [-128, 127]) {
          for (const unsigned of [false, true]) checkSweep(bias, m, profile, zeroPoint, unsigned, name);
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
