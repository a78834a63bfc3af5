/**
 * How a deployment runtime turns a real value into an integer code. They differ in two places, and either can move
 * a code by one step at exact ties:
 * - `tflite`: q = roundHalfAwayFromZero(x / scale) + zeroPoint (TFLite's reference AffineQuantize, float32 division).
 * - `onnx`: q = roundHalfToEven(x / scale) + zeroPoint (ONNX QuantizeLinear, float32 division).
 * - `pytorch`: q = roundHalfToEven(x * (1 / scale)) + zeroPoint, the reciprocal taken in float32 (PyTorch's
 *   quantize_per_tensor and fake_quantize kernels).
 * In every profile the result is then clamped to [qmin, qmax].
 */
export type RoundingProfile = 'tflite' | 'onnx' | 'pytorch';

export const roundingProfiles: readonly RoundingProfile[] = ['tflite', 'onnx', 'pytorch'];

/**
 * Rounds to the nearest integer, ties to even (IEEE roundTiesToEven: C's nearbyint, `_mm_cvtps_epi32`,
 * `vcvtnq_s32_f32`, ONNX and PyTorch): 2.5 -> 2, 3.5 -> 4, -2.5 -> -2. NaN and +-Infinity are returned unchanged;
 * a zero result is +0 whatever the sign of x, so results compare equal to integers under Object.is.
 */
export function roundHalfToEven(x: number): number {
  // Adding 1.5 * 2^52 leaves no fractional bits, so the FPU rounds (ties to even) right there; for |x| >= 2^51
  // every double is already an integer or a half that the same addition would misplace, hence the fallback.
  if (x > -2251799813685248 && x < 2251799813685248) return x + ROUND_MAGIC - ROUND_MAGIC;
  const r = Math.round(x);
  return r - x === 0.5 && r - 2 * Math.floor(r / 2) !== 0 ? r - 1 : r;
}

/** 1.5 * 2^52: x + ROUND_MAGIC - ROUND_MAGIC is x rounded to an integer, ties to even, for |x| < 2^51. */
export const ROUND_MAGIC = 6755399441055744;

/**
 * Rounds to the nearest integer, ties away from zero (C's std::round, TFLite's TfLiteRound): 2.5 -> 3, -2.5 -> -3.
 * NaN and +-Infinity are returned unchanged.
 */
export function roundHalfAwayFromZero(x: number): number {
  // Math.round is exact (no x + 0.5 cancellation), and |x| moves every tie onto its +Infinity side.
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * The unclamped integer (before adding the zero point) that `profile` gives for x with the given float32 scale.
 * Every arithmetic step is rounded to float32 as the runtimes compute it.
 */
export function roundToGrid(x: number, scale: number, profile: RoundingProfile): number {
  switch (profile) {
    case 'tflite':
      return roundHalfAwayFromZero(Math.fround(x / scale));
    case 'onnx':
      return roundHalfToEven(Math.fround(x / scale));
    case 'pytorch':
      return roundHalfToEven(Math.fround(x * Math.fround(1 / scale)));
  }
}
