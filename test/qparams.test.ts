import { test } from 'node:test';
import assert from 'node:assert/strict';
import { qparamsFromChannelRanges, qparamsFromRange, validateQParams } from '../src/qparams';
import { intScheme, quantRange, type IntScheme } from '../src/scheme';
import { dequantizeArray, quantizeArray } from '../src/quantize/quantize_array';
import { mulberry32 } from './support/random';

const schemes: IntScheme[] = [
  intScheme({ bits: 8 }),
  intScheme({ bits: 8, signed: false }),
  intScheme({ bits: 8, symmetric: true }),
  intScheme({ bits: 8, symmetric: true, narrowRange: true }),
  intScheme({ bits: 8, signed: false, symmetric: true }),
  intScheme({ bits: 4 }),
  intScheme({ bits: 16, symmetric: true }),
  intScheme({ bits: 2, signed: false }),
];

test('zero is exactly representable for every scheme and random range', () => {
  const rand = mulberry32(7);
  for (const scheme of schemes) {
    for (let k = 0; k < 500; k++) {
      const a = (rand() - 0.7) * 10 ** (rand() * 6 - 3);
      const b = a + rand() * 10 ** (rand() * 6 - 3);
      const qp = qparamsFromRange({ min: a, max: b }, scheme);
      // 0 maps to the integer zero point, and dequantizes back to exactly 0.
      assert.ok(Number.isInteger(qp.zeroPoint));
      assert.ok(qp.zeroPoint >= qp.qmin && qp.zeroPoint <= qp.qmax);
      for (const rounding of ['tflite', 'onnx', 'pytorch'] as const) {
        const q = quantizeArray(Float32Array.of(0), qp, { rounding });
        assert.equal(q[0], qp.zeroPoint);
        assert.ok(Object.is(dequantizeArray(q, qp)[0], 0));
      }
    }
  }
});

test('the grid covers the range: both ends are within one step of a code', () => {
  const rand = mulberry32(11);
  for (const scheme of schemes) {
    for (let k = 0; k < 500; k++) {
      const lo = -rand() * 5;
      const hi = rand() * 5;
      const qp = qparamsFromRange({ min: lo, max: hi }, scheme);
      const gridLo = (qp.qmin - qp.zeroPoint) * qp.scale;
      const gridHi = (qp.qmax - qp.zeroPoint) * qp.scale;
      assert.ok(gridLo <= lo + qp.scale * 1.0001, `${gridLo} vs ${lo}`);
      assert.ok(gridHi >= hi - qp.scale * 1.0001, `${gridHi} vs ${hi}`);
    }
  }
});

test('qparamsFromRange matches the float64 formula to float32 precision', () => {
  const rand = mulberry32(3);
  for (const scheme of schemes) {
    const { qmin, qmax } = quantRange(scheme);
    for (let k = 0; k < 200; k++) {
      const lo = Math.fround(-rand() * 3);
      const hi = Math.fround(rand() * 7);
      const qp = qparamsFromRange({ min: lo, max: hi }, scheme);
      const scale = scheme.symmetric ? Math.max(-lo, hi) / ((qmax - qmin) / 2) : (hi - lo) / (qmax - qmin);
      assert.ok(Math.abs(qp.scale - scale) <= scale * 2 ** -23, `${qp.scale} vs ${scale}`);
      const zp = scheme.symmetric ? Math.ceil((qmin + qmax) / 2) : qmin - Math.round(lo / qp.scale);
      assert.ok(Math.abs(qp.zeroPoint - zp) <= (scheme.symmetric ? 0 : 1));
    }
  }
});

test('a range that excludes 0 is widened to include it', () => {
  const qp = qparamsFromRange({ min: 2, max: 6 }, intScheme({ bits: 8, signed: false }));
  assert.equal(qp.zeroPoint, 0);
  assert.equal(qp.scale, Math.fround(6 / 255));
  const neg = qparamsFromRange({ min: -6, max: -2 }, intScheme({ bits: 8, signed: false }));
  assert.equal(neg.zeroPoint, 255);
});

