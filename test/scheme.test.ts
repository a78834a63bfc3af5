import { test } from 'node:test';
import assert from 'node:assert/strict';
import { int16Activations, int8Activations, int8Weights, intScheme, quantRange, schemeName } from '../src/scheme';

test('quantRange gives the signed, unsigned and narrow integer grids', () => {
  assert.deepEqual(quantRange(intScheme({ bits: 8 })), { qmin: -128, qmax: 127 });
  assert.deepEqual(quantRange(intScheme({ bits: 8, signed: false })), { qmin: 0, qmax: 255 });
  assert.deepEqual(quantRange(intScheme({ bits: 8, narrowRange: true })), { qmin: -127, qmax: 127 });
  assert.deepEqual(quantRange(intScheme({ bits: 8, signed: false, narrowRange: true })), { qmin: 1, qmax: 255 });
  assert.deepEqual(quantRange(intScheme({ bits: 4 })), { qmin: -8, qmax: 7 });
  assert.deepEqual(quantRange(intScheme({ bits: 2, signed: false })), { qmin: 0, qmax: 3 });
  assert.deepEqual(quantRange(intScheme({ bits: 16 })), { qmin: -32768, qmax: 32767 });
});

test('intScheme defaults to signed asymmetric per-tensor and records the axis of per-axis schemes', () => {
  const s = intScheme({ bits: 8 });
  assert.equal(s.signed, true);
  assert.equal(s.symmetric, false);
  assert.deepEqual(s.granularity, { kind: 'per-tensor' });
  assert.deepEqual(intScheme({ bits: 8, axis: 3 }).granularity, { kind: 'per-axis', axis: 3 });
});

test('the TFLite presets follow the int8 and 16x8 specs', () => {
  assert.deepEqual(quantRange(int8Weights(0)), { qmin: -127, qmax: 127 });
  assert.equal(int8Weights(0).symmetric, true);
  assert.equal(int8Activations.symmetric, false);
  assert.equal(int16Activations.bits, 16);
  assert.equal(schemeName(int8Weights(3)), 'int8 sym narrow per-axis(3)');
  assert.equal(schemeName(intScheme({ bits: 4, signed: false })), 'uint4 asym per-tensor');
});

test('intScheme rejects bits outside 2..16, non-integer bits, bad flags and bad axes, naming the argument', () => {
  assert.throws(() => intScheme({ bits: 1 }), /intScheme: argument 'bits' was 1; expected an integer in 2\.\.16/);
  assert.throws(() => intScheme({ bits: 17 }), /argument 'bits' was 17/);
  assert.throws(() => intScheme({ bits: 8.5 }), /argument 'bits' was 8\.5/);
  assert.throws(() => intScheme({ bits: 8, axis: -1 }), /argument 'axis' was -1/);
  assert.throws(() => intScheme({ bits: 8, signed: 'yes' as unknown as boolean }), /argument 'signed' was "yes"/);
});
