import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { adjustWeightScalesForBias, quantizeBias } from '../src/bias';
import { mulberry32 } from './support/random';

/** The float64 reference: round half away from zero of bias / scale, with the scale TFLite stores. */
function reference(bias: number, scale: number): number {
  const v = bias / scale;
  return (v < 0 ? -Math.round(-v) : Math.round(v)) + 0; // + 0: a -0 result compares as the 0 an Int32Array holds
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Matches a QuantscopeArgumentError whose message names the function, the argument and the value. */
const argError = (fn: string, arg: string, value: string, expected = '') => ({
  name: 'QuantscopeArgumentError',
  message: new RegExp(`^${fn}: argument '${escapeRegExp(arg)}' was ${escapeRegExp(value)}; expected ${expected}`),
});

const INT32_LIMIT = 2 ** 31 - 1;

describe('quantizeBias', () => {
  it('agrees with the float64 reference bias / scale: exactly away from ties and below 2^22, else within 1', () => {
    const rand = mulberry32(101);
    let exact = 0;
    for (let trial = 0; trial < 200; trial++) {
      const n = 64;
      const inputScale = 2 ** (rand() * 12 - 10);
      const weightScale = Float32Array.from({ length: n }, () => 2 ** (rand() * 12 - 14));
      // |bias / scale| stays below 2^5 / 2^-24 = 2^29: no overflow here.
      const bias = Float32Array.from({ length: n }, () => (rand() - 0.5) * 2 ** (rand() * 12 - 6));
      const q = quantizeBias(bias, inputScale, weightScale);
      assert.deepEqual(q.overflow, []);
      for (let i = 0; i < n; i++) {
        const s = q.scale[i];
        assert.equal(s, Math.fround(Math.fround(inputScale) * weightScale[i]), 'scale is the float32 product');
        const v = bias[i] / s;
        const want = reference(bias[i], s);
        const distanceToTie = Math.abs(Math.abs(v - Math.trunc(v)) - 0.5);
        if (Math.abs(v) < 2 ** 22 && distanceToTie > Math.abs(v) * 2 ** -21) {
          assert.equal(q.values[i], want, `bias ${bias[i]} scale ${s}`);
          exact++;
        } else {
          assert.ok(Math.abs(q.values[i] - want) <= 1 + Math.abs(v) * 2 ** -22, `bias ${bias[i]} scale ${s}`);
        }
      }
    }
    assert.ok(exact > 11_000, `${exact} of 12800 compared exactly`);
  });

  it('rounds exact ties away from zero: 2.5 -> 3, -2.5 -> -3, 1.5 -> 2, 0.5 -> 1', () => {
    // inputScale 0.5 and weight scale 0.25 give the bias scale 0.125, whose reciprocal 8 is exact: ties stay ties.
    const bias = Float32Array.of(0.3125, -0.3125, 0.1875, -0.1875, 0.0625, -0.0625, 0.3, 0);
    const q = quantizeBias(bias, 0.5, 0.25);
    assert.deepEqual([...q.values], [3, -3, 2, -2, 1, -1, 2, 0]);
    assert.deepEqual([...q.scale], [0.125]);
    assert.equal(q.accumulatorBits, 32);
  });

  it('multiplies by a float32 reciprocal in float32, so a quotient above 2^24 keeps only 24 significant bits', () => {
    // scale 0.1 (float32) and a bias near 2^28 · 0.1: float32 values in [2^27, 2^28) are multiples of 16.
    const bias = Float32Array.of(26843545.6, -20000000.3);
    const q = quantizeBias(bias, 1, Float32Array.of(0.1, 0.1));
    for (let i = 0; i < bias.length; i++) {
      assert.ok(q.values[i] % 16 === 0, `${q.values[i]} is a multiple of 16`);
      assert.ok(Math.abs(q.values[i] - reference(bias[i], q.scale[i])) <= 16);
    }
  });

  it('rounds the float32 product, not the exact quotient, so it may differ by one next to a tie, as TFLite', () => {
    // weightScale 1 makes the bias scale equal to inputScale. Exact quotients 527.49998 and 24056.4988 round down,
    // but the float32 product b · float32(1/s) lands on 527.5 and 24056.5 and rounds away; 55267.498 stays below.
    const cases: Array<[number, number, number, number]> = [
      [0.005383435636758804, 0.000010205565558862872, 528, 527],
      [1.0374913215637207, 0.000043127278331667185, 24057, 24056],
      [0.6686891913414001, 0.000012099139894417021, 55267, 55267],
    ];
    for (const [b, s, tflite, exact] of cases) {
      assert.equal(reference(b, s), exact);
      assert.equal(quantizeBias(Float32Array.of(b, -b), s, 1).values[0], tflite);
      assert.equal(quantizeBias(Float32Array.of(b, -b), s, 1).values[1], -tflite);
    }
  });

  it('reports the channels that overflow int32 and clamps them to ±(2^31 - 1)', () => {
    // scale 1e-5 (float32 of 0.01 · 0.001): 1e5 / 1e-5 = 1e10 does not fit int32.
    const bias = Float32Array.of(1, 1e5, -1e5, -1);
    const q = quantizeBias(bias, 0.01, Float32Array.of(0.001, 0.001, 0.001, 0.001));
    assert.deepEqual(q.overflow, [1, 2]);
    assert.equal(q.values[1], INT32_LIMIT);
    assert.equal(q.values[2], -INT32_LIMIT);
    assert.equal(q.values[0], reference(1, q.scale[0]));
    assert.equal(q.values[3], reference(-1, q.scale[3]));
  });

  it('treats ±2^31 as overflow (the int32 range is used symmetrically) but not 2^31 - 128', () => {
    // Power-of-two scale 2^-10: the quotient is exact. 2^31 - 128 is the largest float32 below 2^31.
    const bias = Float32Array.of(2 ** 21, -(2 ** 21), (2 ** 31 - 128) / 1024, -(2 ** 31 - 128) / 1024);
    const q = quantizeBias(bias, 2 ** -5, 2 ** -5);
    assert.deepEqual(q.overflow, [0, 1]);
    assert.deepEqual([...q.values], [INT32_LIMIT, -INT32_LIMIT, 2 ** 31 - 128, -(2 ** 31 - 128)]);
  });

  it('fits the same huge bias in int64 without overflow, and reports a bias beyond int64', () => {
    const bias = Float32Array.of(1, 1e5, -1e5, -1);
    const weightScale = Float32Array.of(0.001, 0.001, 0.001, 0.001);
    const q = quantizeBias(bias, 0.01, weightScale, { accumulatorBits: 64 });
    assert.equal(q.accumulatorBits, 64);
    assert.ok(q.values instanceof BigInt64Array);
    assert.deepEqual(q.overflow, []);
    for (let i = 0; i < bias.length; i++) {
      const v = bias[i] / q.scale[i];
      assert.ok(Math.abs(Number(q.values[i]) - v) <= 0.5 + Math.abs(v) * 2 ** -22, `channel ${i}: ${q.values[i]}`);
    }
    const q32 = quantizeBias(bias, 0.01, weightScale);
    assert.equal(BigInt(q32.values[0]), q.values[0]);

    // 3e38 / 1e-20 is far beyond 2^63; 2e-12 / 1e-20 = 2e8 fits.
    const beyond = quantizeBias(Float32Array.of(3e38, -3e38, 2e-12), 1e-10, 1e-10, { accumulatorBits: 64 });
    assert.deepEqual(beyond.overflow, [0, 1]);
    assert.equal(beyond.values[0], (1n << 63n) - 1n);
    assert.equal(beyond.values[1], -((1n << 63n) - 1n));
    const v = Math.fround(2e-12) / beyond.scale[0];
    assert.ok(Math.abs(Number(beyond.values[2]) - v) <= 1 + v * 2 ** -22, `${beyond.values[2]} vs ${v}`);
  });

  it('does not modify its inputs', () => {
    const bias = Float32Array.of(0.5, 1e5, -0.25);
    const weightScale = Float32Array.of(0.001, 0.002, 0.003);
    const before = [Float32Array.from(bias), Float32Array.from(weightScale)];
    quantizeBias(bias, 0.01, weightScale);
    quantizeBias(bias, 0.01, weightScale, { accumulatorBits: 64 });
    adjustWeightScalesForBias(bias, 0.01, weightScale);
    assert.deepEqual([bias, weightScale], before);
  });

  it('rejects a per-channel scale count that differs from the bias length, naming both', () => {
    assert.throws(() => quantizeBias(new Float32Array(4), 0.1, new Float32Array(3).fill(0.1)),
      argError('quantizeBias', 'weightScale', 'a Float32Array of length 3',
        'one scale per bias channel: bias has length 4'));
  });

  it('rejects zero, negative and NaN scales and a NaN bias, naming function, argument and value', () => {
    const bias = Float32Array.of(0.5, -0.5, 1);
    assert.throws(() => quantizeBias(bias, 0, 0.1), argError('quantizeBias', 'inputScale', '0', 'a finite number > 0'));
    assert.throws(() => quantizeBias(bias, -0.5, 0.1), argError('quantizeBias', 'inputScale', '-0.5'));
    assert.throws(() => quantizeBias(bias, NaN, 0.1), argError('quantizeBias', 'inputScale', 'NaN'));
    assert.throws(() => quantizeBias(bias, 0.1, -2), argError('quantizeBias', 'weightScale', '-2'));
    assert.throws(() => quantizeBias(bias, 0.1, 1e-50), argError('quantizeBias', 'weightScale', '1e-50'));
    assert.throws(() => quantizeBias(bias, 0.1, Float32Array.of(0.1, 0, 0.1)),
      argError('quantizeBias', 'weightScale', 'a Float32Array of length 3', 'finite scales > 0, found 0 at index 1'));
    assert.throws(() => quantizeBias(bias, 0.1, Float32Array.of(0.1, 0.1, NaN)),
      argError('quantizeBias', 'weightScale', 'a Float32Array of length 3', 'finite scales > 0, found NaN at index 2'));
    assert.throws(() => quantizeBias(Float32Array.of(0.5, NaN, 1), 0.1, 0.1),
      argError('quantizeBias', 'bias', 'a Float32Array of length 3', 'finite values, found NaN at index 1'));
    assert.throws(() => quantizeBias(new Float32Array(0), 0.1, 0.1),
      argError('quantizeBias', 'bias', 'a Float32Array of length 0', 'a non-empty tensor'));
    assert.throws(() => quantizeBias([0.5] as unknown as Float32Array, 0.1, 0.1),
      argError('quantizeBias', 'bias', 'an array of length 1', 'a Float32Array'));
  });

  it('rejects scale products that underflow float32 and unknown accumulator widths', () => {
    assert.throws(() => quantizeBias(Float32Array.of(1), 1e-30, 1e-30),
      argError('quantizeBias', 'weightScale', '1e-30', '.*channel 0 gives 0'));
    assert.throws(() => quantizeBias(Float32Array.of(1), 0.1, 0.1, { accumulatorBits: 16 as 32 }),
      argError('quantizeBias', 'options.accumulatorBits', '16', '32 or 64'));
  });
});

describe('adjustWeightScalesForBias', () => {
  it('widens only the overflowing channel so that it fits, leaving the other scales bit for bit', () => {
    const bias = Float32Array.of(0.5, 1e5, -0.3);
    const weightScales = Float32Array.of(0.001, 0.001, 0.002);
    assert.deepEqual(quantizeBias(bias, 0.01, weightScales).overflow, [1]);
    const { weightScales: widened, adjusted } = adjustWeightScalesForBias(bias, 0.01, weightScales);
    assert.deepEqual(adjusted, [1]);
    assert.notEqual(widened, weightScales);
    assert.equal(widened[0], weightScales[0]);
    assert.equal(widened[2], weightScales[2]);
    assert.ok(widened[1] > weightScales[1]);
    // The new scale is 2·|b| / (K · s_in) (float32 steps aside), which puts the bias at about K / 2 = 2^30.
    assert.ok(Math.abs(widened[1] / (2 * 1e5 / (INT32_LIMIT * Math.fround(0.01))) - 1) < 1e-6);
    const after = quantizeBias(bias, 0.01, widened);
    assert.deepEqual(after.overflow, []);
    assert.ok(Math.abs(after.values[1] / 2 ** 30 - 1) < 1e-5, `bias lands at ${after.values[1]}`);
  });

  it('adjusts a channel once its bias fills more than the middle half of int32 (|q| >= 2^30), as TFLite does', () => {
    // Power-of-two scales keep the arithmetic exact: s_in · w = 2^-10.
    const bias = Float32Array.of(2 ** 20 * 1.5, 2 ** 20 - 2 ** -4, -(2 ** 20));
    const weightScales = Float32Array.of(2 ** -5, 2 ** -5, 2 ** -5);
    assert.deepEqual(quantizeBias(bias, 2 ** -5, weightScales).overflow, []);
    // q = 1.5 · 2^30 fits int32 but is adjusted; 2^30 - 64 is not; -2^30 is (the test is >= on |bias|).
    const { adjusted } = adjustWeightScalesForBias(bias, 2 ** -5, weightScales);
    assert.deepEqual(adjusted, [0, 2]);
  });

  it('uses the largest |bias| for a per-tensor scale and returns one new scale', () => {
    const bias = Float32Array.of(0.5, -1e5, 30);
    const { weightScales, adjusted } = adjustWeightScalesForBias(bias, 0.01, 0.001);
    assert.deepEqual(adjusted, [0]);
    assert.equal(weightScales.length, 1);
    assert.deepEqual(quantizeBias(bias, 0.01, weightScales[0]).overflow, []);
    const unchanged = adjustWeightScalesForBias(Float32Array.of(0.5, -0.5), 0.01, 0.001);
    assert.deepEqual(unchanged.adjusted, []);
    assert.deepEqual([...unchanged.weightScales], [Math.fround(0.001)]);
  });

  it('rejects mismatched lengths and bad scales, naming function, argument and value', () => {
    assert.throws(() => adjustWeightScalesForBias(new Float32Array(2), 0.01, new Float32Array(3).fill(1)),
      argError('adjustWeightScalesForBias', 'weightScales', 'a Float32Array of length 3',
        'one scale per bias channel: bias has length 2'));
    assert.throws(() => adjustWeightScalesForBias(Float32Array.of(1), Infinity, 0.1),
      argError('adjustWeightScalesForBias', 'inputScale', 'Infinity'));
    assert.throws(() => adjustWeightScalesForBias(Float32Array.of(Infinity), 0.1, 0.1),
      argError('adjustWeightScalesForBias', 'bias', 'a Float32Array of length 1', 'finite values, found Infinity'));
  });
});
