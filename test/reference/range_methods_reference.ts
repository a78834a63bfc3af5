/**
 * Slow, obviously-correct float64 references for src/calibration/methods. Nothing here shares code with the fast
 * implementations: no prefix sums, no caching, no closed forms beyond one integral per bin piece.
 *   percentile  bisection on the CDF (or the |x| mass) integrated bin by bin
 *   entropy     the TensorRT loop written out with plain arrays, P and Q built element by element
 *   mse         every candidate pair, its error integrated bin by bin
 *   l2          torch 1.13 HistogramObserver._non_linear_param_search / _compute_quantization_error line by line
 */
import type { BinnedCounts } from '../../src/calibration/binned';

// ---------------------------------------------------------------------------------------------------- percentile

/** Mass below x: each bin contributes count times the fraction of its width below x. */
export function cdfRef(h: BinnedCounts, x: number): number {
  let f = 0;
  for (let i = 0; i < h.counts.length; i++) {
    const a = h.lo + i * h.binWidth;
    const frac = Math.min(1, Math.max(0, (x - a) / h.binWidth));
    f += h.counts[i] * frac;
  }
  return f;
}

/** Mass of |x| below a: each bin contributes count times the fraction of its width inside (-a, a). */
export function absMassRef(h: BinnedCounts, a: number): number {
  let f = 0;
  for (let i = 0; i < h.counts.length; i++) {
    const lo = h.lo + i * h.binWidth;
    const hi = lo + h.binWidth;
    const overlap = Math.max(0, Math.min(hi, a) - Math.max(lo, -a));
    f += h.counts[i] * (overlap / h.binWidth);
  }
  return f;
}

