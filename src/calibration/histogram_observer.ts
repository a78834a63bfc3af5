import type { Range } from '../range';
import type { BinnedCounts } from './binned';
import { addToHistogram, DEFAULT_BINS, emptyHistogram, histogramBins, mergeHistograms, type StreamingHistogram } from './histogram';
import { observedData, type Observed, type Observer } from './observer';

/** A strategy that picks a range from a histogram (percentile, entropy, MSE, L2, ...). */
export type RangeMethod = ((h: BinnedCounts) => Range) & { readonly methodName?: string };

/**
 * Collects a streaming, mergeable histogram (see {@link StreamingHistogram}) and picks the range with `method`
 * (default: the data's min and max). The method's range is intersected with the observed [min, max]: bins are
 * slightly wider than the data, and no method should widen the range beyond what was seen.
 */
export function histogramObserver(options: { bins?: number; method?: RangeMethod } = {}): Observer<StreamingHistogram, Range> {
  const bins = options.bins ?? DEFAULT_BINS;
  emptyHistogram(bins); // validates bins once, at construction
  const method = options.method;
  return {
    name: `histogram(${bins}${method?.methodName ? `, ${method.methodName}` : ''})`,
    empty: () => emptyHistogram(bins),
    collect(stats, x: Observed) {
      const fn = 'histogramObserver.collect';
      return addToHistogram(stats, observedData(fn, x, false).data, { caller: fn });
    },
    merge: mergeHistograms,
    range(stats) {
      if (stats.count === 0) throw new Error('histogramObserver.range: no data observed yet; call collect with calibration data first');
      if (method === undefined) return { min: stats.min, max: stats.max };
      const r = method(histogramBins(stats));
      const clamp = (v: number) => Math.min(Math.max(v, stats.min), stats.max);
      return { min: clamp(r.min), max: clamp(r.max) };
    },
  };
}