test('symmetric zero points are 0 for signed and 2^(bits-1) for unsigned schemes', () => {
  assert.equal(qparamsFromRange({ min: -1, max: 3 }, intScheme({ bits: 8, symmetric: true })).zeroPoint, 0);
  assert.ok(Object.is(qparamsFromRange({ min: -1, max: 3 }, intScheme({ bits: 8, symmetric: true })).zeroPoint, 0));
  assert.equal(qparamsFromRange({ min: -1, max: 3 }, intScheme({ bits: 8, signed: false, symmetric: true })).zeroPoint, 128);
  assert.equal(qparamsFromRange({ min: -1, max: 3 }, intScheme({ bits: 8, symmetric: true, narrowRange: true })).scale,
    Math.fround(3 / 127));
});

test('min == max == 0 gives scale 1 with zero exactly representable; min == max != 0 is a valid one-sided range', () => {
  assert.deepEqual(qparamsFromRange({ min: 0, max: 0 }, intScheme({ bits: 8 })),
    { kind: 'per-tensor', scale: 1, zeroPoint: -128, qmin: -128, qmax: 127 });
  assert.equal(qparamsFromRange({ min: 0, max: 0 }, intScheme({ bits: 8, symmetric: true })).zeroPoint, 0);
  const qp = qparamsFromRange({ min: 3.5, max: 3.5 }, intScheme({ bits: 8, signed: false }));
  assert.equal(qp.scale, Math.fround(3.5 / 255));
  assert.equal(qp.zeroPoint, 0);
});

test('NaN, Inf, inverted and float32-unrepresentable ranges throw, naming the argument and value', () => {
  const s = intScheme({ bits: 8 });
  assert.throws(() => qparamsFromRange({ min: NaN, max: 1 }, s), /qparamsFromRange: argument 'range.min' was NaN; expected a finite number/);
  assert.throws(() => qparamsFromRange({ min: 0, max: Infinity }, s), /argument 'range.max' was Infinity/);
  assert.throws(() => qparamsFromRange({ min: 2, max: 1 }, s), /argument 'range' was "\[2, 1\]"; expected min <= max/);
  assert.throws(() => qparamsFromRange({ min: 0, max: 1e-45 }, s), /float32 scale is positive and finite/);
  assert.throws(() => qparamsFromRange({ min: -3e38, max: 3e38 }, s), /float32 scale is positive and finite/);
});

test('per-channel parameters are the per-tensor ones of each channel', () => {
  const scheme = intScheme({ bits: 8, symmetric: true, narrowRange: true, axis: 0 });
  const min = Float32Array.from([-1, -0.5, 0, -4]);
  const max = Float32Array.from([2, 0.25, 0, 1]);
  const qp = qparamsFromChannelRanges({ axis: 0, min, max }, scheme);
  for (let c = 0; c < 4; c++) {
    const one = qparamsFromRange({ min: min[c], max: max[c] }, scheme);
    assert.equal(qp.scale[c], one.scale);
    assert.equal(qp.zeroPoint[c], one.zeroPoint);
  }
  assert.throws(() => qparamsFromChannelRanges({ axis: 0, min, max: max.subarray(1) }, scheme), /min and max of the same non-zero length/);
  assert.throws(() => qparamsFromChannelRanges({ axis: 0, min: Float32Array.from([1]), max: Float32Array.from([0]) }, scheme),
    /argument 'ranges\[0\]'/);
});

test('validateQParams rejects zero scales and zero points outside the grid', () => {
  assert.throws(() => validateQParams('f', 'qp', { kind: 'per-tensor', scale: 0, zeroPoint: 0, qmin: -128, qmax: 127 }),
    /f: argument 'qp.scale\[0\]' was 0; expected a positive finite number/);
  assert.throws(() => validateQParams('f', 'qp', { kind: 'per-tensor', scale: 1, zeroPoint: 300, qmin: -128, qmax: 127 }),
    /argument 'qp.zeroPoint\[0\]' was 300/);
});
