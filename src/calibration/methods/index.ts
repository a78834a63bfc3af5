import type { RangeMethod } from '../histogram_observer';
import { entropyRange } from './entropy';
import { l2Range } from './l2';
import { mseRange } from './mse';
import { percentileRange } from './percentile';

/**
 * Range-selection strategies for {@link histogramObserver}, each a named function of a histogram. The formulas and
 * defaults are documented on the functions they wrap.
 */
export const rangeMethods = {
  /** The p-th percentile, two-sided (min at 100 - p) or of |x| (symmetric). */
  percentile(percentile: number, mode: 'two-sided' | 'abs' = 'two-sided'): RangeMethod {
    percentileRange({ lo: 0, binWidth: 1, counts: Float64Array.of(1) }, { percentile, mode }); // validates now, not at first use
    return named(`percentile(${percentile}${mode === 'abs' ? ', |x|' : ''})`, (h) => percentileRange(h, { percentile, mode }));
  },
  /** TensorRT's KL-divergence threshold (128 target bins for int8). */
  entropy(options: { targetBins?: number; startBin?: number; stride?: number } = {}): RangeMethod {
    return named('entropy', (h) => entropyRange(h, options));
  },
  /** The range minimising expected squared quantization error for `levels` = qmax - qmin steps. */
  mse(options: { levels?: number; symmetric?: boolean } = {}): RangeMethod {
    const levels = options.levels ?? 255;
    const symmetric = options.symmetric ?? false;
    return named(`mse(${levels}${symmetric ? ', sym' : ''})`, (h) => mseRange(h, { levels, symmetric }));
  },
  /** PyTorch HistogramObserver's L2 non-linear search. */
  l2(options: { dstBins?: number } = {}): RangeMethod {
    return named('l2', (h) => l2Range(h, options));
  },
};

function named(methodName: string, fn: (h: Parameters<RangeMethod>[0]) => ReturnType<RangeMethod>): RangeMethod {
  return Object.assign(fn, { methodName });
}
