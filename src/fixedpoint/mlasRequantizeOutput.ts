import { check, checkInt } from '../errors';
import { checkInt32 } from './int32';
import { mlas } from './kernels';

/**
 * ONNX Runtime's float-scale requantization of one int32 accumulator, MlasRequantizeOutput
 * (onnxruntime/core/mlas/lib/quantize.cpp, the SSE2, NEON, POWER and scalar paths agree):
 *
 *   v = fround(fround(acc) · fround(scale))        int32 -> float32 (round to nearest even), then a float32 product
 *   v = min(max(v, float(qmin − zp)), float(qmax − zp))
 *   y = roundHalfToEven(v) + zp                       _mm_cvtps_epi32 / vcvtnq_s32_f32 / the 1.5·2^23 magic add
 *   y = clamp(y, qmin, qmax)                        the saturating pack to the output type
 *
 * MLAS clamps to the output type's range ([−128, 127] or [0, 255]); pass a tighter [qmin, qmax] for a fused
 * ReLU/ReLU6, which gives what a following clip would. Because the bounds are integers, clamping before or after
 * the rounding gives the same value. The accumulator is rounded to float32 first, so accumulators beyond 2^24 lose
 * their low bits, as in MLAS. A float32 product that overflows to ±Infinity clamps to the bound.
 *
 * Throws when acc or zeroPoint is not an int32, scale is not a finite number >= 0 whose float32 rounding is
 * finite, or qmin, qmax are not int32 with qmin <= qmax.
 */
export function mlasRequantizeOutput(acc: number, scale: number, zeroPoint: number, qmin: number,
  qmax: number): number {
  const fn = 'mlasRequantizeOutput';
  checkInt32(fn, 'acc', acc);
  checkMlasScale(fn, 'scale', scale);
  checkInt32(fn, 'zeroPoint', zeroPoint);
  checkInt32(fn, 'qmin', qmin);
  checkInt32(fn, 'qmax', qmax);
  checkInt(fn, 'qmax', qmax, qmin, 2147483647);
  return mlas(acc, Math.fround(scale), Math.fround(qmin - zeroPoint), Math.fround(qmax - zeroPoint), zeroPoint, qmin,
    qmax) | 0;
}

/** A float scale MLAS can use: finite, >= 0, and still finite once rounded to float32. */
export function checkMlasScale(fn: string, arg: string, scale: unknown): asserts scale is number {
  check(typeof scale === 'number' && Number.isFinite(Math.fround(scale)) && scale >= 0, fn, arg, scale,
    'a finite number >= 0 that float32 can hold (at most 3.4028234663852886e38)');
}
