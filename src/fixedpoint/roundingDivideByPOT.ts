import { checkInt } from '../errors';
import { checkInt32 } from './int32';
import { rdbpot } from './kernels';

/**
 * gemmlowp's RoundingDivideByPOT (fixedpoint/fixedpoint.h): x / 2^exponent rounded to nearest, ties away from zero,
 * computed with int32 bit operations only.
 *
 *   mask      = 2^exponent − 1
 *   remainder = x & mask                            the low bits, two's complement
 *   threshold = (mask >> 1) + (x < 0 ? 1 : 0)
 *   result    = (x >> exponent) + (remainder > threshold ? 1 : 0)
 *
 * The arithmetic shift floors; the threshold is one larger for negative x, which turns the tie of a negative x
 * downward (away from zero). exponent = 0 returns x; exponent = 31 gives -1, 0 or 1. Throws when x is not an int32
 * or exponent is not an integer in 0..31 (gemmlowp asserts the same range).
 */
export function roundingDivideByPOT(x: number, exponent: number): number {
  const fn = 'roundingDivideByPOT';
  checkInt32(fn, 'x', x);
  checkInt(fn, 'exponent', exponent, 0, 31);
  return rdbpot(x, exponent);
}
