import type { ViewRange } from './types';

/** A histogram as views carry it: `counts[i]` values in [edges[i], edges[i + 1]). Bins may differ in width. */
export interface ViewHistogram {
  readonly edges: readonly number[];
  readonly counts: readonly number[];
}

/** The integer grid: `bits` wide (2^bits - 1 steps), centred on zero when `symmetric`. */
export interface GridOptions {
  readonly bits: number;
  readonly symmetric: boolean;
}

/** The expected quantization error of one histogram over one range; errors are means over all values. */
export interface HistogramQuantError {
  /** The range the grid spans (see {@link histogramQuantError} for how it follows from the requested one). */
  readonly range: ViewRange;
  /** The grid step (range width / (2^bits - 1)); 0 when the range is [0, 0]. */
  readonly scale: number;
  /** Mean squared distance of the values outside the range to the nearer end. */
  readonly clipping: number;
  /** Mean squared error of rounding the values inside the range to the grid. */
  readonly rounding: number;
  /** clipping + rounding. */
  readonly mse: number;
  /** 10 log10(mean x^2 / mse); null when either is 0. */
  readonly sqnrDb: number | null;
}

/**
 * The expected squared error of quantizing the values of a histogram to a `bits`-wide grid over `range`, split into
 * clipping and rounding. Each bin's mass is spread uniformly over the bin, the model of
 * `src/calibration/methods/mse.ts`, so on the same histogram the clipping term equals the one `mseError` integrates.
 * The rounding term is integrated exactly under the same model instead of being taken as scale^2 / 12 per value:
 * the two agree on smooth data, and this one stays right where mass piles up at a grid point (the zeros of a ReLU
 * sit on the grid and lose nothing).
 *
 * The grid: levels = 2^bits - 1 steps, points min + k scale with scale = (max - min) / levels, values outside
 * [min, max] clipped to the nearer end, values inside rounded to the nearest point (as `mseError` models it).
 * - asymmetric: [min(min, 0), max(max, 0)]: every deployment grid contains 0.
 * - symmetric: a = max(|min|, |max|) and [-a, a]; or [0, a] when min >= 0, the range the symmetric range methods
 *   give non-negative data.
 * Writing F for the histogram's distribution (each bin uniform) and q for the grid:
 *   clipping = E[(x - min)^2; x < min] + E[(x - max)^2; x > max]
 *   rounding = E[(x - q(x))^2; min <= x <= max], per bin scale^3 * density * (G(t1) - G(t0)), t = (x - min) / scale,
 *              G the antiderivative of the squared distance to the nearest integer
 *   sqnrDb   = 10 log10(E[x^2] / (clipping + rounding))
 * A range [0, 0] clips everything to 0 (scale 0). O(bins); no allocation.
 * Throws a RangeError naming the argument when edges.length is not counts.length + 1, an edge is not finite or not
 * above the previous one, a count is not finite and >= 0, every count is 0, the range is not finite with
 * min <= max, or bits is not an integer in 1..32.
 */
export function histogramQuantError(histogram: ViewHistogram, range: ViewRange, grid: GridOptions): HistogramQuantError {
  const { edges, counts } = histogram;
  const n = counts.length;
  if (edges.length !== n + 1 || n === 0) {
    fail('histogram.edges', `an array of length ${edges.length}`, `one edge more than the ${n} counts, and at least one count`);
  }
  if (!(Number.isFinite(range.min) && Number.isFinite(range.max) && range.min <= range.max)) {
    fail('range', `[${range.min}, ${range.max}]`, 'finite numbers with min <= max');
  }
  if (!(Number.isInteger(grid.bits) && grid.bits >= 1 && grid.bits <= 32)) fail('grid.bits', String(grid.bits), 'an integer in 1..32');
  const { min, max } = gridRange(range, grid.symmetric);
  const scale = (max - min) / (2 ** grid.bits - 1);
  const scale3 = scale * scale * scale;

  let total = 0;
  let power = 0;
  let clipping = 0;
  let rounding = 0;
  let a = edges[0];
  if (!Number.isFinite(a)) fail('histogram.edges[0]', String(a), 'a finite number');
  for (let i = 0; i < n; i++) {
    const b = edges[i + 1];
    if (!(b > a && Number.isFinite(b))) fail(`histogram.edges[${i + 1}]`, String(b), `a finite number above edges[${i}] = ${a}`);
    const c = counts[i];
    if (!(c >= 0 && c < Infinity)) fail(`histogram.counts[${i}]`, String(c), 'a finite number >= 0');
    if (c > 0) {
      const density = c / (b - a);
      total += c;
      power += density * (cube(b) - cube(a)) / 3;
      if (a < min) clipping += density * (cube(min - a) - cube(min - Math.min(b, min))) / 3; // below min
      if (b > max) clipping += density * (cube(b - max) - cube(Math.max(a, max) - max)) / 3; // above max
      const lo = Math.max(a, min);
      const hi = Math.min(b, max);
      if (hi > lo && scale > 0) rounding += density * scale3 * roundingIntegral((lo - min) / scale, (hi - min) / scale);
    }
    a = b;
  }
  if (!(total > 0)) fail('histogram.counts', 'all 0', 'at least one positive count');
  const mse = (clipping + rounding) / total;
  return {
    range: { min, max },
    scale,
    clipping: clipping / total,
    rounding: rounding / total,
    mse,
    sqnrDb: mse > 0 && power > 0 ? 10 * Math.log10(power / total / mse) : null,
  };
}

function gridRange(range: ViewRange, symmetric: boolean): ViewRange {
  if (!symmetric) return { min: Math.min(range.min, 0), max: Math.max(range.max, 0) };
  const a = Math.max(Math.abs(range.min), Math.abs(range.max));
  return range.min >= 0 ? { min: 0, max: a } : { min: -a, max: a };
}

/**
 * The integral over t in [t0, t1] of (t - round(t))^2. Whole periods contribute 1/12 each; the integer parts are
 * subtracted before the fractional parts so that a 16-bit grid (t up to 65535) keeps full precision.
 */
function roundingIntegral(t0: number, t1: number): number {
  const k0 = Math.floor(t0);
  const k1 = Math.floor(t1);
  return (k1 - k0) / 12 + periodIntegral(t1 - k1) - periodIntegral(t0 - k0);
}

/** The integral over s in [0, f], 0 <= f <= 1, of (s - round(s))^2: s^3 / 3 up to the midpoint, then 1/12 - (1 - f)^3 / 3. */
function periodIntegral(f: number): number {
  return f <= 0.5 ? cube(f) / 3 : 1 / 12 - cube(1 - f) / 3;
}

function cube(x: number): number {
  return x * x * x;
}

function fail(arg: string, value: string, expected: string): never {
  throw new RangeError(`histogramQuantError: argument '${arg}' was ${value}; expected ${expected}`);
}
