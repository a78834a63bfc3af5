import { check } from '../errors';
import { INT32_MAX, checkInt32 } from './int32';
import { checkMlasScale } from './mlasRequantizeOutput';
import { mbqmDouble, mbqmSingle, mlas, splitHigh, splitLow } from './kernels';
import { integerWasmKernels } from '../wasm/integer_kernels';
import { onnxRuntimePlan, tflitePlan, type RequantizePlan } from '../wasm/requantize_kernels';

/** Which runtime's requantization arithmetic to reproduce. */
export type RequantizeProfile = 'tflite-double' | 'tflite-single' | 'onnxruntime';

/** Shared by every profile: output zero point and the clamp (the output type's range, or tighter for ReLU/ReLU6). */
interface RequantizeOutputParams {
  readonly zeroPoint: number;
  readonly qmin: number;
  readonly qmax: number;
}

/**
 * TFLite's fixed-point requantization: one (multiplier, shift) pair per tensor, or one per output channel. Either
 * field may be a scalar (shared by every channel) or an Int32Array with one entry per channel; when both are arrays
 * their lengths must match. Build them with `quantizeMultiplier` / `quantizeMultiplierArray` (with
 * `singleRounding: true` for the 'tflite-single' profile).
 */
export interface TfliteRequantizeParams extends RequantizeOutputParams {
  readonly profile: 'tflite-double' | 'tflite-single';
  readonly multiplier: number | Int32Array;
  readonly shift: number | Int32Array;
}

/**
 * ONNX Runtime's float requantization: one float32 scale (input scale · weight scale / output scale) per tensor, or
 * a Float32Array with one per output channel.
 */
export interface OnnxRuntimeRequantizeParams extends RequantizeOutputParams {
  readonly profile: 'onnxruntime';
  readonly scale: number | Float32Array;
}

/** Parameters of {@link requantize}, discriminated by `profile`. */
export type RequantizeParams = TfliteRequantizeParams | OnnxRuntimeRequantizeParams;

/**
 * Requantizes int32 accumulators (bias already added) to output codes, element i using channel i % channels, the
 * innermost axis of an NHWC (or [batch, units]) output:
 *
 *   'tflite-double'  out = clamp(MultiplyByQuantizedMultiplier(acc, m_c, s_c) + zp, qmin, qmax), default TFLite build
 *   'tflite-single'  the same with TFLITE_SINGLE_ROUNDING's one-rounding multiply
 *   'onnxruntime'    out = clamp(roundHalfToEven(fround(fround(acc) · scale_c)) + zp, qmin, qmax), MLAS
 *
 * This is TFLite's per-channel conv/fully-connected epilogue (reference_integer_ops) and MLAS's
 * MlasRequantizeOutput; see the scalar functions for the exact arithmetic and the overflow decisions (left shifts
 * and results beyond int32 saturate). Bit-exact with the BigInt transcriptions in test/reference. The zero-point
 * add and the clamp are done without int32 wrap-around.
 *
 * Where WebAssembly is available, arrays of 64 or more accumulators go through the SIMD epilogue of
 * src/wasm/requantize.wat (bit-exact with {@link requantizeReference}, the plain JavaScript loops, which also take
 * 'onnxruntime' clamps wider than ±2^22 around the zero point).
 *
 * `out` (allocated when omitted) must have acc's length; it may be `acc` itself for an in-place update, and is
 * returned. An empty `acc` gives an empty result. Throws, naming the argument, when: acc or out is not an
 * Int32Array of the right length; the channel count (the length of the per-channel array) is 0 or does not divide
 * acc.length; a multiplier is outside 0..2^31 − 1 or a shift outside −31..30; a scale is negative, NaN or not
 * float32-finite; zeroPoint, qmin, qmax are not int32 or qmin > qmax.
 */
export function requantize(acc: Int32Array, params: RequantizeParams, out?: Int32Array): Int32Array {
  return requantizeWith('requantize', acc, params, out, true);
}

/**
 * {@link requantize} in plain JavaScript only: the reference the WebAssembly epilogue (src/wasm/requantize.wat) is
 * tested against, and the fallback where WebAssembly is missing. Same arguments, result and errors.
 */
