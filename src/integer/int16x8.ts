import { check } from '../errors';
import { checkLength, checkShape } from './checks';
import { integerWasmKernels } from '../wasm/integer_kernels';
import { conv2dInt8 } from './conv2d_int8';
import { convLoop, depthwiseLoop } from './conv_loops';
import { denseInt8 } from './dense_int8';
import { depthwiseConv2dInt8 } from './depthwise_conv2d_int8';
import { windowGeometry, type Padding, type Pair } from './geometry';

const TWO_POW_47 = 2 ** 47;
const TWO_POW_25 = 2 ** 25;
const TWO_POW_26 = 2 ** 26;
const TWO_POW_M26 = 2 ** -26;

/** Options of the 16x8 kernels. */
export interface Int16x8Options {
  readonly strides?: Pair;
  readonly dilations?: Pair;
  readonly padding?: Padding;
  /** int64 bias, one per output channel (TFLite's 16x8 bias); |bias| < 2^47. */
  readonly bias?: BigInt64Array;
}

/** int64 accumulators held exactly in a Float64Array (every value an integer with |v| < 2^53). */
export interface Int64Accumulators {
  readonly values: Float64Array;
  readonly shape: number[];
}

function biasAsNumbers(fn: string, bias: unknown, channels: number): Float64Array | undefined {
  if (bias === undefined) return undefined;
  check(bias instanceof BigInt64Array && bias.length === channels, fn, 'options.bias', bias,
    `undefined or a BigInt64Array of ${channels} entries`);
  const out = new Float64Array(channels);
  for (let i = 0; i < channels; i++) {
    const b = bias[i];
    check(b >= -(1n << 47n) && b < 1n << 47n, fn, 'options.bias', bias,
      `values in -2^47..2^47-1 (TFLite's int64 multiply assumes its input there), found ${b} at ${i}`);
    out[i] = Number(b);
  }
  return out;
}

/**
 * TFLite's 16x8 convolution (reference_integer_ops::ConvPerChannel with int16 input, int8 filter, int64 bias):
 * acc = bias[o] + Σ x · w, in int64, the input symmetric (zero point 0, so padding adds 0). Shapes as conv2dInt8:
 * input Int16Array [batch, h, w, inC], filter Int8Array [kh, kw, inC, outC]. Sums of fewer than 2^30 products stay
 * below 2^53 and are exact in the returned Float64Array. Throws on wrong types, shapes or a bias outside ±2^47.
 */
export function conv2dInt16x8(input: Int16Array, inputShape: readonly number[], filter: Int8Array,
  filterShape: readonly number[], options: Int16x8Options = {}): Int64Accumulators {
  const fn = 'conv2dInt16x8';
  check(input instanceof Int16Array, fn, 'input', input, 'an Int16Array of codes (zero point 0)');
  checkShape(fn, 'inputShape', inputShape, 4, '[batch, height, width, channels]');
  checkLength(fn, 'input', input, inputShape);
  check(filter instanceof Int8Array, fn, 'filter', filter, 'an Int8Array of weights');
  checkShape(fn, 'filterShape', filterShape, 4, '[kernelHeight, kernelWidth, inChannels, outChannels]');
  checkLength(fn, 'filter', filter, filterShape);
  check(filterShape[2] === inputShape[3], fn, 'filterShape', filterShape,
    `inChannels equal to the input's channels (${inputShape[3]})`);
  const bias = biasAsNumbers(fn, options.bias, filterShape[3]);
  const g = windowGeometry(fn, inputShape, [filterShape[0], filterShape[1]], options.strides, options.dilations,
    options.padding);
  const shape = [g.batch, g.outHeight, g.outWidth, filterShape[3]];
  const values = new Float64Array(shape[0] * shape[1] * shape[2] * shape[3]);
  const geometry = { strides: options.strides, dilations: options.dilations, padding: options.padding };
  const terms = filterShape[0] * filterShape[1] * filterShape[2];
  if (!splitSums(input, terms, filterShape[3], bias, values, (x) => conv2dInt8(x, inputShape, 0, filter, filterShape, geometry).values)) {
    convLoop(input, 0, g, filter, filterShape[3], bias, values);
  }
  return { values, shape };
}

