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

/** Adds one batch: the reductions run on the backend and come back in a single read. */
export function addErrorSums(acc: ErrorSums, f: tf.Tensor, q: tf.Tensor): ErrorSums {
  const reduced = tf.tidy(() => {
    const d = tf.sub(f, q);
    return tf.stack([tf.sum(d), tf.sum(tf.square(d)), tf.max(tf.abs(d)), tf.sum(tf.square(f)), tf.sum(tf.square(q)), tf.sum(tf.mul(f, q))]);
  });
  const [sd, sd2, mx, sf2, sq2, sfq] = reduced.dataSync();
  reduced.dispose();
  return {
    count: acc.count + f.size,
    sumDiff: acc.sumDiff + sd,
    sumDiff2: acc.sumDiff2 + sd2,
    maxAbsDiff: Math.max(acc.maxAbsDiff, mx),
    sumF2: acc.sumF2 + sf2,
    sumQ2: acc.sumQ2 + sq2,
    sumFQ: acc.sumFQ + sfq,
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
    cosine_similarity: s.sumF2 === 0 || s.sumQ2 === 0 ? null : s.sumFQ / Math.sqrt(s.sumF2 * s.sumQ2),
  };
}
