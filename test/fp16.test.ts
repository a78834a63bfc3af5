import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { float16Bits, float16Value, fp16RoundTrip, fp16RoundTripArray, fromFloat16, toFloat16 } from '../src/fp16';
import { useBackend, withoutLeaks } from './support/backends';
import { mulberry32 } from './support/random';

/** Every finite non-negative half value in increasing order, from the bit layout alone (the reference grid). */
function positiveHalves(): number[] {
  const values: number[] = [];
  for (let k = 0; k < 1024; k++) values.push(k * 2 ** -24); // subnormals and 0
  for (let e = 1; e < 31; e++) for (let k = 0; k < 1024; k++) values.push((1024 + k) * 2 ** (e - 25));
  return values;
}

/** Reference: the nearest half by search, ties to the even bit pattern, overflow to Inf past 65520. */
function nearestHalfReference(x: number, grid: number[]): number {
  const a = Math.abs(x);
  if (a >= 65520) return x < 0 ? -Infinity : Infinity;
  let lo = 0;
  let hi = grid.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (grid[mid] <= a) lo = mid;
    else hi = mid;
  }
  const dLo = a - grid[lo];
  const dHi = grid[hi] - a;
  const pick = dLo < dHi ? lo : dHi < dLo ? hi : lo % 2 === 0 ? lo : hi;
  return (x < 0 || Object.is(x, -0) ? -1 : 1) * grid[pick];
}

test('every one of the 65536 half bit patterns survives value -> bits unchanged (NaNs stay NaN)', () => {
  for (let h = 0; h < 65536; h++) {
    const v = float16Value(h);
    if (Number.isNaN(v)) {
      assert.ok(Number.isNaN(float16Value(float16Bits(v))));
      assert.equal((h & 0x7c00), 0x7c00);
    } else {
      assert.equal(float16Bits(v), h, `pattern 0x${h.toString(16)} (${v})`);
    }
  }
});

test('rounding agrees with a nearest-value search at every midpoint, its neighbours and random values', () => {
  const grid = positiveHalves();
  const probes: number[] = [];
  for (let i = 0; i + 1 < grid.length; i++) {
    const mid = (grid[i] + grid[i + 1]) / 2; // exact in float64
    probes.push(mid, mid * (1 + 2 ** -40), mid * (1 - 2 ** -40), -mid);
  }
  const rand = mulberry32(4);
  for (let i = 0; i < 20000; i++) probes.push(Math.fround((rand() - 0.5) * 2 ** (rand() * 44 - 26)));
  probes.push(65504, 65519.99, 65520, 70000, 2 ** -25, 2 ** -25 * 1.0000001, 2 ** -26, 0, -0);
  for (const x of probes) {
    const expected = nearestHalfReference(x, grid);
    const got = float16Value(float16Bits(x));
    assert.ok(Object.is(got, expected), `${x}: got ${got}, expected ${expected}`);
  }
});

test('binary16 edge cases: overflow to Inf, smallest subnormal, signed zero and NaN', () => {
  assert.equal(float16Bits(65504), 0x7bff);
  assert.equal(float16Bits(65520), 0x7c00);
  assert.equal(float16Bits(-1e9), 0xfc00);
  assert.equal(float16Bits(Infinity), 0x7c00);
  assert.equal(float16Bits(2 ** -24), 0x0001);
  assert.equal(float16Bits(2 ** -25), 0x0000); // a tie between 0 and the smallest subnormal goes to even (0)
  assert.equal(float16Bits(2 ** -25 * 1.5), 0x0001);
  assert.equal(float16Bits(-0), 0x8000);
  assert.equal(float16Bits(NaN) & 0x7e00, 0x7e00);
  assert.equal(float16Value(0x3c00), 1);
  assert.equal(float16Value(0x0400), 2 ** -14);
});

test('array and tensor round trips match the scalar conversion', async () => {
  await useBackend('cpu');
  const rand = mulberry32(8);
  const x = Float32Array.from({ length: 5000 }, () => (rand() - 0.5) * 2 ** (rand() * 40 - 24));
  const expected = x.map((v) => float16Value(float16Bits(v)));
  assert.deepEqual(fp16RoundTripArray(x), expected);
  assert.deepEqual(fromFloat16(toFloat16(x)), expected);
  await withoutLeaks(() => {
    const t = tf.tensor(x, [50, 100]);
    const r = fp16RoundTrip(t);
    assert.deepEqual(r.shape, [50, 100]);
    assert.deepEqual(r.dataSync(), expected);
    tf.dispose([t, r]);
  });
  assert.throws(() => fp16RoundTrip(Float32Array.of(1) as never), /fp16RoundTrip: argument 'x' was a Float32Array of length 1; expected a float32 tf.Tensor/);
});
