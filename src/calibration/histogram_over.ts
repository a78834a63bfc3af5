import { check, checkFinite, checkInt } from '../errors';
import type { BinnedCounts } from './binned';

/**
 * Counts of `data` over `bins` equal bins spanning exactly [lo, hi] (torch.histc's semantics): the last bin is
 * closed, values outside [lo, hi] are not counted. The bin of x is floor(fl32(fl32(x - lo) * bins) / fl32(hi - lo))
 * in float32, the arithmetic torch 1.13's CPU kernel uses, so the counts match PyTorch's HistogramObserver exactly.
 * Use it when the range is fixed in advance; {@link addToHistogram} grows its range with the data instead.
 * lo == hi puts every value equal to lo in the first bin (a zero-width histogram).
 */
export function histogramOver(data: Float32Array, lo: number, hi: number, bins: number): BinnedCounts {
  const fn = 'histogramOver';
  checkFinite(fn, 'lo', lo);
  checkFinite(fn, 'hi', hi);
  check(lo <= hi, fn, 'hi', hi, `a value >= lo (${lo})`);
  checkInt(fn, 'bins', bins, 1, 1 << 24);
  const counts = new Float64Array(bins);
  const lo32 = Math.fround(lo);
  const span = Math.fround(Math.fround(hi) - lo32);
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    if (x - x !== 0) throw new Error(`${fn}: argument 'data' has ${x} at index ${i}; expected finite values`);
    if (x < lo || x > hi) continue;
    const k = span === 0 ? 0 : Math.floor(Math.fround(Math.fround(Math.fround(x - lo32) * bins) / span));
    counts[k >= bins ? bins - 1 : k]++;
  }
  return { lo: lo32, binWidth: span / bins, counts };
}
