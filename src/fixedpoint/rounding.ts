/**
 * The two ways deployment runtimes round a real number to an integer. TFLite's TfLiteRound is std::round (ties away
 * from zero); ONNX Runtime's MLAS converts with the FPU default mode (ties to even). They differ only on exact ties.
 */

/**
 * Rounds to the nearest integer, ties to even (IEEE roundTiesToEven, what `_mm_cvtps_epi32`, `vcvtnq_s32_f32` and
 * C's `nearbyint` do): roundHalfEven(2.5) = 2, roundHalfEven(3.5) = 4, roundHalfEven(-2.5) = -2.
 * NaN and ±Infinity are returned unchanged. A zero result is +0 whatever the sign of x (−0.4 gives 0), so that
 * results compare equal to integers under Object.is.
 */
export function roundHalfEven(x: number): number {
  // Adding 1.5 · 2^52 leaves no fractional bits, so the FPU rounds (ties to even) right there; for |x| >= 2^51
  // every double is already an integer or a half that the same addition would misplace, hence the fallback.
  if (x > -2251799813685248 && x < 2251799813685248) return x + ROUND_MAGIC - ROUND_MAGIC;
  const r = Math.round(x);
  return r - x === 0.5 && r - 2 * Math.floor(r / 2) !== 0 ? r - 1 : r;
}

/** 1.5 · 2^52: x + ROUND_MAGIC − ROUND_MAGIC is x rounded to an integer, ties to even, for |x| < 2^51. */
export const ROUND_MAGIC = 6755399441055744;

/**
 * Rounds to the nearest integer, ties away from zero (C's std::round, TFLite's TfLiteRound):
 * roundHalfAway(2.5) = 3, roundHalfAway(-2.5) = -3. NaN and ±Infinity are returned unchanged.
 */
export function roundHalfAway(x: number): number {
  // Math.round is exact (no x + 0.5 cancellation), and |x| moves every tie onto its +Infinity side.
  return x < 0 ? -Math.round(-x) : Math.round(x);
}
