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

/** Round half to even (banker's rounding), exact for every double. */
export function roundHalfToEven(x: number): number {
  const r = Math.round(x); // half toward +Inf
  // Math.round moved a negative or positive tie up; a tie is where r - x is exactly 0.5.
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Round half away from zero (C's std::round), exact for every double. */
export function roundHalfAwayFromZero(x: number): number {
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
