import { check, checkInt } from '../../errors';
import { Range } from '../../range';
import { checkBinnedCounts, type BinnedCounts } from '../binned';

/** Options of {@link l2Range}. */
export interface L2Options {
  /** Number of destination bins (quantization levels) the error is measured against; torch uses 2^bits = 256. */
  readonly dstBins?: number;
}

/** The inclusive source-bin interval chosen by the search: the range is [lo + start * w, lo + (end + 1) * w]. */
export interface L2Bins {
  readonly startBin: number;
  readonly endBin: number;
}

/**
 * The range PyTorch's HistogramObserver picks: {@link l2SearchBins} mapped to bin edges,
 * [lo + startBin * binWidth, lo + (endBin + 1) * binWidth] (torch: new_min, new_max). The range need not contain 0
 * (torch widens it to 0 later, in _calculate_qparams). Throws (naming 'l2Range' and the argument) on an invalid or
 * empty histogram and dstBins not an integer >= 1.
 */
export function l2Range(h: BinnedCounts, options: L2Options = {}): Range {
  const { startBin, endBin } = l2SearchBinsChecked('l2Range', h, options);
  return { min: h.lo + startBin * h.binWidth, max: h.lo + (endBin + 1) * h.binWidth };
}

/**
 * PyTorch 1.13 HistogramObserver._non_linear_param_search (torch/ao/quantization/observer.py), same walk and same
 * chosen bins, with an O(1)-per-step quantile scan and an O(occupied bins in range) error instead of torch's
 * O(bins) tensor pass per step.
 *
 * The walk, with c the counts, n bins, T = sum c, cSum the running sums and N = dstBins: alpha = 0, beta = 1,
 * start = 0, end = n - 1, normMin = inf; while alpha < beta: nextAlpha = alpha + 1e-5, nextBeta = beta - 1e-5;
 * l = the first index >= start with cSum[l] >= nextAlpha T (at most end); r = the last index <= end with
 * cSum[r] <= nextBeta T (at least start); if l - start > end - r, move the start (start' = l, alpha = nextAlpha),
 * else move the end (end' = r, beta = nextBeta); if neither bin changed, continue; otherwise compute the error of
 * [start', end'] and stop if it exceeds normMin, else accept it.
 *
 * The error (torch's _compute_quantization_error / _get_norm) of [s, e]: with K = e - s + 1 bins of width w, N
 * destination bins of width D = K w / N laid from the left edge of bin s, every point x (relative to that edge)
 * is sent to the centre of destination bin clamp(floor(x / D), 0, N - 1); the error is
 *   norm = sum_i (c_i / w) integral over bin i of (x - centre(x))^2 dx,
 * so bins outside [s, e] are charged their distance to the first / last destination centre. In units of w
 * (norm = w^2 G, D' = K / N, h = D'/2 - 1/2):
 *   below = sum_{i<s} c_i ((s - i + h)^2 + 1/12) = B2 + 2h B1 + h^2 B0 + B0 / 12, Bk = sum_{i<s} c_i (s - i)^k,
 *   above = the mirror over i > e with distances i - e,
 *   inside = sum_{s<=i<=e, c_i>0} c_i integral_{i-s}^{i-s+1} (u - q(u))^2 du, closed form per bin
 *            ((v + 1/2 - centre)^2 + 1/12 inside one destination bin, else the two end pieces plus D'^3/12 per
 *            destination bin crossed).
 * The Bk are built incrementally for all s once (B1(s+1) = B1(s) + B0(s+1), B2(s+1) = B2(s) + 2 B1(s) + B0(s+1)),
 * sums of non-negative terms, so they do not cancel.
 *
 * Float arithmetic vs torch (which runs in float32 tensors): the quantile tests are reproduced exactly as torch
 * evaluates them: cSum is the float64 running sum rounded to float32 (torch's float32 cumsum accumulates in
 * double), T is the float64 sum rounded to float32 (torch: float32 torch.sum), and the thresholds are
 * fround(nextAlpha * T) and fround(nextBeta * T), since torch rounds the Python float to float32 before comparing
 * it with a float32 tensor; alpha and beta are float64 in both. The error G is float64 here (and in bin units,
 * without the common w^2 factor); torch evaluates it in float32, where the difference of cubes of a bin d bins
 * away from its destination centre loses about 2e-8 d of the term (4e-5 at 2000 bins), so when two successive
 * errors agree that closely torch may stop one step earlier or later than this code. torch's float32 torch.sum
 * may also differ from fround(float64 sum) in the last bit when counts are fractional and their sum exceeds 2^24.
 * Counts that are not float32 values are used as given (torch would round them first). Reproduced: every case of
 * test/golden/torch_golden.json, and 300 random histograms (normal, Laplace, t3, ReLU, bimodal, far outliers;
 * 100 to 2048 bins) run through torch 1.13 during development.
 *
 * Edge cases: a single bin gives bins [0, 0] (the whole histogram); a spike in bin 0 (ReLU data) keeps start = 0,
 * so min stays lo; the loop runs at most 1e5 steps (alpha + 1 - beta grows by 1e-5 a step).
 * Throws (naming 'l2SearchBins') like {@link l2Range}.
 */
export function l2SearchBins(h: BinnedCounts, options: L2Options = {}): L2Bins {
  return l2SearchBinsChecked('l2SearchBins', h, options);
}

function l2SearchBinsChecked(fn: string, h: BinnedCounts, options: L2Options): L2Bins {
  checkBinnedCounts(fn, h);
  check(typeof options === 'object' && options !== null, fn, 'options', options, 'an object { dstBins? }');
  const dstBins = options.dstBins ?? 256;
  checkInt(fn, 'dstBins', dstBins, 1, 2 ** 30);
  return search(h.counts, dstBins);
}