export function requantizeReference(acc: Int32Array, params: RequantizeParams, out?: Int32Array): Int32Array {
  return requantizeWith('requantizeReference', acc, params, out, false);
}

/**
 * The WebAssembly epilogue plan of `params` for accumulators in rows of `rowLength` (a multiple of the channel
 * count) stored `paddedRow` apart, as the convolution kernels leave them: lane j of a padded row takes channel
 * j % channels, and lanes past rowLength get multiplier 0 or scale 0 (their codes are dropped). Checks `params`
 * exactly as {@link requantize} does for an array of rowLength accumulators, naming `fn`. null when the JavaScript
 * loop must run instead ('onnxruntime' clamps wider than ±2^22 around the zero point).
 */
export function requantizeRowPlan(fn: string, params: RequantizeParams, rowLength: number, paddedRow: number):
  RequantizePlan | null {
  requantizeWith(fn, new Int32Array(rowLength), params, undefined, false);
  const lane = <T extends Int32Array | Float32Array>(Type: new (n: number) => T, value: number | T): T => {
    const out = new Type(paddedRow);
    for (let j = 0; j < rowLength; j++) out[j] = typeof value === 'number' ? value : value[j % value.length];
    return out;
  };
  if (params.profile === 'onnxruntime') {
    const { scale, zeroPoint, qmin, qmax } = params;
    return onnxRuntimePlan(lane(Float32Array, typeof scale === 'number' ? Math.fround(scale) : scale), paddedRow,
      zeroPoint, qmin, qmax);
  }
  const { multiplier, shift, zeroPoint, qmin, qmax } = params;
  return tflitePlan(lane(Int32Array, multiplier), lane(Int32Array, shift), paddedRow,
    params.profile === 'tflite-single', zeroPoint, qmin, qmax);
}

/** Below this many accumulators, building the WebAssembly tables and copying costs more than it saves. */
const WASM_MIN_LENGTH = 64;

function requantizeWith(fn: string, acc: Int32Array, params: RequantizeParams, out: Int32Array | undefined,
  wasm: boolean): Int32Array {
  check(acc instanceof Int32Array, fn, 'acc', acc, 'an Int32Array of accumulators');
  check(typeof params === 'object' && params !== null, fn, 'params', params, 'an object with a profile');
  checkInt32(fn, 'params.zeroPoint', params.zeroPoint);
  checkInt32(fn, 'params.qmin', params.qmin);
  checkInt32(fn, 'params.qmax', params.qmax);
  check(params.qmin <= params.qmax, fn, 'params.qmax', params.qmax, `an int32 >= params.qmin (${params.qmin})`);
  const result = out ?? new Int32Array(acc.length);
  check(result instanceof Int32Array && result.length === acc.length, fn, 'out', out,
    `undefined or an Int32Array of the accumulators' length (${acc.length})`);
  const fast = wasm && acc.length >= WASM_MIN_LENGTH ? integerWasmKernels()?.requantize ?? null : null;
  switch (params.profile) {
    case 'tflite-double':
    case 'tflite-single':
      requantizeTflite(fn, acc, params, result, fast);
      return result;
    case 'onnxruntime':
      requantizeOnnxRuntime(fn, acc, params, result, fast);
      return result;
    default:
      check(false, fn, 'params.profile', (params as { profile: unknown }).profile,
        "'tflite-double', 'tflite-single' or 'onnxruntime'");
  }
}

type WasmRequantize = NonNullable<NonNullable<ReturnType<typeof integerWasmKernels>>['requantize']>;

function channelCount(fn: string, acc: Int32Array, perChannel: Array<[string, number | Int32Array | Float32Array]>):
  number {
  let channels: number | undefined;
  let first = '';
  for (const [arg, value] of perChannel) {
    if (typeof value === 'number') continue;
    check(value.length > 0, fn, arg, value, 'at least one channel');
    if (channels === undefined) {
      channels = value.length;
      first = arg;
    } else {
      check(value.length === channels, fn, arg, value, `the length of ${first} (${channels}), one entry per channel`);
    }
  }
  const c = channels ?? 1;
  check(acc.length % c === 0, fn, 'acc', acc,
    `a length divisible by the channel count ${c} (channels are the innermost axis)`);
  return c;
}

