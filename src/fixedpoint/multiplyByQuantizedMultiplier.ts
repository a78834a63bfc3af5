import { checkInt } from '../errors';
import { INT32_MAX, checkInt32 } from './int32';
import { mbqmDouble, mbqmSingle, splitHigh, splitLow } from './kernels';

/**
 * TFLite's MultiplyByQuantizedMultiplier in its default (double-rounding) build, tensorflow/lite/kernels/internal/
 * common.cc: x · multiplier · 2^(shift − 31), rounded twice.
 *
 *   leftShift  = max(shift, 0),  rightShift = max(−shift, 0)
 *   result     = RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x · 2^leftShift, multiplier), rightShift)
 *
 * Both steps round to nearest, the first with ties toward +Infinity, the second with ties away from zero, so the
 * result can differ by one from round(x · multiplier · 2^(shift − 31)) (the known double-rounding error).
 *
 * Overflow decision: where x · 2^leftShift does not fit int32, C has undefined behaviour (the hardware wraps and
 * the result is garbage). Here the product saturates to INT32_MIN or INT32_MAX. Since multiplier >= 2^30 for any
 * normalized multiplier, a saturated input gives a result of magnitude >= 2^29, beyond any 8- or 16-bit clamp,
 * so the clamped output is the one exact arithmetic would give. Without overflow the result is bit-exact with TFLite.
 *
 * Throws when x is not an int32, multiplier is not an integer in 0..2^31 − 1, or shift is not an integer in
 * −31..30 (a left shift of 31 or more is undefined in C).
 */
export function multiplyByQuantizedMultiplierDoubleRounding(x: number, multiplier: number, shift: number): number {
  const fn = 'multiplyByQuantizedMultiplierDoubleRounding';
  checkArgs(fn, x, multiplier, shift);
  return mbqmDouble(x, splitHigh(multiplier), splitLow(multiplier), 2 ** Math.max(shift, 0), Math.max(-shift, 0));
}

/**
 * TFLite's MultiplyByQuantizedMultiplier when built with TFLITE_SINGLE_ROUNDING, tensorflow/lite/kernels/internal/
 * common.cc: one rounding, half up (toward +Infinity) on ties.
 *
 *   totalShift = 31 − shift                          in 1..62
 *   result     = (x · multiplier + 2^(totalShift − 1)) >> totalShift      int64, arithmetic shift (floor)
 *
 * Overflow decision: the int64 expression never overflows, but its result need not fit int32 (shift near 30 with a
 * large x). TFLite only checks that in debug builds and otherwise truncates to the low 32 bits; here the result
 * saturates to INT32_MIN or INT32_MAX, so a later clamp gives the exact answer. Bit-exact with TFLite whenever the
 * result fits.
 *
 * Throws when x is not an int32, multiplier is not an integer in 0..2^31 − 1 (TFLite checks multiplier >= 0), or
 * shift is not an integer in −31..30 (TFLite checks the same range).
 */
export function multiplyByQuantizedMultiplierSingleRounding(x: number, multiplier: number, shift: number): number {
  const fn = 'multiplyByQuantizedMultiplierSingleRounding';
  checkArgs(fn, x, multiplier, shift);
  return mbqmSingle(x, splitHigh(multiplier), splitLow(multiplier), 31 - shift);
}

function checkArgs(fn: string, x: number, multiplier: number, shift: number): void {
  checkInt32(fn, 'x', x);
  checkInt(fn, 'multiplier', multiplier, 0, INT32_MAX);
  checkInt(fn, 'shift', shift, -31, 30);
}
