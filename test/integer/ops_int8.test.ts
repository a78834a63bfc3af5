import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { concatInt8 } from '../../src/integer/concat_int8';
import { windowGeometry } from '../../src/integer/geometry';
import { averagePoolInt8, globalAveragePoolInt8, maxPoolInt8 } from '../../src/integer/pooling_int8';
import { averagePoolRef, meanRef } from '../reference/integer_ops_reference';
import { buildModel, node, tensor } from './onnx_models';
import { randomCodes } from './support';

function windows(shape: number[], k: [number, number], s: [number, number], padding: 'same' | 'valid') {
  const g = windowGeometry('test', shape, k, s, 1, padding);
  const out: number[][] = [];
  for (let n = 0; n < g.batch; n++) for (let oy = 0; oy < g.outHeight; oy++) for (let ox = 0; ox < g.outWidth; ox++) {
    for (let c = 0; c < g.channels; c++) {
      const idx: number[] = [];
      for (let ky = 0; ky < k[0]; ky++) for (let kx = 0; kx < k[1]; kx++) {
        const iy = oy * s[0] - g.padTop + ky;
        const ix = ox * s[1] - g.padLeft + kx;
        if (iy >= 0 && iy < g.inHeight && ix >= 0 && ix < g.inWidth) idx.push(((n * g.inHeight + iy) * g.inWidth + ix) * g.channels + c);
      }
      out.push(idx);
    }
  }
  return out;
}

describe('pooling', () => {
  for (const [shape, k, s, padding] of [
    [[2, 7, 9, 5], [3, 3], [2, 2], 'same'], [[1, 6, 6, 3], [2, 2], [2, 2], 'valid'], [[1, 5, 5, 4], [5, 5], [1, 1], 'same'],
  ] as Array<[number[], [number, number], [number, number], 'same' | 'valid']>) {
    it(`averagePoolInt8 equals TFLite's AveragePool (in-bounds taps, C rounding) on ${shape} k${k} s${s} ${padding}`, () => {
      const x = randomCodes(Int8Array, 5, shape.reduce((a, b) => a * b, 1), -128, 127);
      const got = averagePoolInt8(x, shape, k, { strides: s, padding, qmin: -100, qmax: 120 });
      const want = windows(shape, k, s, padding).map((idx) => averagePoolRef(idx.map((i) => x[i]), -100, 120));
      assert.deepEqual(Array.from(got), want);
    });
    it(`maxPoolInt8 takes the largest in-bounds code on ${shape} k${k} s${s} ${padding}`, () => {
      const x = randomCodes(Uint8Array, 6, shape.reduce((a, b) => a * b, 1), 0, 255);
      const got = maxPoolInt8(x, shape, k, { strides: s, padding });
      const want = windows(shape, k, s, padding).map((idx) => Math.max(...idx.map((i) => x[i])));
      assert.deepEqual(Array.from(got), want);
    });
  }
  it('averagePoolInt8 rounds ties away from zero, as C does (-3 / 2 -> -2, 3 / 2 -> 2)', () => {
    const got = averagePoolInt8(Int8Array.of(-1, -2, 1, 2), [2, 1, 2, 1], [1, 2]);
    assert.deepEqual(Array.from(got), [-2, 2]);
  });
  for (const profile of ['tflite-double', 'tflite-single'] as const) {
    it(`globalAveragePoolInt8 equals TFLite's Mean with BigInt multiplies (${profile})`, () => {
      const shape = [3, 7, 7, 6];
      const x = randomCodes(Int8Array, 7, shape.reduce((a, b) => a * b, 1), -128, 127);
      for (const [sIn, zIn, sOut, zOut] of [[0.1, -3, 0.05, 4], [0.02, 127, 0.3, -128], [0.7, 0, 0.7, 0]]) {
        const got = globalAveragePoolInt8(x, shape, { scale: sIn, zeroPoint: zIn }, { scale: sOut, zeroPoint: zOut }, profile);
        const want: number[] = [];
        for (let b = 0; b < 3; b++) for (let c = 0; c < 6; c++) {
          const codes: number[] = [];
          for (let p = 0; p < 49; p++) codes.push(x[(b * 49 + p) * 6 + c]);
          want.push(meanRef(codes, zIn, zOut, sIn, sOut, profile === 'tflite-single'));
        }
        assert.deepEqual(Array.from(got), want);
      }
    });
  }
});

describe('concatInt8', () => {
  it('copies inputs whose parameters equal the output and requantizes the others (TFLite formula)', () => {
    const a = Int8Array.of(-128, 0, 5, 127);
    const b = Int8Array.of(-128, 0, 5, 127);
    const r = concatInt8([{ data: a, shape: [1, 4], scale: 0.1, zeroPoint: 0 },
      { data: b, shape: [1, 4], scale: 0.05, zeroPoint: 10 }], 1, { scale: 0.1, zeroPoint: 0 });
    assert.deepEqual(r.shape, [1, 8]);
    assert.deepEqual(Array.from(r.data.subarray(0, 4)), [-128, 0, 5, 127]);
    // (x - 10) * 0.5, rounded half away: -69, -5, -2.5 -> -3, 58.5 -> 59
    assert.deepEqual(Array.from(r.data.subarray(4)), [-69, -5, -3, 59]);
  });
  it("'onnxruntime' equals com.microsoft.QLinearConcat on every code, along the channel axis", async () => {
    const x1 = Uint8Array.from({ length: 256 }, (_, i) => i);
    const x2 = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
    const q1 = { scale: 0.037, zeroPoint: 100 };
    const q2 = { scale: 0.011, zeroPoint: 3 };
    const qy = { scale: 0.05, zeroPoint: 128 };
    const model = buildModel({
      nodes: [node('QLinearConcat', ['y_s', 'y_z', 'a', 'a_s', 'a_z', 'b', 'b_s', 'b_z'], ['y'], { axis: 1 }, 'com.microsoft')],
      initializers: [tensor('y_s', 'float', [], [qy.scale]), tensor('y_z', 'uint8', [], [qy.zeroPoint]),
        tensor('a_s', 'float', [], [q1.scale]), tensor('a_z', 'uint8', [], [q1.zeroPoint]),
        tensor('b_s', 'float', [], [q2.scale]), tensor('b_z', 'uint8', [], [q2.zeroPoint])],
      inputs: [['a', 'uint8', [256, 1]], ['b', 'uint8', [256, 1]]], outputs: [['y', 'uint8', [256, 2]]],
      domains: ['com.microsoft'],
    });
    const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
    const y = (await session.run({ a: new ort.Tensor('uint8', x1, [256, 1]), b: new ort.Tensor('uint8', x2, [256, 1]) })).y;
    const ours = concatInt8([{ data: x1, shape: [256, 1], ...q1 }, { data: x2, shape: [256, 1], ...q2 }], 1, qy, 'onnxruntime');
    assert.deepEqual(Array.from(ours.data), Array.from(y.data as Uint8Array));
  });
  it('names the argument on mismatched shapes', () => {
    assert.throws(() => concatInt8([{ data: new Int8Array(4), shape: [2, 2], scale: 1, zeroPoint: 0 },
      { data: new Int8Array(3), shape: [3, 1], scale: 1, zeroPoint: 0 }], 1, { scale: 1, zeroPoint: 0 }), /inputs\[1\].shape/);
  });
});
