import { checkInt32 } from './int32';
import { srdhm } from './kernels';

/**
 * gemmlowp's SaturatingRoundingDoublingHighMul (fixedpoint/fixedpoint.h), the scalar form of ARM's VQRDMULH: the
 * high 32 bits of 2·a·b, rounded to nearest.
 *
 *   ab     = a · b                                  exact, as int64
 *   nudge  = ab >= 0 ? 2^30 : 1 − 2^30
 *   result = trunc((ab + nudge) / 2^31)             C's '/', truncating toward zero
 *
 * which equals floor((ab + 2^30) / 2^31): ties round toward +Infinity (0.5 -> 1 but −0.5 -> 0), exactly as VQRDMULH,
 * not away from zero. The negative-side nudge 1 − 2^30 only compensates for C's truncating division. The one product
 * that does not fit, INT32_MIN · INT32_MIN (result 2^31), saturates to INT32_MAX.
 * Exact for every pair of int32 values; throws when a or b is not an int32.
 */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  const fn = 'saturatingRoundingDoublingHighMul';
  checkInt32(fn, 'a', a);
  checkInt32(fn, 'b', b);
  return srdhm(a, b);
}
