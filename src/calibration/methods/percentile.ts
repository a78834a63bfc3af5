import { check } from '../../errors';
import { Range } from '../../range';
import { checkBinnedCounts, isNonNegative, occupiedBins, type BinnedCounts } from '../binned';

/** Options of {@link percentileRange}. */
export interface PercentileOptions {
  /** p in (0, 100]; 'two-sided' needs p in (50, 100] so that the lower percentile lies below the upper one. */
  readonly percentile: number;
  /** 'two-sided': [P(100 - p), P(p)] of x. 'abs': the p-th percentile a of |x|, giving [-a, a] (or [0, a]). */
  readonly mode: 'two-sided' | 'abs';
}

/**
 * The percentile range of a histogram, each bin's mass spread uniformly over the bin (so the CDF F is piecewise
 * linear and percentiles interpolate linearly inside a bin). With T the total count and q = p / 100:
 * - 'two-sided': max = inf { x : F(x) >= q T } and min = sup { x : F(x) <= (1 - q) T }, the (100 - p)-th
 *   percentile. The mirrored definitions make min(h) = -max(mirror(h)); an empty stretch of bins at the target
 *   level resolves outward (toward a wider range). p must lie in (50, 100].
 * - 'abs': a = inf { a >= 0 : F(a) - F(-a) >= q T }, the p-th percentile of |x| (the histogram folded around 0;
 *   a bin straddling 0 contributes its two parts in proportion to their widths). The result is [-a, a], or
 *   [0, a] for non-negative data (no mass below 0; always so when h.lo >= 0).
 * p = 100 returns the occupied extent exactly: the left edge of the first and the right edge of the last nonzero
 * bin (for 'abs', a = the larger magnitude of those two edges).
 * A single occupied bin gives percentiles inside that bin. Cost O(bins).
 * Throws (naming 'percentileRange' and the argument) on an invalid or empty histogram, p NaN or outside (0, 100]
 * (outside (50, 100] for 'two-sided') and an unknown mode.
 */
export function percentileRange(h: BinnedCounts, options: PercentileOptions): Range {
  const fn = 'percentileRange';
  const total = checkBinnedCounts(fn, h);
  check(typeof options === 'object' && options !== null, fn, 'options', options,
    "an object { percentile, mode: 'two-sided' | 'abs' }");
  const { percentile: p, mode } = options;
  check(mode === 'two-sided' || mode === 'abs', fn, 'mode', mode, "'two-sided' or 'abs'");
  if (mode === 'abs') {
    check(typeof p === 'number' && p > 0 && p <= 100, fn, 'percentile', p, 'a number in (0, 100]');
  } else {
    check(typeof p === 'number' && p > 50 && p <= 100, fn, 'percentile', p,
      "a number in (50, 100] for mode 'two-sided' (in (0, 100] for 'abs')");
  }
  const { lo, binWidth: bw, counts } = h;
  const { first, last } = occupiedBins(h);
  if (mode === 'two-sided') {
    if (p === 100) return { min: lo + first * bw, max: lo + (last + 1) * bw };
    return {
      min: lo + lowerPosition(counts, ((100 - p) / 100) * total) * bw,
      max: lo + upperPosition(counts, (p / 100) * total) * bw,
    };
  }
  const z = -lo / bw; // position of 0 in bin units
  let a: number;
  if (p === 100) {
    a = Math.max(Math.abs(lo + first * bw), Math.abs(lo + (last + 1) * bw));
  } else {
    a = absPosition(counts, z, (p / 100) * total) * bw;
  }
  return isNonNegative(h) ? { min: 0, max: a } : { min: -a, max: a };
}

/** inf { u : F(u) >= target } in bin units (u = 0 is the left edge), for 0 < target <= total. */
function upperPosition(counts: Float64Array, target: number): number {
  let acc = 0;
  for (let j = 0; j < counts.length; j++) {
    const c = counts[j];
    const next = acc + c;
    if (c > 0 && next >= target) return j + Math.min(1, Math.max(0, (target - acc) / c));
    acc = next;
  }
  return lastEdge(counts); // target above the float sum by rounding: the occupied extent
}

/** sup { u : F(u) <= target } in bin units, for 0 <= target < total. */
function lowerPosition(counts: Float64Array, target: number): number {
  let acc = 0;
  for (let j = 0; j < counts.length; j++) {
    const c = counts[j];
    const next = acc + c;
    if (c > 0 && next > target) return j + Math.min(1, Math.max(0, (target - acc) / c));
    acc = next;
  }
  return lastEdge(counts);
}

function lastEdge(counts: Float64Array): number {
  let j = counts.length - 1;
  while (j > 0 && !(counts[j] > 0)) j--;
  return j + 1;
}

/**
 * inf { a >= 0 : F(z + a) - F(z - a) >= target } in bin units, z the position of 0. The mass of |x| between
 * consecutive breakpoints (the |x| images of the bin edges) grows linearly at rate c(pos bin) + c(neg bin); the
 * two sides are walked as two sorted lists merged on the fly. O(bins).
 */
function absPosition(counts: Float64Array, z: number, target: number): number {
  const n = counts.length;
  // Positive side: bins jp, jp+1, ... covering u >= z. Negative side: bins jn, jn-1, ... covering u <= z.
  let jp = Math.max(0, Math.floor(z));
  let jn = Math.min(n - 1, Math.ceil(z) - 1);
  let a = 0;
  let acc = 0;
  let lastPositive = 0;
  for (;;) {
    let nextP = Infinity;
    let rateP = 0;
    let activeP = false;
    if (jp < n) {
      const begin = Math.max(jp, z) - z;
      if (a < begin) nextP = begin;
      else { activeP = true; rateP = counts[jp]; nextP = jp + 1 - z; }
    }
    let nextN = Infinity;
    let rateN = 0;
    let activeN = false;
    if (jn >= 0) {
      const begin = z - Math.min(jn + 1, z);
      if (a < begin) nextN = begin;
      else { activeN = true; rateN = counts[jn]; nextN = z - jn; }
    }
    const next = Math.min(nextP, nextN);
    if (next === Infinity) return lastPositive; // rounding left the target just above the summed mass
    const rate = rateP + rateN;
    if (rate > 0) {
      const gain = rate * (next - a);
      if (acc + gain >= target) return a + Math.min(next - a, Math.max(0, (target - acc) / rate));
      acc += gain;
      lastPositive = next;
    }
    a = next;
    if (activeP && nextP === next) jp++;
    if (activeN && nextN === next) jn--;
  }
}
