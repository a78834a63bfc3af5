import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conv2dInt16x8, denseInt16x8, depthwiseConv2dInt16x8, multiplyByQuantizedMultiplierInt64, requantize16x8 } from '../../src/integer/int16x8';
import { mulberry32 } from '../support/random';
import { convReferenceBig, samePads } from '../reference/integer_conv_reference';
import { mbqm64Ref } from '../reference/integer_ops_reference';
import { randomCodes } from './support';

describe('16x8 kernels', () => {
  it('conv2dInt16x8 equals the int64 BigInt reference at int16 extremes with an int64 bias', () => {
    const shape = [2, 6, 7, 9];
    const x = randomCodes(Int16Array, 1, shape.reduce((a, b) => a * b, 1), -32768, 32767);
    x.fill(-32768, 0, 50);
    const w = randomCodes(Int8Array, 2, 3 * 3 * 9 * 5, -128, 127);
    const bias = BigInt64Array.of(2n ** 46n, -(2n ** 46n), 0n, 123456789012n, -1n);
    const got = conv2dInt16x8(x, shape, w, [3, 3, 9, 5], { padding: 'same', strides: 2, bias });
    const ref = convReferenceBig(x, shape, 0, w, [3, 3, 9, 5], 1, { strides: [2, 2], dilations: [1, 1], pads: [samePads(6, 3, 2, 1), samePads(7, 3, 2, 1)] }, bias);
    assert.deepEqual(got.shape, ref.shape);
    assert.deepEqual(Array.from(got.values, BigInt), ref.values);
  });
  it('depthwiseConv2dInt16x8 and denseInt16x8 equal the BigInt reference', () => {
    const x = randomCodes(Int16Array, 3, 1 * 5 * 5 * 4, -32768, 32767);
    const w = randomCodes(Int8Array, 4, 3 * 3 * 4 * 2, -128, 127);
    const got = depthwiseConv2dInt16x8(x, [1, 5, 5, 4], w, [3, 3, 4, 2], { padding: 'valid' });
    const ref = convReferenceBig(x, [1, 5, 5, 4], 0, w, [3, 3, 1, 8], 4, { strides: [1, 1], dilations: [1, 1], pads: [[0, 0], [0, 0]] });
    assert.deepEqual(Array.from(got.values, BigInt), ref.values);
    const wd = randomCodes(Int8Array, 5, 100 * 3, -128, 127);
    const xd = randomCodes(Int16Array, 6, 2 * 100, -32768, 32767);
    const d = denseInt16x8(xd, [2, 100], wd, [100, 3], { bias: BigInt64Array.of(1n, 2n, 3n) });
    const rd = convReferenceBig(xd, [2, 1, 1, 100], 0, wd, [1, 1, 100, 3], 1, { strides: [1, 1], dilations: [1, 1], pads: [[0, 0], [0, 0]] }, [1n, 2n, 3n]);
    assert.deepEqual(Array.from(d.values, BigInt), rd.values);
  });
  it('a dense sum too long for the int8 kernels split (70,000 terms at the extremes) stays exact through the plain loop', () => {
    const x = new Int16Array(70000).fill(-32768);
    const w = new Int8Array(70000).fill(-128);
    w[0] = 127;
    const got = denseInt16x8(x, [1, 70000], w, [70000, 1]);
    const ref = convReferenceBig(x, [1, 1, 1, 70000], 0, w, [1, 1, 70000, 1], 1, { strides: [1, 1], dilations: [1, 1], pads: [[0, 0], [0, 0]] });
    assert.deepEqual(Array.from(got.values, BigInt), ref.values);
  });
  it("multiplyByQuantizedMultiplierInt64 equals TFLite's int64 MBQM (15-bit multiplier) on 200,000 seeded cases and the edges", () => {
    const rand = mulberry32(9);
    const xs = [0, 1, -1, 2 ** 47 - 1, -(2 ** 47), 2 ** 26, -(2 ** 26) - 1];
    const ms = [0, 1, 2 ** 30, 0x7ffeffff, 0x7fff0000, 2 ** 31 - 1, 32767, 32768];
    const shifts = [-31, -15, -1, 0, 7];
    for (const x of xs) for (const m of ms) for (const s of shifts) {
      assert.equal(multiplyByQuantizedMultiplierInt64(x, m, s), mbqm64Ref(BigInt(x), m, s), `${x} ${m} ${s}`);
    }
    for (let i = 0; i < 200000; i++) {
      const x = Math.floor((rand() * 2 - 1) * 2 ** (1 + rand() * 46));
      const m = 2 ** 30 + Math.floor(rand() * 2 ** 30);
      const s = -31 + Math.floor(rand() * 39);
      const got = multiplyByQuantizedMultiplierInt64(x, m, s);
      const want = mbqm64Ref(BigInt(x), m, s);
      if (got !== want) assert.fail(`${x} ${m} ${s}: ${got} != ${want}`);
    }
  });
  it('the 16-bit multiplier truncation is visible: result differs from the int32 multiplier path', () => {
    // m = 2^30 + 2^15 - 1 rounds to 2^14 + 0 ... the reduced multiplier loses the low 16 bits
    const x = 2 ** 40;
    assert.equal(multiplyByQuantizedMultiplierInt64(x, 2 ** 30 + 32767, -10), mbqm64Ref(BigInt(x), 2 ** 30 + 32767, -10));
    assert.equal(multiplyByQuantizedMultiplierInt64(x, 2 ** 30 + 32767, -10), multiplyByQuantizedMultiplierInt64(x, 2 ** 30, -10));
  });
  it('requantize16x8 applies MBQM64 per channel, the zero point and the clamp', () => {
    const acc = Float64Array.of(1e6, -1e6, 5e12, -5e12, 0, 123);
    const out = requantize16x8(acc, { multiplier: Int32Array.of(1500000000, 1100000000), shift: Int32Array.of(-12, -3), qmin: -30000 });
    const want = Array.from(acc, (v, i) => Math.min(32767, Math.max(-30000,
      mbqm64Ref(BigInt(v), i % 2 ? 1100000000 : 1500000000, i % 2 ? -3 : -12))));
    assert.deepEqual(Array.from(out), want);
    assert.throws(() => requantize16x8(Float64Array.of(2 ** 48), { multiplier: 1, shift: 0 }), /argument 'acc'/);
  });
});
