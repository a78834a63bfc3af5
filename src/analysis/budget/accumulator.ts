/**
 * A narrow integer accumulator, modelled as a two's-complement register that wraps (as int32 registers do in C,
 * and as SIMD lanes without saturation do). Wrapping makes the final value the exact sum modulo 2^bits whatever
 * order the terms are added in and however the zero point is folded in, so an output is wrong exactly when its
 * exact sum (bias included) lies outside the register: that is what counts as one overflow event here. Saturating
 * accumulators (x86's pmaddubsw pairs, for one) depend on the summation order and are not modelled.
 */

/** The smallest two's-complement width holding every integer in [min, max] (1 for [0, 0]). */
export function signedBits(min: number, max: number): number {
  let bits = 1;
  while (min < -(2 ** (bits - 1)) || max > 2 ** (bits - 1) - 1) bits++;
  return bits;
}

/**
 * The width of the widest single product an accumulator adds: |x − zp| ≤ 255 for int8 activations (asymmetric, any
 * zero point), |x| ≤ 32768 for int16 (symmetric), times |w| ≤ 2^(b−1) − 1 for symmetric b-bit weights. int8 × int8
 * gives 16 bits, 16x8 gives 23. An accumulator narrower than this cannot hold even one term.
 */
export function productBits(precision: 'int8' | 'int16', weightBits: number): number {
  const p = (precision === 'int8' ? 255 : 32768) * (2 ** (weightBits - 1) - 1);
  return signedBits(-p, p);
}

/** The widest accumulator a layer's requantization takes: int32 for int8 layers, int64 for 16x8 layers. */
export function maxAccumulatorBits(precision: 'int8' | 'int16'): number {
  return precision === 'int8' ? 32 : 64;
}

/** v modulo 2^bits, into [−2^(bits−1), 2^(bits−1)); v itself when it fits (also for non-integer v). */
export function wrapValue(v: number, bits: number): number {
  const half = 2 ** (bits - 1);
  if (v >= -half && v < half) return v;
  const full = 2 * half;
  return v - full * Math.floor((v + half) / full);
}

/** What a batch of exact sums did in the register. */
export interface WrapStats {
  /** Sums outside the register (each comes out wrong). */
  readonly overflows: number;
  /** The extremes of the exact sums. */
  readonly min: number;
  readonly max: number;
}

/**
 * Wraps exact integer sums (|v| < 2^53) into a `bits`-wide register, in place, and reports the overflows and the
 * extremes of the exact sums. An Int32Array target receives values that fit it when bits ≤ 32.
 */
export function wrapAccumulators(values: Int32Array | Float64Array, bits: number): WrapStats {
  let overflows = 0;
  let min = Infinity;
  let max = -Infinity;
  const half = 2 ** (bits - 1);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
    if (v < -half || v >= half) {
      overflows++;
      values[i] = wrapValue(v, bits);
    }
  }
  return { overflows, min, max };
}