function requantizeTflite(fn: string, acc: Int32Array, params: TfliteRequantizeParams, out: Int32Array,
  fast: WasmRequantize | null): void {
  const { multiplier, shift, zeroPoint, qmin, qmax } = params;
  check(typeof multiplier === 'number' || multiplier instanceof Int32Array, fn, 'params.multiplier', multiplier,
    'a number or an Int32Array');
  check(typeof shift === 'number' || shift instanceof Int32Array, fn, 'params.shift', shift,
    'a number or an Int32Array');
  const channels = channelCount(fn, acc, [['params.multiplier', multiplier], ['params.shift', shift]]);
  const single = params.profile === 'tflite-single';
  // Per-channel constants, so the element loop only multiplies, floors and adds.
  const mh = new Float64Array(channels);
  const ml = new Float64Array(channels);
  const a = new Float64Array(channels); // double: 2^leftShift; single: totalShift
  const b = new Float64Array(channels); // double: rightShift
  for (let c = 0; c < channels; c++) {
    const m = typeof multiplier === 'number' ? multiplier : multiplier[c];
    const s = typeof shift === 'number' ? shift : shift[c];
    check(Number.isInteger(m) && m >= 0 && m <= INT32_MAX, fn, 'params.multiplier', multiplier,
      `integers in 0..2^31-1, found ${m} for channel ${c}`);
    check(Number.isInteger(s) && s >= -31 && s <= 30, fn, 'params.shift', shift,
      `integers in -31..30, found ${s} for channel ${c}`);
    mh[c] = splitHigh(m);
    ml[c] = splitLow(m);
    a[c] = single ? 31 - s : 2 ** Math.max(s, 0);
    b[c] = Math.max(-s, 0);
  }
  if (fast) {
    fast(acc, tflitePlan(multiplier, shift, channels, single, zeroPoint, qmin, qmax), out);
    return;
  }
  // One loop per profile keeps each loop monomorphic, so the kernel inlines.
  const n = acc.length;
  let c = 0;
  if (single) {
    for (let i = 0; i < n; i++) {
      const y = mbqmSingle(acc[i], mh[c], ml[c], a[c]) + zeroPoint;
      out[i] = y < qmin ? qmin : y > qmax ? qmax : y;
      if (++c === channels) c = 0;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const y = mbqmDouble(acc[i], mh[c], ml[c], a[c], b[c]) + zeroPoint;
      out[i] = y < qmin ? qmin : y > qmax ? qmax : y;
      if (++c === channels) c = 0;
    }
  }
}

function requantizeOnnxRuntime(fn: string, acc: Int32Array, params: OnnxRuntimeRequantizeParams,
  out: Int32Array, fast: WasmRequantize | null): void {
  const { scale, zeroPoint, qmin, qmax } = params;
  check(typeof scale === 'number' || scale instanceof Float32Array, fn, 'params.scale', scale,
    'a number or a Float32Array');
  const channels = channelCount(fn, acc, [['params.scale', scale]]);
  const scales = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const s = typeof scale === 'number' ? scale : scale[c];
    if (typeof scale === 'number') checkMlasScale(fn, 'params.scale', s);
    else {
      check(Number.isFinite(s) && s >= 0, fn, 'params.scale', scale,
        `finite scales >= 0, found ${s} for channel ${c}`);
    }
    scales[c] = Math.fround(s);
  }
  // The float32 table is the fround of every scale, as above; null when the clamp is too wide for the fast loop.
  const plan = fast ? onnxRuntimePlan(typeof scale === 'number' ? Math.fround(scale) : scale, channels, zeroPoint,
    qmin, qmax) : null;
  if (fast && plan) {
    fast(acc, plan, out);
    return;
  }
  const lo = Math.fround(qmin - zeroPoint);
  const hi = Math.fround(qmax - zeroPoint);
  const n = acc.length;
  let c = 0;
  for (let i = 0; i < n; i++) {
    out[i] = mlas(acc[i], scales[c], lo, hi, zeroPoint, qmin, qmax);
    if (++c === channels) c = 0;
  }
}
