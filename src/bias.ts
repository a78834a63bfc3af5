import { check, checkFiniteData, QuantscopeArgumentError } from './errors';
import { roundHalfAwayFromZero } from './rounding';

/** Options of {@link quantizeBias}. */
export interface QuantizeBiasOptions {
  /**
   * Width of the bias and of the accumulator it is added to: 32 (int32, 8-bit activations) or 64 (int64, TFLite's
   * 16x8 scheme with int16 activations). Default 32.
   */
  readonly accumulatorBits?: 32 | 64;
}

interface QuantizedBiasBase {
  /**
   * The bias scale per channel, scale_i = float32(float32(inputScale) · float32(weightScale_i)); a single entry when
   * the weight scale is per tensor. The zero point is always 0.
   */
  readonly scale: Float32Array;
  /**
   * Channels whose quantized value did not fit the symmetric accumulator range [−(2^(bits−1) − 1), 2^(bits−1) − 1]
   * and were clamped to its nearer end, in increasing order. Empty when every channel fits.
   */
  readonly overflow: number[];
}

/** An int32 bias, for 8-bit activations. */
export interface QuantizedBias32 extends QuantizedBiasBase {
  readonly accumulatorBits: 32;
  readonly values: Int32Array;
}

/** An int64 bias, for TFLite's 16x8 scheme. */
export interface QuantizedBias64 extends QuantizedBiasBase {
  readonly accumulatorBits: 64;
  readonly values: BigInt64Array;
}

/** The result of {@link quantizeBias}. */
export type QuantizedBias = QuantizedBias32 | QuantizedBias64;

/**
 * Quantizes a bias vector the way TFLite's converter does (SymmetricPerChannelBiasQuantize and
 * SymmetricPerLayerBiasQuantize in tensorflow/lite/tools/optimize/quantization_utils.cc), in float32 throughout
 * because TFLite stores every scale as a C float:
 *
 *   scale_i = float32(inputScale · weightScale_i)       the product of two float32 values, rounded once
 *   inv_i   = float32(1 / scale_i)                       TFLite multiplies by a float32 reciprocal; it never divides
 *   q_i     = roundHalfAwayFromZero(float32(bias_i · inv_i))     std::round: ties away from zero
 *   q_i     = clamp(q_i, −(2^(b−1) − 1), 2^(b−1) − 1)    symmetric: −2^(b−1) itself is also clamped, as in TFLite
 *
 * The reciprocal and the float32 product make q_i differ from the exact round(bias_i / scale_i) only next to a tie
 * or once |q_i| passes 2^24, where float32 keeps 24 significant bits (so a large int32 bias is a multiple of a
 * power of two, as TFLite writes it). Channels clamped by the last line are listed in `overflow` instead of being
 * clamped silently; for int32, {@link adjustWeightScalesForBias} is TFLite's remedy.
 *
 * `weightScale` is a number (per-tensor weights: one bias scale for every channel) or a Float32Array with one scale
 * per output channel, as long as `bias`. Inputs are never modified. Throws, naming the argument and the value, when
 * bias is not a non-empty Float32Array of finite values, a scale is not a finite number > 0, the per-channel scales
 * do not match the bias length, a scale product underflows to 0 or has no finite float32 reciprocal, or
 * accumulatorBits is neither 32 nor 64.
 */
export function quantizeBias(bias: Float32Array, inputScale: number, weightScale: number | Float32Array,
  options?: { readonly accumulatorBits?: 32 }): QuantizedBias32;
export function quantizeBias(bias: Float32Array, inputScale: number, weightScale: number | Float32Array,
  options: { readonly accumulatorBits: 64 }): QuantizedBias64;
export function quantizeBias(bias: Float32Array, inputScale: number, weightScale: number | Float32Array,
  options?: QuantizeBiasOptions): QuantizedBias;
export function quantizeBias(bias: Float32Array, inputScale: number, weightScale: number | Float32Array,
  options: QuantizeBiasOptions = {}): QuantizedBias {
  const fn = 'quantizeBias';
  checkBiasAndScales(fn, bias, inputScale, weightScale, 'weightScale');
  check(typeof options === 'object' && options !== null, fn, 'options', options, 'an object or undefined');
  const bits = options.accumulatorBits ?? 32;
  check(bits === 32 || bits === 64, fn, 'options.accumulatorBits', bits, '32 or 64');

  const scale = biasScales(fn, inputScale, weightScale);
  const n = bias.length;
  const limit = 2 ** (bits - 1) - 1; // 2^63 - 1 rounds to 2^63 here; see the int64 comparison below
  const overflow: number[] = [];
  const q = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = scale.length === 1 ? scale[0] : scale[i];
    const inv = Math.fround(1 / s);
    q[i] = roundHalfAwayFromZero(Math.fround(bias[i] * inv));
    // For int64 the double limit is 2^63, one past the largest int64: every q is a float32 value, so |q| >= 2^63
    // is exactly |q| > 2^63 − 1.
    if (bits === 32 ? Math.abs(q[i]) > limit : Math.abs(q[i]) >= limit) overflow.push(i);
  }

  if (bits === 32) {
    const values = new Int32Array(n);
    for (let i = 0; i < n; i++) values[i] = Math.max(-limit, Math.min(limit, q[i]));
    return { accumulatorBits: 32, values, scale, overflow };
  }
  const max64 = (1n << 63n) - 1n;
  const values = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    values[i] = Math.abs(q[i]) >= limit ? (q[i] < 0 ? -max64 : max64) : BigInt(q[i]);
  }
  return { accumulatorBits: 64, values, scale, overflow };
}

