import * as tf from '@tensorflow/tfjs-core';

/** Running sums of a float tensor f and its quantized counterpart q, d = f - q, accumulated over batches. */
export interface ErrorSums {
  readonly count: number;
  readonly sumDiff: number;
  readonly sumDiff2: number;
  readonly maxAbsDiff: number;
  readonly sumF2: number;
  readonly sumQ2: number;
  readonly sumFQ: number;
}

export const EMPTY_SUMS: ErrorSums = { count: 0, sumDiff: 0, sumDiff2: 0, maxAbsDiff: 0, sumF2: 0, sumQ2: 0, sumFQ: 0 };

/**
 * Adds one batch, accumulating in float64 on the host: float32 reductions on the backend lose about 1e-4 relative
 * over a few hundred thousand elements, which is enough to push a cosine similarity above 1.
 */
export function addErrorSums(acc: ErrorSums, f: tf.Tensor, q: tf.Tensor): ErrorSums {
  const fd = f.dataSync();
  const qd = q.dataSync();
  let sumDiff = 0;
  let sumDiff2 = 0;
  let maxAbs = acc.maxAbsDiff;
  let sumF2 = 0;
  let sumQ2 = 0;
  let sumFQ = 0;
  for (let i = 0; i < fd.length; i++) {
    const a = fd[i];
    const b = qd[i];
    const d = a - b;
    sumDiff += d;
    sumDiff2 += d * d;
    const m = d < 0 ? -d : d;
    if (m > maxAbs) maxAbs = m;
    sumF2 += a * a;
    sumQ2 += b * b;
    sumFQ += a * b;
  }
  return {
    count: acc.count + fd.length,
    sumDiff: acc.sumDiff + sumDiff,
    sumDiff2: acc.sumDiff2 + sumDiff2,
    maxAbsDiff: maxAbs,
    sumF2: acc.sumF2 + sumF2,
    sumQ2: acc.sumQ2 + sumQ2,
    sumFQ: acc.sumFQ + sumFQ,
  };
}

/**
 * The error statistics of TFLite's quantization debugger, and the usual similarity measures, of d = float - quantized:
 *   mean_error = mean(d), mean_squared_error = mean(d^2), stddev = sqrt(mse - mean^2), max_abs_error = max |d|,
 *   rmse_over_scale = sqrt(mse) / scale (about 0.29 = sqrt(1/12) when the error is pure rounding on that grid;
 *   null for a tensor with no grid), sqnr_db = 10 log10(sum f^2 / sum d^2), normalized_l2 = ||d|| / ||f||,
 *   cosine_similarity = <f, q> / (||f|| ||q||).
 * Edge cases: no error gives sqnr_db = Infinity and normalized_l2 = 0; an all-zero float tensor gives
 * normalized_l2 and cosine null (undefined), and sqnr_db -Infinity when there is error.
 */
export interface ErrorStats {
  readonly num_elements: number;
  readonly mean_error: number;
  readonly stddev: number;
  readonly max_abs_error: number;
  readonly mean_squared_error: number;
  readonly rmse_over_scale: number | null;
  readonly sqnr_db: number;
  readonly normalized_l2: number | null;
  readonly cosine_similarity: number | null;
}

export function errorStats(s: ErrorSums, scale: number | null): ErrorStats {
  const n = Math.max(1, s.count);
  const mean = s.sumDiff / n;
  const mse = s.sumDiff2 / n;
  const noError = s.sumDiff2 === 0;
  return {
    num_elements: s.count,
    mean_error: mean,
    stddev: Math.sqrt(Math.max(0, mse - mean * mean)),
    max_abs_error: s.maxAbsDiff,
    mean_squared_error: mse,
    rmse_over_scale: scale === null ? null : Math.sqrt(mse) / scale,
    sqnr_db: noError ? Infinity : s.sumF2 === 0 ? -Infinity : 10 * Math.log10(s.sumF2 / s.sumDiff2),
    normalized_l2: s.sumF2 === 0 ? (noError ? 0 : null) : Math.sqrt(s.sumDiff2 / s.sumF2),
    cosine_similarity: s.sumF2 === 0 || s.sumQ2 === 0 ? null : Math.min(1, Math.max(-1, s.sumFQ / Math.sqrt(s.sumF2 * s.sumQ2))),
  };
}