/** TFLite's 16x8 depthwise convolution; filter [kh, kw, inC, multiplier]; see {@link conv2dInt16x8}. */
export function depthwiseConv2dInt16x8(input: Int16Array, inputShape: readonly number[], filter: Int8Array,
  filterShape: readonly number[], options: Int16x8Options = {}): Int64Accumulators {
  const fn = 'depthwiseConv2dInt16x8';
  check(input instanceof Int16Array, fn, 'input', input, 'an Int16Array of codes (zero point 0)');
  checkShape(fn, 'inputShape', inputShape, 4, '[batch, height, width, channels]');
  checkLength(fn, 'input', input, inputShape);
  check(filter instanceof Int8Array, fn, 'filter', filter, 'an Int8Array of weights');
  checkShape(fn, 'filterShape', filterShape, 4, '[kernelHeight, kernelWidth, inChannels, multiplier]');
  checkLength(fn, 'filter', filter, filterShape);
  check(filterShape[2] === inputShape[3], fn, 'filterShape', filterShape,
    `inChannels equal to the input's channels (${inputShape[3]})`);
  const outC = inputShape[3] * filterShape[3];
  const bias = biasAsNumbers(fn, options.bias, outC);
  const g = windowGeometry(fn, inputShape, [filterShape[0], filterShape[1]], options.strides, options.dilations,
    options.padding);
  const shape = [g.batch, g.outHeight, g.outWidth, outC];
  const values = new Float64Array(shape[0] * shape[1] * shape[2] * shape[3]);
  const geometry = { strides: options.strides, dilations: options.dilations, padding: options.padding };
  if (!splitSums(input, filterShape[0] * filterShape[1], outC, bias, values,
    (x) => depthwiseConv2dInt8(x, inputShape, 0, filter, filterShape, geometry).values)) {
    depthwiseLoop(input, 0, g, filter, filterShape[3], bias, values);
  }
  return { values, shape };
}

/** TFLite's 16x8 fully-connected layer: input Int16Array [batch, in], kernel Int8Array [in, out]; int64-exact. */
export function denseInt16x8(input: Int16Array, inputShape: readonly number[], kernel: Int8Array,
  kernelShape: readonly number[], options: { readonly bias?: BigInt64Array } = {}): Int64Accumulators {
  const fn = 'denseInt16x8';
  check(input instanceof Int16Array, fn, 'input', input, 'an Int16Array of codes (zero point 0)');
  checkShape(fn, 'inputShape', inputShape, 2, '[batch, inUnits]');
  checkLength(fn, 'input', input, inputShape);
  check(kernel instanceof Int8Array, fn, 'kernel', kernel, 'an Int8Array of weights');
  checkShape(fn, 'kernelShape', kernelShape, 2, '[inUnits, outUnits]');
  checkLength(fn, 'kernel', kernel, kernelShape);
  check(kernelShape[0] === inputShape[1], fn, 'kernelShape', kernelShape, `inUnits equal to the input's (${inputShape[1]})`);
  const bias = biasAsNumbers(fn, options.bias, kernelShape[1]);
  const g = windowGeometry(fn, [inputShape[0], 1, 1, inputShape[1]], [1, 1]);
  const values = new Float64Array(inputShape[0] * kernelShape[1]);
  if (!splitSums(input, kernelShape[0], kernelShape[1], bias, values, (x) => denseInt8(x, inputShape, 0, kernel, kernelShape).values)) {
    convLoop(input, 0, g, kernel, kernelShape[1], bias, values);
  }
  return { values, shape: [inputShape[0], kernelShape[1]] };
}

/**
 * Σ x·w of int16 codes through the int8 WebAssembly kernels (12x faster than the plain loop on a 3x3 conv): with
 * x = 256·h + l, h = x >> 8 in −128..127 and l = x & 255 in 0..255 (both zero point 0, so padding still adds 0),
 *
 *   Σ x·w = 256 · Σ h·w + Σ l·w
 *
 * and each sum is exact in int32 while terms · 255 · 128 < 2^31 (terms < 65,793). Writes bias + the sum into `out`
 * (exact in float64) and returns true; returns false, leaving `out` alone, without WebAssembly or for longer sums.
 */
function splitSums(input: Int16Array, terms: number, channels: number, bias: Float64Array | undefined, out: Float64Array,
  sums: (codes: Int8Array | Uint8Array) => Int32Array): boolean {
  if (terms * 255 * 128 >= 2 ** 31 || integerWasmKernels() === null) return false;
  const high = new Int8Array(input.length);
  const low = new Uint8Array(input.length);
  for (let i = 0; i < input.length; i++) {
    high[i] = input[i] >> 8;
    low[i] = input[i] & 255;
  }
  const h = sums(high);
  const l = sums(low);
  for (let i = 0, c = 0; i < out.length; i++) {
    out[i] = 256 * h[i] + l[i] + (bias ? bias[c] : 0);
    if (++c === channels) c = 0;
  }
  return true;
}

/**
 * TFLite's 64-bit MultiplyByQuantizedMultiplier (kernels/internal/common.cc, the int64_t overload used by every
 * 16x8 kernel; the same in the double- and single-rounding builds). It keeps only the top 16 bits of the multiplier:
 *
 *   reduced = multiplier < 0x7FFF0000 ? (multiplier + 2^15) >> 16 : 0x7FFF       rounded to 15 bits
 *   total   = 15 − shift                                                          in 8..46
 *   result  = (x · reduced + 2^(total − 1)) >> total                              int64, floor (ties up)
 *
 * so its relative precision is ~2^−15, not the 2^−31 of the int32 version. Exact for |x| < 2^47 (TFLite's stated
 * input range, checked here) without BigInt: x is split as xh · 2^26 + xl so each partial product stays below 2^53.
 * A result beyond int32 saturates (TFLite would truncate; its kernels clamp right after). Throws when x is not an
 * integer in −2^47..2^47 − 1, multiplier not in 0..2^31 − 1, or shift not in −31..7.
 */
