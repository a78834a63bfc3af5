/**
 * Slow float64 references for src/views/histogram_error.ts. Nothing here shares code with it: no antiderivative of
 * the rounding error, no closed form per bin.
 *   sampleQuantErrorRef      quantizes raw samples one by one (the truth the histogram estimates)
 *   piecewiseQuantErrorRef   the histogram with each bin uniform, cut at every grid midpoint and integrated piece by
 *                            piece, each piece against its one grid point
 */

export interface QuantErrorRef {
  readonly clipping: number;
  readonly rounding: number;
}

/** The grid's ends: symmetric [-a, a] (or [0, a] when min >= 0), asymmetric widened to contain 0. */
function gridEnds(min: number, max: number, symmetric: boolean): [number, number] {
  if (symmetric) {
    const a = Math.max(Math.abs(min), Math.abs(max));
    return [min >= 0 ? 0 : -a, a];
  }
  return [Math.min(min, 0), Math.max(max, 0)];
}

/** Mean squared clipping and rounding error of quantizing each sample to the grid. */
export function sampleQuantErrorRef(samples: ArrayLike<number>, min: number, max: number, bits: number,
  symmetric: boolean): QuantErrorRef {
  const [lo, hi] = gridEnds(min, max, symmetric);
  const step = (hi - lo) / (2 ** bits - 1);
  let clipping = 0;
  let rounding = 0;
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i];
    if (x < lo) clipping += (x - lo) * (x - lo);
    else if (x > hi) clipping += (x - hi) * (x - hi);
    else {
      const q = lo + Math.round((x - lo) / step) * step;
      rounding += (x - q) * (x - q);
    }
  }
  return { clipping: clipping / samples.length, rounding: rounding / samples.length };
}

/** Counts of samples per bin [edges[i], edges[i + 1]), the last bin closed; samples outside are dropped. */
export function histogramRef(samples: ArrayLike<number>, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i];
    if (!(x >= edges[0] && x <= edges[edges.length - 1])) continue;
    let left = 0; // largest j with edges[j] <= x, by bisection
    let right = counts.length - 1;
    while (left < right) {
      const mid = Math.ceil((left + right) / 2);
      if (edges[mid] <= x) left = mid;
      else right = mid - 1;
    }
    counts[left]++;
  }
  return counts;
}

/** integral over [a, b] of (x - c)^2 dx. */
function squareIntegral(a: number, b: number, c: number): number {
  return ((b - c) ** 3 - (a - c) ** 3) / 3;
}

/** Mean squared clipping and rounding error of the histogram, each bin's mass uniform over the bin. */
export function piecewiseQuantErrorRef(edges: readonly number[], counts: readonly number[], min: number, max: number,
  bits: number, symmetric: boolean): QuantErrorRef {
  const [lo, hi] = gridEnds(min, max, symmetric);
  const levels = 2 ** bits - 1;
  const step = (hi - lo) / levels;
  let clipping = 0;
  let rounding = 0;
  let total = 0;
  for (let j = 0; j < counts.length; j++) {
    const a = edges[j];
    const b = edges[j + 1];
    const density = counts[j] / (b - a);
    total += counts[j];
    if (a < lo) clipping += density * squareIntegral(a, Math.min(b, lo), lo);
    if (b > hi) clipping += density * squareIntegral(Math.max(a, hi), b, hi);
    if (step === 0) continue;
    // Grid point k owns [lo + (k - 1/2) step, lo + (k + 1/2) step] within [lo, hi]; visit the k near the bin.
    const first = Math.max(0, Math.floor((a - lo) / step) - 1);
    const last = Math.min(levels, Math.ceil((b - lo) / step) + 1);
    for (let k = first; k <= last; k++) {
      const g = lo + k * step;
      const left = Math.max(a, lo, g - step / 2);
      const right = Math.min(b, hi, g + step / 2);
      if (right > left) rounding += density * squareIntegral(left, right, g);
    }
  }
  return { clipping: clipping / total, rounding: rounding / total };
}
