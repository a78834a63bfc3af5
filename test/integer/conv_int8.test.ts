import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conv2dInt8 } from '../../src/integer/conv2d_int8';
import { denseInt8 } from '../../src/integer/dense_int8';
import { depthwiseConv2dInt8 } from '../../src/integer/depthwise_conv2d_int8';
import { windowGeometry, type Padding } from '../../src/integer/geometry';
import { integerWasmKernels } from '../../src/wasm/integer_kernels';
import { QuantscopeArgumentError } from '../../src/errors';
import { convReference32, type RefGeometry } from '../reference/integer_conv_reference';
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
  /** 'random' codes, or 'extreme': every input at the far end from the zero point and every weight at -128. */
  data: 'random' | 'extreme';
}

const cases: Case[] = [
  { name: '3x3 same stride 1, int8, zp 0', shape: [2, 7, 9, 16], kernel: [3, 3], outC: 8, strides: [1, 1], dilations: [1, 1], padding: 'same', unsigned: false, zp: 0, data: 'random' },
  { name: '3x3 same stride 2, odd sizes, uint8 zp 255', shape: [1, 9, 11, 5], kernel: [3, 3], outC: 7, strides: [2, 2], dilations: [1, 1], padding: 'same', unsigned: true, zp: 255, data: 'random' },
  { name: '1x1 valid, 3 channels', shape: [3, 5, 5, 3], kernel: [1, 1], outC: 24, strides: [1, 1], dilations: [1, 1], padding: 'valid', unsigned: false, zp: -128, data: 'random' },
  { name: '5x3 explicit padding, stride [2,1], dilation [1,2]', shape: [1, 10, 8, 6], kernel: [5, 3], outC: 9, strides: [2, 1], dilations: [1, 2], padding: [[2, 1], [0, 3]], unsigned: false, zp: 127, data: 'random' },
  { name: 'valid dilation 2 stride 2, uint8 zp 0', shape: [2, 12, 12, 4], kernel: [3, 3], outC: 17, strides: [2, 2], dilations: [2, 2], padding: 'valid', unsigned: true, zp: 0, data: 'random' },
  { name: 'single output pixel, window = input', shape: [1, 3, 3, 10], kernel: [3, 3], outC: 1, strides: [1, 1], dilations: [1, 1], padding: 'valid', unsigned: false, zp: 5, data: 'random' },
  { name: 'extremes: int8 -128 against zp 127, weights -128', shape: [1, 6, 6, 64], kernel: [3, 3], outC: 16, strides: [1, 1], dilations: [1, 1], padding: 'same', unsigned: false, zp: 127, data: 'extreme' },
  { name: 'extremes: uint8 255 against zp 0', shape: [1, 5, 5, 33], kernel: [3, 3], outC: 8, strides: [2, 2], dilations: [1, 1], padding: 'same', unsigned: true, zp: 0, data: 'extreme' },
];

function inputFor(c: Case, seed: number) {
  const n = c.shape.reduce((a, b) => a * b, 1);
  const type = c.unsigned ? Uint8Array : Int8Array;
  if (c.data === 'extreme') {
    const far = c.unsigned ? (c.zp < 128 ? 255 : 0) : (c.zp < 0 ? 127 : -128);
    return new type(n).fill(far);
  }
  return c.unsigned ? randomCodes(Uint8Array, seed, n, 0, 255) : randomCodes(Int8Array, seed, n, -128, 127);
}

function refGeometry(c: Case): RefGeometry {
  const g = windowGeometry('test', c.shape, c.kernel, c.strides, c.dilations, c.padding);
  return { strides: c.strides, dilations: c.dilations, pads: [[g.padTop, g.padBottom], [g.padLeft, g.padRight]] };
}

const engines = ['wasm', 'js'] as const;