function search(c: Float64Array, dstBins: number): L2Bins {
  const n = c.length;
  const cSum = new Float64Array(n);
  let run = 0;
  for (let i = 0; i < n; i++) {
    run += c[i];
    cSum[i] = Math.fround(run);
  }
  const total = Math.fround(run);
  const err = new L2Error(c, dstBins);

  const stepsize = 1e-5;
  let alpha = 0;
  let beta = 1;
  let startBin = 0;
  let endBin = n - 1;
  let normMin = Infinity;
  // Cached scans: lFound is where `l` stopped for (thrA, lFrom); valid while neither changes. A later, smaller
  // end only caps it: min(lFound, end). Likewise rFound for (thrB, rFrom), floored by a later, larger start.
  let thrA = NaN;
  let lFrom = -1;
  let lFound = 0;
  let thrB = NaN;
  let rFrom = -1;
  let rFound = 0;
  while (alpha < beta) {
    const nextAlpha = alpha + stepsize;
    const nextBeta = beta - stepsize;
    const ta = Math.fround(nextAlpha * total);
    if (ta !== thrA || lFrom !== startBin) {
      thrA = ta;
      lFrom = startBin;
      let l = startBin;
      while (l < endBin && cSum[l] < ta) l++;
      lFound = l;
    }
    const tb = Math.fround(nextBeta * total);
    if (tb !== thrB || rFrom !== endBin) {
      thrB = tb;
      rFrom = endBin;
      let r = endBin;
      while (r > startBin && cSum[r] > tb) r--;
      rFound = r;
    }
    const l = Math.min(lFound, endBin);
    const r = Math.max(rFound, startBin);

    let nextStart = startBin;
    let nextEnd = endBin;
    if (l - startBin > endBin - r) {
      nextStart = l;
      alpha = nextAlpha;
    } else {
      nextEnd = r;
      beta = nextBeta;
    }
    if (nextStart === startBin && nextEnd === endBin) continue;
    const norm = err.norm(nextStart, nextEnd);
    if (norm > normMin) break;
    normMin = norm;
    startBin = nextStart;
    endBin = nextEnd;
  }
  return { startBin, endBin };
}

/**
 * torch's quantization error of [s, e] in units of the bin width (see {@link l2SearchBins}). The start only
 * grows and the end only shrinks during the walk, so the occupied bins inside are tracked by two pointers into
 * the list of occupied bins.
 */
class L2Error {
  private readonly b0: Float64Array; private readonly b1: Float64Array; private readonly b2: Float64Array;
  private readonly a0: Float64Array; private readonly a1: Float64Array; private readonly a2: Float64Array;
  private readonly occupied: Int32Array;
  private lo = 0;
  private hi: number;

  constructor(private readonly c: Float64Array, private readonly dstBins: number) {
    const n = c.length;
    // b_k[s] = sum_{i<s} c_i (s - i)^k ; a_k[e] = sum_{i>e} c_i (i - e)^k.
    this.b0 = new Float64Array(n + 1); this.b1 = new Float64Array(n + 1); this.b2 = new Float64Array(n + 1);
    for (let s = 0; s < n; s++) {
      this.b0[s + 1] = this.b0[s] + c[s];
      this.b1[s + 1] = this.b1[s] + this.b0[s + 1];
      this.b2[s + 1] = this.b2[s] + 2 * this.b1[s] + this.b0[s + 1];
    }
    this.a0 = new Float64Array(n); this.a1 = new Float64Array(n); this.a2 = new Float64Array(n);
    for (let e = n - 1; e > 0; e--) {
      this.a0[e - 1] = this.a0[e] + c[e];
      this.a1[e - 1] = this.a1[e] + this.a0[e - 1];
      this.a2[e - 1] = this.a2[e] + 2 * this.a1[e] + this.a0[e - 1];
    }
    const occ: number[] = [];
    for (let i = 0; i < n; i++) if (c[i] > 0) occ.push(i);
    this.occupied = Int32Array.from(occ);
    this.hi = occ.length - 1;
  }

  /** The error G(s, e) (torch's norm / w^2); s <= e, s never smaller and e never larger than in earlier calls. */
  norm(s: number, e: number): number {
    const N = this.dstBins;
    const K = e - s + 1;
    const D = K / N;
    const h = D / 2 - 0.5;
    let g = this.b2[s] + 2 * h * this.b1[s] + h * h * this.b0[s] + this.b0[s] / 12
      + this.a2[e] + 2 * h * this.a1[e] + h * h * this.a0[e] + this.a0[e] / 12;

    const occ = this.occupied;
    while (this.lo < occ.length && occ[this.lo] < s) this.lo++;
    while (this.hi >= 0 && occ[this.hi] > e) this.hi--;
    const invD = N / K;
    const half = D / 2;
    const half3 = half * half * half;
    const full = (D * D * D) / 12; // error of one whole destination bin
    const c = this.c;
    for (let k = this.lo; k <= this.hi; k++) {
      const i = occ[k];
      const v = i - s;
      let jb = Math.floor(v * invD);
      if (jb > N - 1) jb = N - 1;
      let je = Math.floor((v + 1) * invD);
      if (je > N - 1) je = N - 1;
      let part: number;
      if (jb === je) {
        const d = v + 0.5 - (jb + 0.5) * D;
        part = d * d + 1 / 12;
      } else {
        const db = v - (jb + 0.5) * D; // from the first centre to the bin's left edge (<= D/2)
        const de = v + 1 - (je + 0.5) * D; // from the last centre to the bin's right edge (>= -D/2)
        part = (half3 - db * db * db) / 3 + (je - jb - 1) * full + (de * de * de + half3) / 3;
      }
      g += c[i] * part;
    }
    return g;
  }
}
