import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { qparamsFromChannelRanges, qparamsFromRange, type QParams } from '../src/qparams';
import { dequantizeArray, fakeQuantizeArray, quantizeArray } from '../src/quantize/quantize_array';
import { dequantize, fakeQuantize, quantize } from '../src/quantize/quantize_tensor';
import { roundingProfiles } from '../src/rounding';
import { intScheme } from '../src/scheme';
import { testBackends, useBackend, withoutLeaks } from './support/backends';
import { mulberry32, normals } from './support/random';

const int8 = intScheme({ bits: 8 });

test('dequantize(quantize(x)) is within half a step of x inside the range, for every profile and scheme', () => {
  const x = normals(1, 20000, 0.3, 1.5);
  for (const scheme of [int8, intScheme({ bits: 8, symmetric: true }), intScheme({ bits: 4, signed: false }), intScheme({ bits: 16, symmetric: true })]) {
    const qp = qparamsFromRange({ min: -2, max: 3 }, scheme) as QParams & { scale: number; zeroPoint: number };
    const lo = Math.fround((qp.qmin - qp.zeroPoint) * qp.scale);
    const hi = Math.fround((qp.qmax - qp.zeroPoint) * qp.scale);
    for (const rounding of roundingProfiles) {
      const y = dequantizeArray(quantizeArray(x, qp, { rounding }), qp);
      for (let i = 0; i < x.length; i++) {
        if (x[i] >= lo && x[i] <= hi) {
          // Half a step, plus the float32 rounding of x / scale and of the dequantized product.
          const tolerance = 0.5 * qp.scale + 2 ** -24 * (Math.abs(x[i]) + Math.abs(y[i]));
          assert.ok(Math.abs(y[i] - x[i]) <= tolerance, `${x[i]} -> ${y[i]} (scale ${qp.scale})`);
        } else {
          assert.equal(y[i], x[i] < lo ? lo : hi);
        }
      }
    }
  }
});

test('exact ties round half away from zero under tflite and half to even under onnx and pytorch', () => {
  const qp = { kind: 'per-tensor', scale: 0.5, zeroPoint: 0, qmin: -128, qmax: 127 } as const;
  const x = Float32Array.from([0.25, 0.75, -0.25, -0.75, 1.25, -1.25]); // x / scale = ±0.5, ±1.5, ±2.5
  assert.deepEqual(Array.from(quantizeArray(x, qp, { rounding: 'tflite' })), [1, 2, -1, -2, 3, -3]);
  assert.deepEqual(Array.from(quantizeArray(x, qp, { rounding: 'onnx' })), [0, 2, 0, -2, 2, -2]);
  assert.deepEqual(Array.from(quantizeArray(x, qp, { rounding: 'pytorch' })), [0, 2, 0, -2, 2, -2]);
});

test('pytorch rounding multiplies by the float32 reciprocal, which can differ from dividing', () => {
  // Search for a value where x * fround(1/s) and x / s round to different float32 values across a tie.
  const rand = mulberry32(5);
  let found = false;
  for (let k = 0; k < 200000 && !found; k++) {
    const scale = Math.fround(0.001 + rand());
    const x = Math.fround((Math.floor(rand() * 200) - 100 + 0.5) * scale);
    const qp = { kind: 'per-tensor', scale, zeroPoint: 0, qmin: -32768, qmax: 32767 } as const;
    const a = quantizeArray(Float32Array.of(x), qp, { rounding: 'onnx' })[0];
    const b = quantizeArray(Float32Array.of(x), qp, { rounding: 'pytorch' })[0];
    if (a !== b) found = true;
  }
  assert.ok(found, 'expected at least one value where the two float32 computations disagree');
});

test('per-axis quantization uses each slice\'s own scale and zero point on any axis', () => {
  const shape = [2, 3, 4];
  const x = normals(2, 24);
  for (const axis of [0, 1, 2]) {
    const channels = shape[axis];
    const qp = qparamsFromChannelRanges({
      axis,
      min: Float32Array.from({ length: channels }, (_, c) => -1 - c),
      max: Float32Array.from({ length: channels }, (_, c) => 0.5 + c),
    }, int8);
    const q = quantizeArray(x, qp, { shape });
    for (let i = 0; i < 24; i++) {
      const idx = [Math.floor(i / 12), Math.floor(i / 4) % 3, i % 4];
      const c = idx[axis];
      const one = { kind: 'per-tensor', scale: qp.scale[c], zeroPoint: qp.zeroPoint[c], qmin: -128, qmax: 127 } as const;
      assert.equal(q[i], quantizeArray(x.subarray(i, i + 1), one)[0]);
    }
  }
});

