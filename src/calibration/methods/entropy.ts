import { check, checkInt } from '../../errors';
import { Range } from '../../range';
import { checkBinnedCounts, isNonNegative, occupiedBins, type BinnedCounts } from '../binned';

/** Options of {@link entropyRange}; the defaults are TensorRT's for 8 bits. */
export interface EntropyOptions {
  /** Number of quantized levels Q is merged into (128 = 7 bits of magnitude + sign). Integer >= 2. */
  readonly targetBins?: number;
  /** First candidate: the number of |x| bins kept. Integer >= targetBins. */
  readonly startBin?: number;
  /** Step between candidates. Integer >= 1. */
  readonly stride?: number;
  /**
   * 'level' (default) replaces the count of the |x| bin at zero by its neighbour's before the search, as NVIDIA's
   * pytorch-quantization does (`bins[0] = bins[1]` in `_compute_amax_entropy`): after a ReLU the exact zeros are a
   * spike that carries no information about the range, yet it dominates P and pulls the threshold toward zero.
   * 'keep' uses the histogram as it is (the plain GTC 2017 algorithm).
   */
  readonly zeroBin?: 'level' | 'keep';
}

/**
 * Smoothing of a reference bin that has mass while its candidate bin is empty, in count units (MXNet's
 * `_smooth_distribution` uses eps = 0.0001 counts). See {@link entropyRange}.
 */
export const ENTROPY_SMOOTHING_EPS = 1e-4;

/** Folded histograms are capped at this many bins; see {@link foldAbsCounts}. */
export const MAX_FOLDED_BINS = 2 ** 20;

/**
 * The |x| histogram of `h` on bins of width w = widthFactor * h.binWidth starting at 0: folded bin k covers
 * [k w, (k + 1) w) of |x|. Each source bin's mass is uniform over its interval; its image under |x| (two pieces
 * for the bin straddling 0, split in proportion to their widths) is spread over the folded bins it overlaps. When
 * 0 lies within 1e-9 bins of a source edge it is snapped to that edge, so an aligned histogram folds without
 * slivers. The result ends at the last nonzero folded bin (like a histogram of |x| built up to max |x|); it is
 * empty when every count is 0. Cost O(bins + folded bins). No argument checks (widthFactor a positive integer).
 */
export function foldAbsCounts(h: BinnedCounts, widthFactor = 1): Float64Array {
  const { lo, binWidth: bw, counts } = h;
  const n = counts.length;
  let z = -lo / bw; // position of 0 in source-bin units
  const zr = Math.round(z);
  if (Math.abs(z - zr) < 1e-9) z = zr;
  const m = widthFactor;
  const out = new Float64Array(Math.ceil(Math.max(Math.abs(z), Math.abs(n - z)) / m) + 1);
  for (let j = 0; j < n; j++) {
    const c = counts[j];
    if (!(c > 0)) continue;
    // Pieces in source-bin units, spread in folded units with density c * m.
    if (j + 1 > z) spread(out, (Math.max(j, z) - z) / m, (j + 1 - z) / m, c * m);
    if (j < z) spread(out, (z - Math.min(j + 1, z)) / m, (z - j) / m, c * m);
  }
  let last = out.length - 1;
  while (last >= 0 && !(out[last] > 0)) last--;
  return out.slice(0, last + 1);
}

/** The smallest integer factor that keeps the folded histogram of h within MAX_FOLDED_BINS bins. */
function foldWidthFactor(h: BinnedCounts): number {
  const z = -h.lo / h.binWidth;
  const extent = Math.ceil(Math.max(Math.abs(z), Math.abs(h.counts.length - z)));
  return Math.max(1, Math.ceil(extent / MAX_FOLDED_BINS));
}

/** Adds density c (per folded bin) over [a0, a1) to the bins it overlaps. */
function spread(out: Float64Array, a0: number, a1: number, c: number): void {
  let k = Math.floor(a0);
  while (a0 < a1) {
    const end = Math.min(a1, k + 1);
    out[k] += c * (end - a0);
    a0 = end;
    k++;
  }
}

