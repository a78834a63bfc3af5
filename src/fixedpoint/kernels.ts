import { INT32_MAX, INT32_MIN } from './int32';
import { ROUND_MAGIC } from '../rounding';

/**
 * The unchecked arithmetic behind the fixed-point functions, shared by the checked scalar functions and the
 * vectorised `requantize` so both compute with the same code. Not part of the public API: arguments must already
 * satisfy the documented ranges.
 *
 * JS numbers carry 53 bits, so a 32x32-bit product (up to 62 bits) is not exact. Each kernel splits one factor into
 * 16-bit halves, m = mh · 2^16 + ml, so both partial products x · mh and x · ml stay below 2^47 and are exact; the
 * carries between them are then taken with exact power-of-two scalings and Math.floor. No BigInt on this path.
 */

const TWO_POW_15 = 32768;
const TWO_POW_16 = 65536;
const TWO_POW_30 = 1073741824;
const TWO_POW_31 = 2147483648;
const TWO_POW_32 = 4294967296;
// Multiplying by these is exact (powers of two) and much cheaper than dividing.
const TWO_POW_M15 = 2 ** -15;
const TWO_POW_M16 = 2 ** -16;
const TWO_POW_M31 = 2 ** -31;
const TWO_POW_M32 = 2 ** -32;

// 2^k for k in -64..64, read as POW2[k + 64]: a table lookup instead of Math.pow in the element loops. Written once
// here and never after.
const POW2 = Float64Array.from({ length: 129 }, (_, i) => 2 ** (i - 64));

/** The high half of b for the split b = bh · 2^16 + bl (arithmetic, so bh is negative for negative b). */
export function splitHigh(b: number): number {
  return b >> 16;
}

/** The low half of b for the split b = bh · 2^16 + bl, in [0, 2^16). */
export function splitLow(b: number): number {
  return b & 0xffff;
}

/**
 * trunc((a·b + nudge) / 2^31) with nudge = 2^30 if a·b >= 0 else 1 − 2^30, for int32 a and b = bh · 2^16 + bl,
 * excluding a = b = INT32_MIN. `productNonNegative` says whether a·b >= 0.
 */
export function srdhmSplit(a: number, bh: number, bl: number, productNonNegative: boolean): number {
  const p1 = a * bh; // |p1| <= 2^46
  const p0 = a * bl; // |p0| <  2^47
  const nudge = productNonNegative ? TWO_POW_30 : 1 - TWO_POW_30;
  // a·b + nudge = p1·2^16 + p0 + nudge. Write p1 = p1h·2^15 + p1l so that the sum is p1h·2^31 + r with r small
  // enough (|r| < 2^48) to be exact; floor(sum / 2^31) is then p1h + floor(r / 2^31).
  const p1h = Math.floor(p1 * TWO_POW_M15);
  const r = (p1 - p1h * TWO_POW_15) * TWO_POW_16 + p0 + nudge;
  const rh = Math.floor(r * TWO_POW_M31);
  const floorQuotient = p1h + rh;
  // C's '/' truncates toward zero: a negative quotient with a remainder moves up by one.
  const exact = r === rh * TWO_POW_31;
  return (floorQuotient < 0 && !exact ? floorQuotient + 1 : floorQuotient) | 0;
}

/** gemmlowp's SaturatingRoundingDoublingHighMul for any int32 a and b. */
export function srdhm(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  // The rounded double product has the sign of the exact one, and is +-0 only when the exact one is 0.
  return srdhmSplit(a, splitHigh(b), splitLow(b), a * b >= 0);
}

/** gemmlowp's RoundingDivideByPOT for int32 x and exponent in 0..31; int32 operators are C's here. */
export function rdbpot(x: number, exponent: number): number {
  // (1 << 31) - 1 is -2^31 - 1 in JS; '| 0' wraps it to 2^31 - 1 exactly as C's int32 mask.
  const mask = ((1 << exponent) - 1) | 0;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return ((x >> exponent) + (remainder > threshold ? 1 : 0)) | 0;
}