test('the typed-array quantizers reject NaN, Inf, missing shapes and out-of-grid codes with clear errors', () => {
  const qp = qparamsFromRange({ min: -1, max: 1 }, int8);
  assert.throws(() => quantizeArray(Float32Array.from([0, NaN]), qp), /quantizeArray: argument 'x' was a Float32Array of length 2; expected finite values, found NaN at index 1/);
  assert.throws(() => fakeQuantizeArray(Float32Array.from([Infinity]), qp), /found Infinity at index 0/);
  const perAxis = qparamsFromChannelRanges({ axis: 1, min: new Float32Array(3).fill(-1), max: new Float32Array(3).fill(1) }, int8);
  assert.throws(() => quantizeArray(new Float32Array(6), perAxis), /argument 'shape' was undefined/);
  assert.throws(() => quantizeArray(new Float32Array(6), perAxis, { shape: [3, 2] }), /argument 'qparams.scale' was a Float32Array of length 3; expected 2 scales/);
  assert.throws(() => quantizeArray(new Float32Array(6), perAxis, { shape: [6] }), /argument 'qparams.axis' was 1; expected an axis in 0..0/);
  assert.throws(() => dequantizeArray(Int32Array.from([300]), qp), /codes in -128..127, found 300 at index 0/);
  assert.throws(() => quantizeArray(new Float32Array(1), qp, { rounding: 'banker' as never }), /argument 'options.rounding' was "banker"/);
});

for (const backend of testBackends) {
  test(`tensor quantize, dequantize and fakeQuantize agree bit for bit with the typed-array path on ${backend}`, async () => {
    await useBackend(backend);
    const shape = [4, 5, 6, 8];
    const rand = mulberry32(9);
    // Many exact ties and near-ties, plus values far outside the range.
    const x = Float32Array.from({ length: 960 }, () => {
      const r = rand();
      return r < 0.3 ? (Math.floor(rand() * 100) - 50 + 0.5) * 0.05 : r < 0.9 ? (rand() - 0.5) * 6 : (rand() - 0.5) * 60;
    });
    const perTensor = qparamsFromRange({ min: -2.5, max: 2.5 }, int8);
    const perAxis = qparamsFromChannelRanges({
      axis: 3,
      min: Float32Array.from({ length: 8 }, (_, c) => -0.5 - c * 0.3),
      max: Float32Array.from({ length: 8 }, (_, c) => 0.4 + c * 0.7),
    }, intScheme({ bits: 8, symmetric: true, narrowRange: true }));
    await withoutLeaks(() => {
      for (const qp of [perTensor, perAxis]) {
        for (const rounding of roundingProfiles) {
          const t = tf.tensor(x, shape);
          const q = quantize(t, qp, { rounding });
          assert.equal(q.dtype, 'int32');
          assert.deepEqual(q.dataSync(), quantizeArray(x, qp, { shape, rounding }).map((v) => v));
          const d = dequantize(q, qp);
          assert.deepEqual(d.dataSync(), dequantizeArray(q.dataSync() as Int32Array, qp, { shape }));
          const f = fakeQuantize(t, qp, { rounding });
          assert.deepEqual(f.dataSync(), fakeQuantizeArray(x, qp, { shape, rounding }));
          tf.dispose([t, q, d, f]);
        }
      }
    });
  });

  test(`tensor quantizers reject NaN, wrong dtypes and mismatched axes on ${backend}`, async () => {
    await useBackend(backend);
    const qp = qparamsFromRange({ min: -1, max: 1 }, int8);
    await withoutLeaks(() => {
      const bad = tf.tensor([1, 2, NaN, 4], [2, 2]);
      assert.throws(() => quantize(bad, qp), /quantize: argument 'x' was "a tensor of shape \[2, 2\]"; expected finite values, found NaN at flat index 2/);
      const ints = tf.tensor([1, 2], [2], 'int32');
      assert.throws(() => fakeQuantize(ints, qp), /argument 'x' was "a int32 tensor"; expected a float32 tensor/);
      const big = tf.tensor([1000], [1], 'int32');
      assert.throws(() => dequantize(big, qp), /dequantize: argument 'q' was "codes in 1000..1000"/);
      const perAxis = qparamsFromChannelRanges({ axis: 1, min: new Float32Array(3).fill(-1), max: new Float32Array(3).fill(1) }, int8);
      const t = tf.zeros([2, 2]);
      assert.throws(() => quantize(t, perAxis), /argument 'qparams.scale' was a Float32Array of length 3; expected 2 scales/);
      tf.dispose([bad, ints, big, t]);
    });
  });
}