/**
 * TensorRT's entropy (KL-divergence) calibration, "8-bit Inference with TensorRT" (GTC 2017), on the |x|
 * histogram f = {@link foldAbsCounts}(h) with n bins and total T:
 *
 * For each candidate i = startBin, startBin + stride, ..., <= n:
 * - P = f[0 .. i-1] with the outlier mass out = sum f[i ..] added to P[i-1]; P /= T.
 * - Q: the in-range bins f[0 .. i-1] (without outliers) are merged into targetBins groups of k = floor(i /
 *   targetBins) bins, the last group [(targetBins - 1) k, i) taking the remainder; each group's sum G is spread
 *   evenly over the bins of the group where P is nonzero (nnz of them), Q = 0 where P = 0; Q /= sum Q.
 * - Smoothing (exactly): the only bin that can have P > 0 and Q = 0 is i-1, when the last group's in-range sum is
 *   0 but out > 0. That Q entry is set to ENTROPY_SMOOTHING_EPS = 1e-4 counts before normalisation (MXNet's eps;
 *   additive on that entry only, rather than MXNet's eps spread over all zero entries and taken off the nonzero
 *   ones, so that the other terms stay exact). Without it such a candidate would have KL = +inf and data with
 *   a gap before a far outlier could never be clipped. A candidate with no in-range mass (sum f[0..i-1] = 0) has
 *   KL = +inf.
 * - KL(P || Q) = sum over P > 0 of P log(P / Q) (natural log); terms with P = 0 are skipped.
 *
 * The threshold is t = i* x binWidth for the first i* of minimal KL (ties go to the smaller threshold, as
 * np.argmin in MXNet's `_get_optimal_threshold` and ONNX Runtime's `get_entropy_threshold`): the right edge of
 * the kept bins. Checked against NVIDIA's own open implementation (TensorRT repo, pytorch-quantization
 * calib/histogram.py `_compute_amax_entropy`: `calib_amax = calib_bin_edges[i]` on a |x| histogram starting at 0,
 * i.e. i x binWidth) and MXNet / ONNX Runtime (`thresholds = hist_edges[stop]`, the edge of the kept range). The
 * GTC slides write "(m + 0.5) x width", which equals this edge for MXNet's zero-centred bins (the zero bin spans
 * +-width/2) but would lie half a bin outside the kept range on bins starting at 0. Not reproduced from
 * pytorch-quantization: `bins[0] = bins[1]`, its last-argmin tie rule and its linspace grouping.
 *
 * Result [-t, t], or [0, t] when no mass lies below 0 (always so when h.lo >= 0). When the folded histogram has
 * fewer than startBin bins (too few to merge into levels the TensorRT way), or when every candidate has KL = +inf,
 * t is the occupied extent max(|first nonzero edge|, |last nonzero edge|), i.e. the min/max range; so a single
 * occupied bin gives that bin's |x| extent.
 *
 * Data far from 0 in fine bins (|x| extent over MAX_FOLDED_BINS = 2^20 source bins) is folded onto bins widened
 * by the smallest integer factor m that fits, and t = i* x m x binWidth.
 *
 * Cost O(n) plus O(targetBins) per distinct k = floor(i / targetBins) ({@link entropyThresholdBins}). Throws
 * (naming 'entropyRange' and the argument) on an invalid or empty histogram, targetBins not an integer >= 2,
 * startBin not an integer >= targetBins, stride not an integer >= 1.
 */
export function entropyRange(h: BinnedCounts, options: EntropyOptions = {}): Range {
  const fn = 'entropyRange';
  checkBinnedCounts(fn, h);
  check(typeof options === 'object' && options !== null, fn, 'options', options,
    'an object { targetBins?, startBin?, stride?, zeroBin? }');
  const targetBins = options.targetBins ?? 128;
  checkInt(fn, 'targetBins', targetBins, 2, 2 ** 30);
  const startBin = options.startBin ?? 128;
  checkInt(fn, 'startBin', startBin, targetBins, 2 ** 30);
  const stride = options.stride ?? 1;
  checkInt(fn, 'stride', stride, 1, 2 ** 30);

  const widthFactor = foldWidthFactor(h);
  const folded = foldAbsCounts(h, widthFactor);
  const zeroBin = options.zeroBin ?? 'level';
  check(zeroBin === 'level' || zeroBin === 'keep', fn, 'zeroBin', zeroBin, "'level' or 'keep'");
  if (zeroBin === 'level' && folded.length > 1) folded[0] = folded[1];
  const best = folded.length < startBin ? -1 : entropyThresholdBins(folded, targetBins, startBin, stride);
  let t: number;
  if (best < 0) {
    const { first, last } = occupiedBins(h);
    t = Math.max(Math.abs(h.lo + first * h.binWidth), Math.abs(h.lo + (last + 1) * h.binWidth));
  } else {
    t = best * widthFactor * h.binWidth;
  }
  return isNonNegative(h) ? { min: 0, max: t } : { min: -t, max: t };
}

