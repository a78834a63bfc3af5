import { check, checkInt } from '../../errors';
import { Range } from '../../range';
import { checkBinnedCounts, isNonNegative, type BinnedCounts } from '../binned';

/** Options of {@link mseRange}. */
export interface MseOptions {
  /** qmax - qmin, the number of steps of the integer grid (255 for 8 bits). Integer >= 1. */
  readonly levels: number;
  /** Search ranges [-t, t] (or [0, t] for non-negative data) instead of any [min, max] containing 0. */
  readonly symmetric: boolean;
}

/**
 * Sums over the histogram with each bin's mass uniform within the bin: prefix sums from the left and suffix sums
 * from the right of count, count * center and count * center^2. Below-cut costs only read mass below the cut
 * and above-cut costs only mass above it, so a cost never cancels against mass far away from the cut.
 */
interface MseTables {
  readonly lo: number;
  readonly bw: number;
  readonly counts: Float64Array;
  readonly s0: Float64Array; readonly s1: Float64Array; readonly s2: Float64Array; // sums over bins < j
  readonly r0: Float64Array; readonly r1: Float64Array; readonly r2: Float64Array; // sums over bins >= j
}

function tables(h: BinnedCounts): MseTables {
  const { lo, binWidth: bw, counts } = h;
  const n = counts.length;
  const s0 = new Float64Array(n + 1);
  const s1 = new Float64Array(n + 1);
  const s2 = new Float64Array(n + 1);
  for (let j = 0; j < n; j++) {
    const c = counts[j];
    const x = lo + (j + 0.5) * bw;
    s0[j + 1] = s0[j] + c;
    s1[j + 1] = s1[j] + c * x;
    s2[j + 1] = s2[j] + c * x * x;
  }
  const r0 = new Float64Array(n + 1);
  const r1 = new Float64Array(n + 1);
  const r2 = new Float64Array(n + 1);
  for (let j = n - 1; j >= 0; j--) {
    const c = counts[j];
    const x = lo + (j + 0.5) * bw;
    r0[j] = r0[j + 1] + c;
    r1[j] = r1[j + 1] + c * x;
    r2[j] = r2[j + 1] + c * x * x;
  }
  return { lo, bw, counts, s0, s1, s2, r0, r1, r2 };
}

/** Mass below x: F(x). */
function massBelow(t: MseTables, x: number): number {
  const n = t.counts.length;
  const u = (x - t.lo) / t.bw;
  if (!(u > 0)) return 0;
  if (u >= n) return t.s0[n];
  const j = Math.floor(u);
  return t.s0[j] + t.counts[j] * (u - j);
}

/** Clipping cost below x: integral over t < x of (t - x)^2 dF(t). */
function costBelow(t: MseTables, x: number): number {
  const n = t.counts.length;
  const u = (x - t.lo) / t.bw;
  if (!(u > 0)) return 0;
  const j = u >= n ? n : Math.floor(u);
  // Full bins: sum c ((center - x)^2 + bw^2 / 12).
  let cost = t.s2[j] - 2 * x * t.s1[j] + x * x * t.s0[j] + (t.s0[j] * t.bw * t.bw) / 12;
  if (j < n) {
    const d = (u - j) * t.bw; // part of bin j below x
    cost += (t.counts[j] / t.bw) * d * d * d / 3;
  }
  return cost;
}

/** Clipping cost above x: integral over t > x of (t - x)^2 dF(t). */
function costAbove(t: MseTables, x: number): number {
  const n = t.counts.length;
  const u = (x - t.lo) / t.bw;
  if (!(u < n)) return 0;
  const j = u < 0 ? -1 : Math.floor(u); // bin containing x; bins > j are fully above
  let cost = t.r2[j + 1] - 2 * x * t.r1[j + 1] + x * x * t.r0[j + 1] + (t.r0[j + 1] * t.bw * t.bw) / 12;
  if (j >= 0) {
    const d = (j + 1 - u) * t.bw; // part of bin j above x
    cost += (t.counts[j] / t.bw) * d * d * d / 3;
  }
  return cost;
}

/**
 * The expected squared quantization error, times the total count, of quantizing to [min, max] with `levels`
 * steps, each bin's mass uniform within the bin (density c / binWidth):
 *
 *   E(min, max) = integral_{x < min} (x - min)^2 dF + integral_{x > max} (x - max)^2 dF
 *                 + (F(max) - F(min)) * scale^2 / 12,   scale = (max - min) / levels.
 *
 * Clipping is integrated exactly over the part of each bin outside the range; rounding error inside is the
 * uniform-rounding approximation scale^2 / 12 per element. O(1) per call after O(bins) tables; exported for
 * inspection (plots of the error curve) and tests. Requires min < max; no argument checks.
 */
