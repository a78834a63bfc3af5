import { check } from '../errors';

/**
 * A real multiplier in TFLite's fixed-point form: real ≈ multiplier · 2^(shift − 31), `multiplier` a Q0.31 number in
 * [2^30, 2^31) (or 0), `shift` positive for a left shift and negative for a right shift.
 */
export interface QuantizedMultiplier {
  readonly multiplier: number;
  readonly shift: number;
}

/** Options of {@link quantizeMultiplier}. */
export interface QuantizeMultiplierOptions {
  /**
   * Apply the extra rule of TFLite builds with TFLITE_SINGLE_ROUNDING: a shift above 30 is saturated to shift 30 and
   * multiplier 2^31 − 1, because the single-rounding kernel computes 31 − shift as a right shift of at least 1.
   * Default false (TFLite's default double-rounding build).
   */
  readonly singleRounding?: boolean;
}

/**
 * TFLite's QuantizeMultiplier (tensorflow/lite/kernels/internal/quantization_util.cc), transcribed exactly:
 *
 *   (q, shift) = frexp(real)                q in [0.5, 1), real = q · 2^shift
 *   multiplier = roundHalfAwayFromZero(q · 2^31)    in [2^30, 2^31]
 *   if multiplier == 2^31: multiplier = 2^30, shift += 1
 *   if shift < −31:        multiplier = 0, shift = 0
 *   singleRounding and shift > 30: multiplier = 2^31 − 1, shift = 30
 *
 * so that real = multiplier · 2^(shift − 31) up to |error| ≤ 2^(shift − 32), a relative error of at most 2^−31.
 * It covers TFLite's QuantizeMultiplierSmallerThanOneExp (real in (0, 1) gives shift ≤ 0) and
 * QuantizeMultiplierGreaterThanOne (real > 1 gives shift ≥ 1): both only add range checks around this function.
 *
 * Edge cases: real = 0 (or −0) gives { multiplier: 0, shift: 0 }. Tiny multipliers are flushed to zero: the flush
 * happens below 2^−32 − 2^−64, not below 2^−31 as TFLite's own comment says, since frexp gives shift −31 on all of
 * [2^−32, 2^−31) and a value just under 2^−32 rounds up into it. Without `singleRounding`, reals from 2^30 − 2^−2
 * up give shifts above 30, which the multiply functions here reject (TFLite would compute 1 << 31 or more, undefined
 * behaviour in C). Negative, NaN and infinite multipliers are rejected: TFLite does not check, and its
 * requantization kernels assume a non-negative multiplier.
 */
export function quantizeMultiplier(realMultiplier: number,
  options: QuantizeMultiplierOptions = {}): QuantizedMultiplier {
  const fn = 'quantizeMultiplier';
  check(typeof realMultiplier === 'number' && Number.isFinite(realMultiplier) && realMultiplier >= 0, fn,
    'realMultiplier', realMultiplier, 'a finite number >= 0');
  check(typeof options === 'object' && options !== null, fn, 'options', options, 'an object or undefined');
  const single = options.singleRounding ?? false;
  check(typeof single === 'boolean', fn, 'options.singleRounding', single, 'a boolean or undefined');
  return quantizeMultiplierUnchecked(realMultiplier, single);
}

/**
 * {@link quantizeMultiplier} over an array of per-channel multipliers (TFLite's QuantizeMultiplierArray), returning
 * the multipliers and shifts as two Int32Arrays of the input's length, ready for `requantize`. An empty input gives
 * two empty arrays. The error for a bad element names its index.
 */
export function quantizeMultiplierArray(
  realMultipliers: ArrayLike<number>,
  options: QuantizeMultiplierOptions = {},
): { multiplier: Int32Array; shift: Int32Array } {
  const fn = 'quantizeMultiplierArray';
  check(realMultipliers !== null && typeof realMultipliers === 'object' && typeof realMultipliers.length === 'number',
    fn, 'realMultipliers', realMultipliers, 'an array or typed array of numbers');
  check(typeof options === 'object' && options !== null, fn, 'options', options, 'an object or undefined');
  const single = options.singleRounding ?? false;
  check(typeof single === 'boolean', fn, 'options.singleRounding', single, 'a boolean or undefined');
  const n = realMultipliers.length;
  const multiplier = new Int32Array(n);
  const shift = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = realMultipliers[i];
    check(typeof r === 'number' && Number.isFinite(r) && r >= 0, fn, 'realMultipliers', realMultipliers,
      `finite numbers >= 0, found ${r} at index ${i}`);
    const q = quantizeMultiplierUnchecked(r, single);
    multiplier[i] = q.multiplier;
    shift[i] = q.shift;
  }
  return { multiplier, shift };
}

const TWO_POW_31 = 2147483648;
// Below this every value has frexp shift <= -33, which even after the round-up step stays below -31 and flushes;
// returning early also keeps subnormals (whose exponent bits read 0) away from frexp.
const FLUSH_BELOW = 2 ** -33;

function quantizeMultiplierUnchecked(real: number, singleRounding: boolean): QuantizedMultiplier {
  if (real === 0 || real < FLUSH_BELOW) return { multiplier: 0, shift: 0 };
  const { fraction, exponent } = frexp(real);
  // fraction · 2^31 is exact (a power-of-two scaling) and below 2^31, so Math.round is the exact half-away rounding
  // of a positive number: no double rounding sneaks in here.
  let q = Math.round(fraction * TWO_POW_31);
  let shift = exponent;
  if (q === TWO_POW_31) {
    q = TWO_POW_31 / 2;
    shift += 1;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  if (singleRounding && shift > 30) return { multiplier: TWO_POW_31 - 1, shift: 30 };
  return { multiplier: q, shift };
}

/**
 * C's frexp for a positive normal double: x = fraction · 2^exponent with fraction in [0.5, 1). Read from the bits
 * rather than Math.log2, which is not exact near powers of two.
 */
function frexp(x: number): { fraction: number; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const biased = (hi >>> 20) & 0x7ff;
  // Rewrite the exponent field to 1022 (2^-1) so the significand reads as a value in [0.5, 1).
  view.setUint32(0, (hi & 0x800fffff) | (1022 << 20));
  return { fraction: view.getFloat64(0), exponent: biased - 1022 };
}
