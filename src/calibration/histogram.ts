import { check, checkFiniteData, checkInt, QuantscopeArgumentError } from '../errors';
import { calibrationKernels, type CalibrationKernels } from '../wasm/calibration_kernels';
import type { BinnedCounts } from './binned';
import { extent } from './observer';

/**
 * A streaming histogram on a grid anchored at 0: bins have width 2^exponent and bin k (absolute) covers
 * [k * 2^exponent, (k + 1) * 2^exponent). The window holds `bins` consecutive bins starting at absolute bin `start`
 * = floor(min / 2^exponent). Because every grid is a power-of-two coarsening of every finer one, and all are
 * anchored at 0:
 * - the range grows without losing or splitting counts: each old bin falls wholly inside one new bin;
 * - two histograms merge exactly, whatever ranges they saw;
 * - folding at 0 for |x| is exact (0 is always a bin edge).
 * The price is resolution: the data's span fills between a half and all of the bins (at least bins / 2 - 1).
 * `min`, `max` and `count` are the exact extremes and number of elements seen.
 */
export interface StreamingHistogram {
  readonly bins: number;
  readonly exponent: number;
  readonly start: number;
  readonly counts: Float64Array;
  readonly count: number;
  readonly min: number;
  readonly max: number;
}

/** The default number of bins, as PyTorch's HistogramObserver and TensorRT's calibrators use. */
export const DEFAULT_BINS = 2048;

/** A histogram of no data with `bins` bins (8..65536). */
export function emptyHistogram(bins: number = DEFAULT_BINS): StreamingHistogram {
  checkInt('emptyHistogram', 'bins', bins, 8, 65536);
  return { bins, exponent: -Infinity, start: 0, counts: new Float64Array(bins), count: 0, min: Infinity, max: -Infinity };
}

/** Options of {@link addToHistogram}. */
export interface AddToHistogramOptions {
  /** The function name errors report (an observer passes its own). */
  readonly caller?: string;
  /** The WebAssembly loops to use; null selects the TypeScript reference loops. Default: the WebAssembly ones. */
  readonly kernels?: CalibrationKernels | null;
}

/**
 * A new histogram that also counts `data`. Grows the range when the data falls outside it, keeping every count.
 * Never mutates `h`. Empty data returns `h`; NaN or +-Inf throws, naming the first index. The scan and the binning
 * run in WebAssembly when available, with the same result as the TypeScript loops (tested bin for bin).
 */
export function addToHistogram(h: StreamingHistogram, data: Float32Array, options: AddToHistogramOptions = {}): StreamingHistogram {
  if (data.length === 0) return h;
  const caller = options.caller ?? 'addToHistogram';
  const kernels = options.kernels === undefined ? calibrationKernels() : options.kernels;
  let e: { min: number; max: number };
  if (kernels) {
    kernels.stage(data);
    const scanned = kernels.extent();
    if (!scanned.finite) checkFiniteData(caller, 'x', data); // throws, naming the index
    e = scanned;
  } else {
    checkFiniteData(caller, 'x', data);
    e = extent(data);
  }
  const min = Math.min(h.min, e.min);
  const max = Math.max(h.max, e.max);
  const exponent = gridExponent(min, max, h.bins, h.exponent);
  const start = Math.floor(min / 2 ** exponent);
  const counts = regrid(h, exponent, start);
  if (kernels) kernels.bin(counts, exponent, start);
  else binInto(counts, data, exponent, start);
  return { bins: h.bins, exponent, start, counts, count: h.count + data.length, min, max };
}

/** The histogram of the union of the data behind a and b, exactly. Throws when their bin counts differ. */
export function mergeHistograms(a: StreamingHistogram, b: StreamingHistogram): StreamingHistogram {
  if (a.bins !== b.bins) {
    throw new QuantscopeArgumentError('mergeHistograms', 'b', `a histogram of ${b.bins} bins`,
      `the same number of bins as a (${a.bins})`);
  }
  if (b.count === 0) return a;
  if (a.count === 0) return b;
  const min = Math.min(a.min, b.min);
  const max = Math.max(a.max, b.max);
  const exponent = gridExponent(min, max, a.bins, Math.max(a.exponent, b.exponent));
  const start = Math.floor(min / 2 ** exponent);
  const counts = regrid(a, exponent, start);
  const other = regrid(b, exponent, start);
  for (let i = 0; i < counts.length; i++) counts[i] += other[i];
  return { bins: a.bins, exponent, start, counts, count: a.count + b.count, min, max };
}

/** The occupied bins [floor(min / w), floor(max / w)] as uniform counts for the range-selection methods. */
export function histogramBins(h: StreamingHistogram): BinnedCounts {
  check(h.count > 0, 'histogramBins', 'h', 'an empty histogram', 'a histogram that has seen data');
  const width = 2 ** h.exponent;
  const used = Math.floor(h.max / width) - h.start + 1;
  return { lo: h.start * width, binWidth: width, counts: h.counts.slice(0, used) };
}

/**
 * The smallest exponent >= `atLeast` whose grid puts [min, max] inside `bins` bins. Constant data gets a grid 2^-11
 * of its magnitude (2^-149, float32's smallest step, for zeros) so later data keeps resolution.
 */
function gridExponent(min: number, max: number, bins: number, atLeast: number): number {
  const span = max - min;
  let exponent: number;
  // One below the estimate: Math.log2 may round up near powers of two, and the loop below only moves up.
  if (span > 0) exponent = Math.floor(Math.log2(span / bins)) - 1;
  else if (max !== 0) exponent = Math.floor(Math.log2(Math.abs(max))) - 11;
  else exponent = -149;
  exponent = Math.max(exponent, atLeast, -149);
  while (Math.floor(max / 2 ** exponent) - Math.floor(min / 2 ** exponent) >= bins) exponent++;
  return exponent;
}

/** h's counts moved onto the coarser-or-equal grid (exponent, start). */
function regrid(h: StreamingHistogram, exponent: number, start: number): Float64Array {
  const counts = new Float64Array(h.bins);
  if (h.count === 0) return counts;
  const factor = 2 ** (exponent - h.exponent);
  for (let i = 0; i < h.bins; i++) {
    const c = h.counts[i];
    if (c !== 0) counts[Math.floor((h.start + i) / factor) - start] += c;
  }
  return counts;
}

/** Adds every value to its bin; x / 2^exponent is exact, so the bin is exact too. */
function binInto(counts: Float64Array, data: Float32Array, exponent: number, start: number): void {
  const inverse = 2 ** -exponent;
  for (let i = 0; i < data.length; i++) counts[Math.floor(data[i] * inverse) - start]++;
}