/**
 * The number of kept |x| bins i* chosen by {@link entropyRange} for a folded histogram (no argument checks;
 * targetBins >= 2, startBin >= targetBins, stride >= 1), or -1 when no candidate has a finite divergence.
 *
 * With P's counts pc (the folded counts, pc[i-1] += out) and group g of in-range sum G_g and nnz_g bins where pc > 0,
 * KL = (sum_g A_g) / T + log(C_i / T), A_g = sum_{pc_j > 0} pc_j log pc_j - M_g log(G_g / nnz_g), M_g = sum_g pc,
 * T = C_i + out, C_i the in-range sum. The first targetBins - 1 groups depend on k = floor(i / targetBins) only, so
 * their A_g are summed once per k; every group sum comes from compensated (double-double) prefix sums, accurate
 * to the group's own size however large the prefix. O(folded bins + targetBins x distinct k), a few logs per
 * candidate.
 */
export function entropyThresholdBins(folded: Float64Array, targetBins: number, startBin: number,
  stride: number): number {
  const n = folded.length;
  const mass = new CompensatedPrefix(n, (j) => folded[j]);
  const cLogC = new CompensatedPrefix(n, (j) => (folded[j] > 0 ? folded[j] * Math.log(folded[j]) : 0));
  const nonzero = new Float64Array(n + 1); // nonzero[i] = number of j < i with f[j] > 0 (exact)
  for (let j = 0; j < n; j++) nonzero[j + 1] = nonzero[j] + (folded[j] > 0 ? 1 : 0);
  const groupTerm = (a: number, b: number): number => { // A_g of the in-range bins [a, b)
    const g = mass.sum(a, b);
    return g > 0 ? cLogC.sum(a, b) - g * Math.log(g / (nonzero[b] - nonzero[a])) : 0;
  };

  let bestKl = Infinity;
  let bestI = -1;
  let k = -1;
  let headSum = 0; // sum of A_g over the first targetBins - 1 groups
  for (let i = startBin; i <= n; i += stride) {
    const ki = Math.floor(i / targetBins);
    if (ki !== k) {
      k = ki;
      headSum = 0;
      for (let g = 0; g < targetBins - 1; g++) headSum += groupTerm(g * k, (g + 1) * k);
    }
    const ci = mass.sum(0, i);
    if (!(ci > 0)) continue; // KL = +inf
    const out = mass.sum(i, n);
    const total = ci + out;
    const a = (targetBins - 1) * k; // the last group is [a, i)
    const groupSum = mass.sum(a, i);
    let kl: number;
    if (groupSum > 0) {
      const lastP = folded[i - 1] + out; // P's count in bin i-1
      const nnz = nonzero[i - 1] - nonzero[a] + (lastP > 0 ? 1 : 0);
      const sumCLogC = cLogC.sum(a, i - 1) + (lastP > 0 ? lastP * Math.log(lastP) : 0);
      const tail = sumCLogC - (groupSum + out) * Math.log(groupSum / nnz);
      kl = (headSum + tail) / total + Math.log1p(-out / total);
    } else if (out > 0) {
      // Smoothed: Q[i-1] = eps, Q normalised by C_i + eps.
      const eps = ENTROPY_SMOOTHING_EPS;
      kl = headSum / total + Math.log1p((eps - out) / total) + (out / total) * Math.log(out / eps);
    } else {
      kl = headSum / total;
    }
    if (kl < bestKl) {
      bestKl = kl;
      bestI = i;
    }
  }
  return bestI;
}

/**
 * Prefix sums kept as unevaluated pairs hi + lo (Knuth's TwoSum at every step), so that sum(a, b) is accurate to
 * the size of the range itself rather than to the size of the prefix.
 */
class CompensatedPrefix {
  private readonly hi: Float64Array;
  private readonly lo: Float64Array;

  constructor(n: number, value: (j: number) => number) {
    this.hi = new Float64Array(n + 1);
    this.lo = new Float64Array(n + 1);
    let hi = 0;
    let lo = 0;
    for (let j = 0; j < n; j++) {
      const x = value(j);
      const s = hi + x;
      const bb = s - hi;
      lo += (hi - (s - bb)) + (x - bb);
      hi = s;
      this.hi[j + 1] = hi;
      this.lo[j + 1] = lo;
    }
  }

  /** sum of the values with index in [a, b). */
  sum(a: number, b: number): number {
    return (this.hi[b] - this.hi[a]) + (this.lo[b] - this.lo[a]);
  }
}