export function multiplyByQuantizedMultiplierInt64(x: number, multiplier: number, shift: number): number {
  const fn = 'multiplyByQuantizedMultiplierInt64';
  check(Number.isInteger(x) && x >= -TWO_POW_47 && x < TWO_POW_47, fn, 'x', x, 'an integer in -2^47..2^47-1');
  check(Number.isInteger(multiplier) && multiplier >= 0 && multiplier <= 2147483647, fn, 'multiplier', multiplier,
    'an integer in 0..2^31-1');
  check(Number.isInteger(shift) && shift >= -31 && shift <= 7, fn, 'shift', shift, 'an integer in -31..7');
  return mbqm64(x, reduceMultiplier(multiplier), 15 - shift, 2 ** (26 - (15 - shift)));
}

/**
 * The 15-bit multiplier TFLite's 64-bit MultiplyByQuantizedMultiplier keeps of a Q0.31 multiplier (see
 * {@link multiplyByQuantizedMultiplierInt64}): the effective real multiplier is reduced · 2^(shift − 15).
 */
export function reduceMultiplier(m: number): number {
  return m < 0x7fff0000 ? Math.floor((m + 32768) / 65536) : 0x7fff;
}

/** `up` = 2^(26 − total), passed in so the element loops compute no powers; every scaling by it is exact. */
function mbqm64(x: number, reduced: number, total: number, up: number): number {
  const xh = Math.floor(x * TWO_POW_M26);
  const xl = x - xh * TWO_POW_26; // in [0, 2^26)
  const a = xh * reduced; // |a| < 2^36
  const b = xl * reduced + TWO_POW_25 / up; // + 2^(total − 1): < 2^41 + 2^45
  // floor((a · 2^26 + b) / 2^total)
  let q: number;
  if (total <= 26) q = a * up + Math.floor(b * up * TWO_POW_M26);
  else q = Math.floor((a + Math.floor(b * TWO_POW_M26)) * up);
  return q > 2147483647 ? 2147483647 : q < -2147483648 ? -2147483648 : q;
}

/**
 * TFLite's 16x8 epilogue over int64 accumulators: out = clamp(MBQM64(acc, m_c, s_c) + zeroPoint, qmin, qmax) with
 * channel c = i % channels (the innermost axis); `multiplier` and `shift` are per-channel Int32Arrays (or numbers),
 * e.g. from tfliteOutputMultipliers. Defaults: zeroPoint 0, [qmin, qmax] = [−32768, 32767]. Returns Int16Array.
 * Throws on an accumulator outside ±2^47, bad multipliers/shifts or a clamp outside int16.
 */
export function requantize16x8(acc: Float64Array, params: { multiplier: number | Int32Array; shift: number | Int32Array;
  zeroPoint?: number; qmin?: number; qmax?: number }): Int16Array {
  const fn = 'requantize16x8';
  check(acc instanceof Float64Array, fn, 'acc', acc, 'a Float64Array of int64 accumulators');
  const { multiplier, shift } = params;
  const channels = typeof multiplier === 'number' ? (typeof shift === 'number' ? 1 : shift.length) : multiplier.length;
  check(channels > 0 && acc.length % channels === 0 && (typeof shift === 'number' || shift.length === channels), fn,
    'params.shift', shift, `one shift per channel (${channels}), dividing acc's length ${acc.length}`);
  const zp = params.zeroPoint ?? 0;
  const qmin = params.qmin ?? -32768;
  const qmax = params.qmax ?? 32767;
  check(Number.isInteger(zp) && Number.isInteger(qmin) && Number.isInteger(qmax) && -32768 <= qmin && qmin <= qmax &&
    qmax <= 32767, fn, 'params.qmin', qmin, `integers with -32768 <= qmin <= qmax <= 32767 (qmax ${qmax}, zp ${zp})`);
  const reduced = new Float64Array(channels);
  const total = new Float64Array(channels);
  const up = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const m = typeof multiplier === 'number' ? multiplier : multiplier[c];
    const s = typeof shift === 'number' ? shift : shift[c];
    check(Number.isInteger(m) && m >= 0 && m <= 2147483647, fn, 'params.multiplier', multiplier,
      `integers in 0..2^31-1, found ${m} for channel ${c}`);
    check(Number.isInteger(s) && s >= -31 && s <= 7, fn, 'params.shift', shift, `integers in -31..7, found ${s} for channel ${c}`);
    reduced[c] = reduceMultiplier(m);
    total[c] = 15 - s;
    up[c] = 2 ** (26 - total[c]);
  }
  const out = new Int16Array(acc.length);
  for (let i = 0, c = 0; i < acc.length; i++) {
    const x = acc[i];
    // Tested before calling check: its message would otherwise be built for every element.
    if (!(x >= -TWO_POW_47 && x < TWO_POW_47)) check(false, fn, 'acc', acc, `values in -2^47..2^47-1, found ${x} at ${i}`);
    const y = mbqm64(x, reduced[c], total[c], up[c]) + zp;
    out[i] = y < qmin ? qmin : y > qmax ? qmax : y;
    if (++c === channels) c = 0;
  }
  return out;
}