export function mseError(h: BinnedCounts, levels: number, min: number, max: number): number {
  return errorOf(tables(h), levels, min, max);
}

function errorOf(t: MseTables, levels: number, min: number, max: number): number {
  const scale = (max - min) / levels;
  return costBelow(t, min) + costAbove(t, max) + (massBelow(t, max) - massBelow(t, min)) * scale * scale / 12;
}

/**
 * The range minimising the expected squared quantization error {@link mseError}. The range always contains 0
 * (min <= 0 <= max), since every deployment grid represents 0 exactly. Candidates are bin edges:
 * - symmetric: t over the magnitudes |lo + i * binWidth| > 0 of every edge (the bin edges of |x|); range [-t, t]
 *   with scale 2t / levels, or, for non-negative data (no mass below 0, always so when h.lo >= 0), [0, t] with
 *   scale t / levels. O(bins).
 * - asymmetric: min over the edges <= 0 plus 0 itself, max over the edges >= 0 plus 0 (min < max). Coarse 2-D
 *   sweep, then refinement at bin resolution that is exact by branch and bound: the candidate grid is cut into
 *   square blocks of about 1.5 sqrt(candidates) a side (48 for 2048 bins); the middle pair of each block gives an
 *   upper bound; a block of minima [m0, m1] and maxima [M0, M1] has the lower bound
 *     clipBelow(m0) + clipAbove(M1) + (F(M0) - F(m1)) (M0 - m1)^2 / (12 levels^2)
 *   (clipping below grows with min, clipping above shrinks with max, the rounding term grows with the width);
 *   blocks are refined pair by pair in ascending bound order until a bound exceeds the best error found (with
 *   1e-12 relative slack for rounding). The answer is the minimum over all edge pairs, as an exhaustive search
 *   would find it; in practice a few percent of the pairs are evaluated.
 * Each candidate costs O(1): prefix sums (from the left, for clipping below) and suffix sums (from the right, for
 * clipping above) of count, count * center and count * center^2 give whole bins, plus the exact integral over the
 * partial bin at a cut that is not an edge (0, or -t / t for the symmetric search).
 * Errors within 1e-12 relative are ties (a window of fixed width sliding over empty bins costs the same at every
 * offset): symmetric keeps the smallest t; asymmetric keeps the narrowest range, then the one furthest left.
 * A single occupied bin [a, b) is searched like any
 * histogram; with 0 <= a and b < 2 levels binWidth the answer is [0, b] (clipping costs more than the finer
 * scale saves). Throws (naming 'mseRange' and the argument) on an invalid or empty histogram, levels not an
 * integer >= 1 and symmetric not a boolean.
 */
export function mseRange(h: BinnedCounts, options: MseOptions): Range {
  const fn = 'mseRange';
  checkBinnedCounts(fn, h);
  check(typeof options === 'object' && options !== null, fn, 'options', options,
    'an object { levels, symmetric }');
  checkInt(fn, 'levels', options.levels, 1, Number.MAX_SAFE_INTEGER);
  check(typeof options.symmetric === 'boolean', fn, 'symmetric', options.symmetric, 'a boolean');
  const t = tables(h);
  return options.symmetric ? symmetricSearch(t, options.levels, isNonNegative(h))
    : asymmetricSearch(t, options.levels);
}

/** Positive magnitudes of the bin edges, ascending (duplicates kept). */
function edgeMagnitudes(t: MseTables): Float64Array {
  const n = t.counts.length;
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i <= n; i++) {
    const e = t.lo + i * t.bw;
    if (e > 0) pos.push(e);
    else if (e < 0) neg.push(-e);
  }
  neg.reverse();
  const out = new Float64Array(pos.length + neg.length);
  let a = 0;
  let b = 0;
  for (let k = 0; k < out.length; k++) {
    out[k] = b >= neg.length || (a < pos.length && pos[a] <= neg[b]) ? pos[a++] : neg[b++];
  }
  return out;
}

/**
 * Errors within this relative distance count as equal, so that ties (a window of fixed width sliding over empty
 * bins costs exactly the same at every offset) are broken by rule rather than by rounding noise.
 */
const TIE = 1e-12;

function symmetricSearch(t: MseTables, levels: number, nonNegative: boolean): Range {
  const candidates = edgeMagnitudes(t);
  let best = Infinity;
  let bestT = candidates[candidates.length - 1];
  for (let k = 0; k < candidates.length; k++) {
    const a = candidates[k];
    const e = nonNegative ? errorOf(t, levels, 0, a) : errorOf(t, levels, -a, a);
    if (e < best * (1 - TIE)) { // ascending t: a tie keeps the smaller t
      best = e;
      bestT = a;
    }
  }
  return nonNegative ? { min: 0, max: bestT } : { min: -bestT, max: bestT };
}