/**
 * TFLite's double-rounding MultiplyByQuantizedMultiplier for int32 x and a multiplier m = mh · 2^16 + ml in
 * [0, 2^31): RDBPOT(SRDHM(sat32(x · leftFactor), m), rightShift), with leftFactor = 2^max(shift, 0) and
 * rightShift = max(−shift, 0). The left shift saturates to int32 where C would overflow.
 */
export function mbqmDouble(x: number, mh: number, ml: number, leftFactor: number, rightShift: number): number {
  let xs = x * leftFactor; // exact: |x · 2^30| < 2^62 is a power-of-two scaling
  if (xs > INT32_MAX) xs = INT32_MAX;
  else if (xs < INT32_MIN) xs = INT32_MIN;
  // m >= 0, so xs · m >= 0 exactly when xs >= 0 or m == 0; for m == 0 either nudge truncates to 0, so xs >= 0
  // alone picks a correct nudge. INT32_MIN · INT32_MIN cannot occur since m >= 0.
  return rdbpot(srdhmSplit(xs, mh, ml, xs >= 0), rightShift);
}

/**
 * TFLite's single-rounding MultiplyByQuantizedMultiplier for int32 x and a multiplier m = mh · 2^16 + ml in
 * [0, 2^31): sat32(floor((x·m + 2^(totalShift−1)) / 2^totalShift)), totalShift = 31 − shift in 1..62.
 */
export function mbqmSingle(x: number, mh: number, ml: number, totalShift: number): number {
  const p1 = x * mh; // |p1| < 2^46
  const p0 = x * ml; // |p0| < 2^47
  // x·m = p1·2^16 + p0 as hi·2^32 + lo with lo in [0, 2^32): a two-word int64, every step exact.
  const p1h = Math.floor(p1 * TWO_POW_M16);
  const s = (p1 - p1h * TWO_POW_16) * TWO_POW_16 + p0;
  const sh = Math.floor(s * TWO_POW_M32);
  let lo = s - sh * TWO_POW_32;
  let hi = p1h + sh;
  let q: number;
  if (totalShift <= 32) {
    lo += POW2[totalShift - 1 + 64];
    if (lo >= TWO_POW_32) {
      lo -= TWO_POW_32;
      hi += 1;
    }
    // hi · 2^(32 − totalShift) is exact (a power-of-two scaling); if it is too large to add exactly, the result is
    // far outside int32 and saturates anyway.
    q = hi * POW2[32 - totalShift + 64] + Math.floor(lo * POW2[64 - totalShift]);
  } else {
    // The low word is below one unit of the result and cannot carry past a multiple of 2^(totalShift − 32).
    q = Math.floor((hi + POW2[totalShift - 33 + 64]) * POW2[96 - totalShift]);
  }
  return (q > INT32_MAX ? INT32_MAX : q < INT32_MIN ? INT32_MIN : q) | 0;
}

/**
 * MLAS's requantization of one accumulator with a float32 scale, bounds lo = float(qmin − zp), hi = float(qmax − zp):
 * clamp(roundHalfToEven(clamp(fround(fround(acc) · scale), lo, hi)) + zp, qmin, qmax). The last clamp stands for the
 * saturating pack MLAS ends with.
 */
export function mlas(acc: number, scale: number, lo: number, hi: number, zeroPoint: number, qmin: number,
  qmax: number): number {
  let v = Math.fround(Math.fround(acc) * scale);
  v = v < lo ? lo : v > hi ? hi : v;
  // |v| <= 2^31 here, where adding and subtracting 1.5 · 2^52 rounds to an integer with ties to even.
  const y = v + ROUND_MAGIC - ROUND_MAGIC + zeroPoint;
  return y < qmin ? qmin : y > qmax ? qmax : y;
}