/** inf { x in [lo, hi] : pred(x) } for a monotone predicate, by bisection to float resolution. */
function bisect(lo: number, hi: number, pred: (x: number) => boolean): number {
  for (let it = 0; it < 2000; it++) {
    const mid = (lo + hi) / 2;
    if (mid <= lo || mid >= hi) break;
    if (pred(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

function total(h: BinnedCounts): number {
  let t = 0;
  for (const c of h.counts) t += c;
  return t;
}

function nonNegativeRef(h: BinnedCounts): boolean {
  return cdfRef(h, 0) === 0;
}

export function percentileRangeRef(h: BinnedCounts, p: number,
  mode: 'two-sided' | 'abs'): { min: number; max: number } {
  const T = total(h);
  const lo = h.lo;
  const hi = h.lo + h.counts.length * h.binWidth;
  // Targets are shaved by 1e-13 T so that float summation noise cannot push a plateau out of reach.
  if (mode === 'two-sided') {
    const upper = (p / 100) * T;
    const lower = ((100 - p) / 100) * T;
    const max = bisect(lo, hi, (x) => cdfRef(h, x) >= upper * (1 - 1e-13));
    const min = bisect(lo, hi, (x) => cdfRef(h, x) > lower + 1e-13 * T);
    return { min, max };
  }
  const target = (p / 100) * T;
  const a = bisect(0, Math.max(Math.abs(lo), Math.abs(hi)), (x) => absMassRef(h, x) >= target * (1 - 1e-13));
  return nonNegativeRef(h) ? { min: 0, max: a } : { min: -a, max: a };
}

// ------------------------------------------------------------------------------------------------------- entropy

/** The |x| histogram on unit bins from 0 (bin units), every (source, folded) overlap computed directly. */
export function foldRef(h: BinnedCounts): number[] {
  const n = h.counts.length;
  let z = -h.lo / h.binWidth;
  if (Math.abs(z - Math.round(z)) < 1e-9) z = Math.round(z);
  const size = Math.ceil(Math.max(Math.abs(z), Math.abs(n - z))) + 1;
  const folded: number[] = new Array(size).fill(0);
  for (let j = 0; j < n; j++) {
    // Image of bin j under |x| (in bin units): up to two intervals.
    const pieces: Array<[number, number]> = [];
    if (j + 1 > z) pieces.push([Math.max(j, z) - z, j + 1 - z]);
    if (j < z) pieces.push([z - Math.min(j + 1, z), z - j]);
    for (const [a, b] of pieces) {
      for (let k = 0; k < size; k++) {
        const overlap = Math.min(b, k + 1) - Math.max(a, k);
        if (overlap > 0) folded[k] += h.counts[j] * overlap;
      }
    }
  }
  let last = size - 1;
  while (last >= 0 && !(folded[last] > 0)) last--;
  return folded.slice(0, last + 1);
}

/** KL divergence of each candidate i (literal TensorRT loop); Infinity where Q has no mass. */
export function entropyDivergencesRef(folded: number[], targetBins: number, startBin: number, stride: number,
  eps = 1e-4): Array<{ i: number; kl: number }> {
  const n = folded.length;
  const result: Array<{ i: number; kl: number }> = [];
  for (let i = startBin; i <= n; i += stride) {
    // Reference distribution P: first i bins, outliers added to the last one.
    const p = folded.slice(0, i);
    let outliers = 0;
    for (let j = i; j < n; j++) outliers += folded[j];
    p[i - 1] += outliers;
    // Candidate Q: merge the first i bins (no outliers) into targetBins groups, the last taking the remainder.
    const k = Math.floor(i / targetBins);
    const q: number[] = new Array(i).fill(0);
    for (let g = 0; g < targetBins; g++) {
      const start = g * k;
      const stop = g === targetBins - 1 ? i : start + k;
      let sum = 0;
      for (let j = start; j < stop; j++) sum += folded[j];
      let nonzero = 0;
      for (let j = start; j < stop; j++) if (p[j] !== 0) nonzero++;
      for (let j = start; j < stop; j++) if (p[j] !== 0) q[j] = sum / nonzero;
    }
    let sumQ = 0;
    for (const v of q) sumQ += v;
    if (!(sumQ > 0)) { result.push({ i, kl: Infinity }); continue; }
    // Smoothing: a P > 0 with Q = 0 gets Q = eps counts.
    for (let j = 0; j < i; j++) if (p[j] > 0 && q[j] === 0) { q[j] = eps; sumQ += eps; }
    let sumP = 0;
    for (const v of p) sumP += v;
    let kl = 0;
    for (let j = 0; j < i; j++) {
      if (p[j] === 0) continue;
      const pj = p[j] / sumP;
      const qj = q[j] / sumQ;
      kl += pj * Math.log(pj / qj);
    }
    result.push({ i, kl });
  }
  return result;
}

export function entropyRangeRef(h: BinnedCounts, targetBins = 128, startBin = 128,
  stride = 1, zeroBin: 'level' | 'keep' = 'level'): { min: number; max: number } {
  const folded = foldRef(h);
  // NVIDIA's pytorch-quantization: bins[0] = bins[1].
  if (zeroBin === 'level' && folded.length > 1) folded[0] = folded[1];
  let t: number;
  const divergences = folded.length < startBin ? [] : entropyDivergencesRef(folded, targetBins, startBin, stride);
  let best = -1;
  let bestKl = Infinity;
  for (const { i, kl } of divergences) if (kl < bestKl) { bestKl = kl; best = i; }
  if (best < 0) {
    let first = 0;
    while (!(h.counts[first] > 0)) first++;
    let last = h.counts.length - 1;
    while (!(h.counts[last] > 0)) last--;
    t = Math.max(Math.abs(h.lo + first * h.binWidth), Math.abs(h.lo + (last + 1) * h.binWidth));
  } else {
    t = best * h.binWidth;
  }
  return nonNegativeRef(h) ? { min: 0, max: t } : { min: -t, max: t };
}

// ----------------------------------------------------------------------------------------------------------- mse

/** Expected squared error (times the count) of [min, max], integrated bin piece by bin piece. */
export function mseErrorRef(h: BinnedCounts, levels: number, min: number, max: number): number {
  const scale = (max - min) / levels;
  let e = 0;
  for (let i = 0; i < h.counts.length; i++) {
    const a = h.lo + i * h.binWidth;
    const b = a + h.binWidth;
    const density = h.counts[i] / h.binWidth;
    if (density === 0) continue;
    // part below min: integral (x - min)^2 over [a, min(b, min)]
    if (a < min) {
      const top = Math.min(b, min);
      e += density * ((top - min) ** 3 - (a - min) ** 3) / 3;
    }
    // part above max: integral (x - max)^2 over [max(a, max), b]
    if (b > max) {
      const bottom = Math.max(a, max);
      e += density * ((b - max) ** 3 - (bottom - max) ** 3) / 3;
    }
    const inside = Math.max(0, Math.min(b, max) - Math.max(a, min));
    e += density * inside * scale * scale / 12;
  }
  return e;
}

/**
 * Every candidate evaluated. Errors within 1e-12 relative are ties: symmetric keeps the smallest t, asymmetric the
 * narrowest range (in bins), then the one furthest left.
 */
export function mseRangeRef(h: BinnedCounts, levels: number, symmetric: boolean): { min: number; max: number } {
  const n = h.counts.length;
  const z = -h.lo / h.binWidth;
  let best = Infinity;
  if (symmetric) {
    const nonNegative = nonNegativeRef(h);
    const mags: number[] = [];
    for (let i = 0; i <= n; i++) {
      const e = h.lo + i * h.binWidth;
      if (e !== 0) mags.push(Math.abs(e));
    }
    mags.sort((x, y) => x - y);
    let range = { min: NaN, max: NaN };
    for (const t of mags) {
      const min = nonNegative ? 0 : -t;
      const e = mseErrorRef(h, levels, min, t);
      if (e < best * (1 - 1e-12)) { best = e; range = { min, max: t }; }
    }
    return range;
  }
  // Candidates as [value, position in bins].
  const mins: Array<[number, number]> = [];
  const maxs: Array<[number, number]> = [[0, z]];
  for (let i = 0; i <= n; i++) {
    const e = h.lo + i * h.binWidth;
    if (e < 0) mins.push([e, i]);
    if (e > 0) maxs.push([e, i]);
  }
  mins.push([0, z]);
  let bestMin: [number, number] = [NaN, NaN];
  let bestMax: [number, number] = [NaN, NaN];
  for (const min of mins) {
    for (const max of maxs) {
      if (!(max[0] > min[0])) continue;
      const e = mseErrorRef(h, levels, min[0], max[0]);
      let take = e < best * (1 - 1e-12);
      if (!take && e <= best * (1 + 1e-12)) {
        const w = max[1] - min[1];
        const bestW = bestMax[1] - bestMin[1];
        take = w < bestW - 1e-9 || (w <= bestW + 1e-9 && max[1] < bestMax[1]);
      }
      if (take) { best = Math.min(best, e); bestMin = min; bestMax = max; }
    }
  }
  return { min: bestMin[0], max: bestMax[0] };
}

// ------------------------------------------------------------------------------------------------------------ l2

/** torch's _compute_quantization_error(next_start_bin, next_end_bin), float64, one source bin at a time. */
export function torchQuantizationErrorRef(counts: ArrayLike<number>, binWidth: number, dstNbins: number,
  nextStartBin: number, nextEndBin: number): number {
  const bins = counts.length;
  const binWidthF = binWidth;
  const dstBinWidth = binWidthF * (nextEndBin - nextStartBin + 1) / dstNbins;
  if (dstBinWidth === 0.0) return 0.0;
  const getNorm = (deltaBegin: number, deltaEnd: number, density: number): number =>
    density * ((deltaEnd * deltaEnd * deltaEnd - deltaBegin * deltaBegin * deltaBegin) / 3);
  const clamp = (v: number): number => Math.min(Math.max(v, 0), dstNbins - 1);
  let norm = 0;
  for (let srcBin = 0; srcBin < bins; srcBin++) {
    const srcBinBegin = (srcBin - nextStartBin) * binWidthF;
    const srcBinEnd = srcBinBegin + binWidthF;
    const dstBinOfBegin = clamp(Math.floor(srcBinBegin / dstBinWidth));
    const dstBinOfBeginCenter = (dstBinOfBegin + 0.5) * dstBinWidth;
    const dstBinOfEnd = clamp(Math.floor(srcBinEnd / dstBinWidth));
    const density = counts[srcBin] / binWidthF;
    let n = 0;
    let deltaBegin = srcBinBegin - dstBinOfBeginCenter;
    let deltaEnd = dstBinWidth / 2;
    n += getNorm(deltaBegin, deltaEnd, density);
    n += (dstBinOfEnd - dstBinOfBegin - 1) * getNorm(-dstBinWidth / 2, dstBinWidth / 2, density);
    const dstBinOfEndCenter = dstBinOfEnd * dstBinWidth + dstBinWidth / 2;
    deltaBegin = -dstBinWidth / 2;
    deltaEnd = srcBinEnd - dstBinOfEndCenter;
    n += getNorm(deltaBegin, deltaEnd, density);
    norm += n;
  }
  return norm;
}

/**
 * torch's _non_linear_param_search, returning the bins. cSum and total are float32 tensors in torch (cumsum
 * accumulated in double, then stored as float32); `cSum[l] < next_alpha * total` rounds the Python float to float32.
 */
export function torchNonLinearParamSearchRef(counts: ArrayLike<number>, binWidth: number,
  dstNbins = 256): { startBin: number; endBin: number } {
  const bins = counts.length;
  const cSum: number[] = [];
  let acc = 0;
  for (let i = 0; i < bins; i++) { acc += counts[i]; cSum.push(Math.fround(acc)); }
  const total = Math.fround(acc);
  const stepsize = 1e-5;
  let alpha = 0.0;
  let beta = 1.0;
  let startBin = 0;
  let endBin = bins - 1;
  let normMin = Infinity;
  while (alpha < beta) {
    const nextAlpha = alpha + stepsize;
    const nextBeta = beta - stepsize;
    let l = startBin;
    let r = endBin;
    while (l < endBin && cSum[l] < Math.fround(nextAlpha * total)) l = l + 1;
    while (r > startBin && cSum[r] > Math.fround(nextBeta * total)) r = r - 1;
    let nextStartBin = startBin;
    let nextEndBin = endBin;
    if ((l - startBin) > (endBin - r)) {
      nextStartBin = l;
      alpha = nextAlpha;
    } else {
      nextEndBin = r;
      beta = nextBeta;
    }
    if (nextStartBin === startBin && nextEndBin === endBin) continue;
    const norm = torchQuantizationErrorRef(counts, binWidth, dstNbins, nextStartBin, nextEndBin);
    if (norm > normMin) break;
    normMin = norm;
    startBin = nextStartBin;
    endBin = nextEndBin;
  }
  return { startBin, endBin };
}