function asymmetricSearch(t: MseTables, levels: number): Range {
  const n = t.counts.length;
  // Candidate minima ascending (most negative first, 0 last) and maxima ascending (0 first), with their
  // positions in bin units (edge indices, exact; 0 at -lo / bw) for the tie rule.
  const mins: number[] = [];
  const minPositions: number[] = [];
  const maxs: number[] = [0];
  const maxPositions: number[] = [-t.lo / t.bw];
  for (let i = 0; i <= n; i++) {
    const e = t.lo + i * t.bw;
    if (e < 0) { mins.push(e); minPositions.push(i); } else if (e > 0) { maxs.push(e); maxPositions.push(i); }
  }
  mins.push(0);
  minPositions.push(-t.lo / t.bw);
  const nm = mins.length;
  const nM = maxs.length;
  const minV = Float64Array.from(mins);
  const maxV = Float64Array.from(maxs);
  const minU = Float64Array.from(minPositions);
  const maxU = Float64Array.from(maxPositions);
  const below = new Float64Array(nm);
  const fMin = new Float64Array(nm);
  for (let i = 0; i < nm; i++) { below[i] = costBelow(t, minV[i]); fMin[i] = massBelow(t, minV[i]); }
  const above = new Float64Array(nM);
  const fMax = new Float64Array(nM);
  for (let j = 0; j < nM; j++) { above[j] = costAbove(t, maxV[j]); fMax[j] = massBelow(t, maxV[j]); }
  const k = 1 / (12 * levels * levels);

  let best = Infinity;
  let bestI = -1;
  let bestJ = -1;
  /** Takes (i, j) if its error e is lower, or tied and the range narrower, or as narrow and further left. */
  const offer = (e: number, i: number, j: number): void => {
    if (!(e < best * (1 - TIE))) {
      if (!(e <= best * (1 + TIE))) return;
      const w = maxU[j] - minU[i];
      const bestW = maxU[bestJ] - minU[bestI];
      if (!(w < bestW - 1e-9 || (w <= bestW + 1e-9 && maxU[j] < maxU[bestJ]))) return;
    }
    best = Math.min(best, e);
    bestI = i;
    bestJ = j;
  };
  const consider = (i: number, j: number): void => {
    const w = maxV[j] - minV[i];
    if (w > 0) offer(below[i] + above[j] + (fMax[j] - fMin[i]) * w * w * k, i, j);
  };

  // Blocks of about 1.5 sqrt(candidates) a side balance the per-block bounds against the refined pairs.
  const BLOCK = Math.max(16, Math.round(1.5 * Math.sqrt(Math.max(nm, nM))));
  const bm = Math.ceil(nm / BLOCK);
  const bM = Math.ceil(nM / BLOCK);
  // Coarse sweep: the middle pair of every block, plus the widest pair.
  for (let a = 0; a < bm; a++) {
    const i = Math.min(nm - 1, a * BLOCK + (BLOCK >> 1));
    for (let b = 0; b < bM; b++) consider(i, Math.min(nM - 1, b * BLOCK + (BLOCK >> 1)));
  }
  consider(0, nM - 1);
  // Lower bounds per block, refined in ascending order.
  const bounds = new Float64Array(bm * bM);
  const order = new Uint32Array(bm * bM);
  for (let a = 0; a < bm; a++) {
    const i0 = a * BLOCK;
    const i1 = Math.min(nm, i0 + BLOCK) - 1;
    for (let b = 0; b < bM; b++) {
      const j0 = b * BLOCK;
      const j1 = Math.min(nM, j0 + BLOCK) - 1;
      const w = Math.max(0, maxV[j0] - minV[i1]);
      bounds[a * bM + b] = below[i0] + above[j1] + Math.max(0, fMax[j0] - fMin[i1]) * w * w * k;
      order[a * bM + b] = a * bM + b;
    }
  }
  order.sort((x, y) => bounds[x] - bounds[y]);
  for (let o = 0; o < order.length; o++) {
    const cell = order[o];
    if (bounds[cell] > best * (1 + TIE)) break;
    const a = Math.floor(cell / bM);
    const b = cell - a * bM;
    const i1 = Math.min(nm, a * BLOCK + BLOCK);
    const j0 = b * BLOCK;
    const j1 = Math.min(nM, j0 + BLOCK);
    for (let i = a * BLOCK; i < i1; i++) {
      const bi = below[i];
      const fi = fMin[i];
      const mi = minV[i];
      for (let j = j0; j < j1; j++) {
        const w = maxV[j] - mi;
        if (!(w > 0)) continue;
        const e = bi + above[j] + (fMax[j] - fi) * w * w * k;
        if (e <= best * (1 + TIE)) offer(e, i, j);
      }
    }
  }
  return { min: minV[bestI], max: maxV[bestJ] };
}