/** The result of {@link adjustWeightScalesForBias}. */
export interface AdjustedWeightScales {
  /** New weight scales: a copy of the input with the adjusted entries widened (one entry for a per-tensor scale). */
  readonly weightScales: Float32Array;
  /** The entries of `weightScales` that were widened, in increasing order. */
  readonly adjusted: number[];
}

/**
 * TFLite's remedy for an int32 bias that would not fit, AdjustWeightsForBiasScale in
 * tensorflow/lite/tools/optimize/quantization_utils.cc: instead of clamping the bias it widens the weight scale, so
 * bias / (inputScale · weightScale) moves back into range. Returns NEW weight scales; the weights must then be
 * quantized again with them (each channel loses the resolution its scale gained).
 *
 * TFLite's rule, with K = 2^31 − 1 (the int32 maximum) and 127 the int8 weight maximum:
 * - Per channel (more than one weight scale): a channel is adjusted when |bias_i| >= 0.5 · s_in · w_i · K, i.e.
 *   when the quantized bias would fill more than the middle half of the int32 range (|q_i| >= 2^30), not only when
 *   it overflows. Its weight range becomes max_i = 2·|bias_i| / K · (127 / s_in) and its scale max_i / 127, so
 *   the new scale is 2·|bias_i| / (K · s_in) and the bias lands at about K / 2.
 * - Per tensor (one weight scale): the same test and formula with b = max_i |bias_i| over all channels.
 * The arithmetic follows TFLite's types: s_in, 127 / s_in, the weight range and the final division by 127 are
 * float32; the comparison and 2·|b| / K are double. TFLite applies the same int32 constant to int64 biases; an int64
 * bias of a 16x8 model needs no remedy.
 *
 * `weightScales` is a number (per tensor) or a Float32Array as long as `bias`; a Float32Array of length 1 takes the
 * per-tensor rule, as TFLite decides by the count of scales. Channels that pass the test keep their scale bit for
 * bit. Inputs are never modified. Throws on the same bad input as {@link quantizeBias}.
 */
export function adjustWeightScalesForBias(bias: Float32Array, inputScale: number,
  weightScales: number | Float32Array): AdjustedWeightScales {
  const fn = 'adjustWeightScalesForBias';
  checkBiasAndScales(fn, bias, inputScale, weightScales, 'weightScales');
  const K = 2147483647;
  const sIn = Math.fround(inputScale);
  const rangePerInput = Math.fround(127 / sIn);
  const out = typeof weightScales === 'number' ? Float32Array.of(weightScales) : Float32Array.from(weightScales);
  const adjusted: number[] = [];
  if (out.length > 1) {
    for (let i = 0; i < out.length; i++) {
      const b = Math.abs(bias[i]);
      if (b >= 0.5 * sIn * out[i] * K) {
        const max = Math.fround(2.0 * b / K * rangePerInput);
        out[i] = Math.fround(max / 127);
        adjusted.push(i);
      }
    }
  } else {
    let halfRange = 0;
    for (let i = 0; i < bias.length; i++) halfRange = Math.max(halfRange, Math.abs(bias[i]));
    // TFLite divides the float by the int32 K, which C converts to the float 2^31.
    if (Math.fround(halfRange / 2147483648) >= 0.5 * sIn * out[0]) {
      const max = Math.fround(2.0 * halfRange / K * rangePerInput);
      out[0] = Math.fround(max / 127);
      adjusted.push(0);
    }
  }
  return { weightScales: out, adjusted };
}

function checkBiasAndScales(fn: string, bias: Float32Array, inputScale: number, weightScale: number | Float32Array,
  weightArg: string): void {
  check(bias instanceof Float32Array, fn, 'bias', bias, 'a Float32Array');
  checkFiniteData(fn, 'bias', bias);
  checkPositiveScale(fn, 'inputScale', inputScale);
  if (typeof weightScale === 'number') {
    checkPositiveScale(fn, weightArg, weightScale);
    return;
  }
  check(weightScale instanceof Float32Array, fn, weightArg, weightScale,
    'a number (per tensor) or a Float32Array (per channel)');
  check(weightScale.length === bias.length, fn, weightArg, weightScale,
    `one scale per bias channel: bias has length ${bias.length}`);
  for (let i = 0; i < weightScale.length; i++) {
    const w = weightScale[i];
    if (!(Number.isFinite(w) && w > 0)) {
      throw new QuantscopeArgumentError(fn, weightArg, weightScale, `finite scales > 0, found ${w} at index ${i}`);
    }
  }
}

function checkPositiveScale(fn: string, arg: string, value: unknown): void {
  check(typeof value === 'number' && Number.isFinite(value) && Math.fround(value) > 0, fn, arg, value,
    'a finite number > 0 that float32 does not round to 0');
}

/** float32(float32(inputScale) · w_i), checked to be usable: finite, positive, with a finite float32 reciprocal. */
function biasScales(fn: string, inputScale: number, weightScale: number | Float32Array): Float32Array {
  const sIn = Math.fround(inputScale);
  const scale = typeof weightScale === 'number'
    ? Float32Array.of(sIn * Math.fround(weightScale))
    : Float32Array.from(weightScale, (w) => sIn * w);
  for (let i = 0; i < scale.length; i++) {
    if (!(scale[i] > 0 && Number.isFinite(scale[i]) && Number.isFinite(Math.fround(1 / scale[i])))) {
      throw new QuantscopeArgumentError(fn, 'weightScale', weightScale,
        `scales whose product with inputScale (${inputScale}) is a finite float32 > 0 with a finite reciprocal; ` +
        `channel ${i} gives ${scale[i]}`);
    }
  }
  return scale;
}