describe('conv2dInt8', () => {
  it('the WebAssembly kernels are built and load', () => assert.ok(integerWasmKernels()));
  for (const c of cases) {
    it(`equals the zero-point-padded BigInt reference bit for bit on both engines: ${c.name}`, () => {
      const x = inputFor(c, 11);
      const wShape = [c.kernel[0], c.kernel[1], c.shape[3], c.outC];
      const nw = wShape.reduce((a, b) => a * b, 1);
      const w = c.data === 'extreme' ? new Int8Array(nw).fill(-128) : randomCodes(Int8Array, 12, nw, -127, 127);
      const bias = randomInt32(13, c.outC, -100000, 100000);
      const ref = convReference32(x, c.shape, c.zp, w, wShape, 1, refGeometry(c), bias);
      for (const engine of engines) {
        const got = conv2dInt8(x, c.shape, c.zp, w, wShape, { strides: c.strides, dilations: c.dilations,
          padding: c.padding, bias, engine });
        assert.deepEqual(got.shape, ref.shape);
        assert.equal(firstDifference(got.values, ref.values), -1, `${engine} differs`);
      }
    });
  }
  it('without a bias starts the accumulators at 0', () => {
    const x = randomCodes(Int8Array, 1, 2 * 4 * 4 * 8, -128, 127);
    const w = randomCodes(Int8Array, 2, 3 * 3 * 8 * 8, -127, 127);
    const ref = convReference32(x, [2, 4, 4, 8], -3, w, [3, 3, 8, 8], 1,
      { strides: [1, 1], dilations: [1, 1], pads: [[1, 1], [1, 1]] });
    for (const engine of engines) {
      const got = conv2dInt8(x, [2, 4, 4, 8], -3, w, [3, 3, 8, 8], { padding: 'same', engine });
      assert.equal(firstDifference(got.values, ref.values), -1, engine);
    }
  });
  it('does not modify its inputs', () => {
    const x = randomCodes(Int8Array, 1, 4 * 4 * 3, -128, 127);
    const w = randomCodes(Int8Array, 2, 3 * 3 * 3 * 5, -127, 127);
    const x0 = x.slice();
    const w0 = w.slice();
    conv2dInt8(x, [1, 4, 4, 3], 0, w, [3, 3, 3, 5], { padding: 'same' });
    assert.deepEqual(x, x0);
    assert.deepEqual(w, w0);
  });
  it('names the function, argument and value on bad input', () => {
    const x = new Int8Array(16);
    const w = new Int8Array(9);
    assert.throws(() => conv2dInt8(x, [1, 4, 4, 1], 200, w, [3, 3, 1, 1]),
      (e: unknown) => e instanceof QuantscopeArgumentError && /conv2dInt8: argument 'inputZeroPoint' was 200/.test(e.message));
    assert.throws(() => conv2dInt8(x, [1, 4, 4, 1], 0, w, [3, 3, 2, 1]), /argument 'filter'|argument 'filterShape'/);
    assert.throws(() => conv2dInt8(x, [1, 4, 4, 1], 0, w, [3, 3, 1, 1], { padding: 'full' as never }), /argument 'padding'/);
    assert.throws(() => conv2dInt8(x, [1, 2, 2, 4], 0, w, [3, 3, 4, 1].slice(0, 4)), /filter/);
    assert.throws(() => conv2dInt8(new Int8Array(4), [1, 2, 2, 1], 0, w, [3, 3, 1, 1]), /dilated kernel 3x3/);
    assert.throws(() => conv2dInt8(x, [1, 4, 4, 1], 0, w, [3, 3, 1, 1], { bias: new Int32Array(2) }), /options.bias/);
  });
});

describe('depthwiseConv2dInt8', () => {
  for (const c of cases) {
    for (const multiplier of [1, 2]) {
      it(`equals the grouped BigInt reference bit for bit (multiplier ${multiplier}): ${c.name}`, () => {
        const x = inputFor(c, 21);
        const ch = c.shape[3];
        const wShape = [c.kernel[0], c.kernel[1], ch, multiplier];
        const nw = wShape.reduce((a, b) => a * b, 1);
        const w = c.data === 'extreme' ? new Int8Array(nw).fill(-128) : randomCodes(Int8Array, 22, nw, -127, 127);
        const bias = randomInt32(23, ch * multiplier, -100000, 100000);
        // [kh, kw, C, m] read flat is the grouped filter [kh, kw, 1, C·m]
        const ref = convReference32(x, c.shape, c.zp, w, [c.kernel[0], c.kernel[1], 1, ch * multiplier], ch,
          refGeometry(c), bias);
        for (const engine of engines) {
          const got = depthwiseConv2dInt8(x, c.shape, c.zp, w, wShape, { strides: c.strides, dilations: c.dilations,
            padding: c.padding, bias, engine });
          assert.deepEqual(got.shape, ref.shape);
          assert.equal(firstDifference(got.values, ref.values), -1, `${engine} differs`);
        }
      });
    }
  }
});

describe('denseInt8', () => {
  for (const [batch, inUnits, outUnits, zp] of [[1, 1, 1, 0], [3, 144, 24, -7], [5, 33, 10, 127], [2, 7, 1, -128]]) {
    it(`equals the BigInt reference: batch ${batch}, ${inUnits} -> ${outUnits}, zp ${zp}`, () => {
      const x = randomCodes(Int8Array, 31, batch * inUnits, -128, 127);
      const w = randomCodes(Int8Array, 32, inUnits * outUnits, -128, 127);
      const bias = randomInt32(33, outUnits, -(2 ** 20), 2 ** 20);
      const ref = convReference32(x, [batch, 1, 1, inUnits], zp, w, [1, 1, inUnits, outUnits], 1,
        { strides: [1, 1], dilations: [1, 1], pads: [[0, 0], [0, 0]] }, bias);
      for (const engine of engines) {
        const got = denseInt8(x, [batch, inUnits], zp, w, [inUnits, outUnits], { bias, engine });
        assert.deepEqual(got.shape, [batch, outUnits]);
        assert.equal(firstDifference(got.values, ref.values), -1, engine);
      }
    });
  }
  it('wraps modulo 2^32 like an int32 register once the sum passes 2^31 (70,000 extreme products)', () => {
    const inUnits = 70000;
    const x = new Int8Array(inUnits).fill(-128);
    const w = new Int8Array(inUnits * 2).fill(-128);
    const bias = Int32Array.of(2147483647, -5);
    const exact = [2147483647 + inUnits * 255 * 128, -5 + inUnits * 255 * 128];
    for (const engine of engines) {
      const got = denseInt8(x, [1, inUnits], 127, w, [inUnits, 2], { bias, engine });
      assert.deepEqual(Array.from(got.values), exact.map((v) => Number(BigInt.asIntN(32, BigInt(v)))), engine);
    }
  });
});
