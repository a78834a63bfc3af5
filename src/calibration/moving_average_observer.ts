import { check } from '../errors';
import type { Range } from '../range';
import { rangeOf } from './minmax_observer';
import { observedExtent, type Observed, type Observer } from './observer';

/** Exponential moving averages of per-batch extremes; `count` is the number of batches averaged. */
export interface MovingAverageStats {
  readonly count: number;
  readonly min: number;
  readonly max: number;
}

/**
 * PyTorch's MovingAverageMinMaxObserver: the first batch sets min and max; each later batch b moves them by
 *   min <- min + c * (min(b) - min),   max <- max + c * (max(b) - max)
 * with c = averagingConstant (default 0.01), in float32 as PyTorch computes it. Outliers in single batches are
 * damped, which suits activations seen during training. Merge has no exact meaning for an average that depends on
 * order; it returns the batch-count-weighted mean of the two states (exact when both saw the same distribution).
 */
export function movingAverageMinMaxObserver(options: { averagingConstant?: number } = {}): Observer<MovingAverageStats, Range> {
  const c = options.averagingConstant ?? 0.01;
  check(typeof c === 'number' && c > 0 && c <= 1, 'movingAverageMinMaxObserver', 'averagingConstant', c, 'a number in (0, 1]');
  const cf = Math.fround(c);
  const step = (old: number, batch: number) => Math.fround(old + Math.fround(cf * Math.fround(batch - old)));
  return {
    name: `moving-average-minmax(${c})`,
    empty: () => ({ count: 0, min: Infinity, max: -Infinity }),
    collect(stats, x: Observed) {
      const e = observedExtent('movingAverageMinMaxObserver.collect', x);
      if (stats.count === 0) return { count: 1, min: e.min, max: e.max };
      return { count: stats.count + 1, min: step(stats.min, e.min), max: step(stats.max, e.max) };
    },
    merge(a, b) {
      if (a.count === 0) return b;
      if (b.count === 0) return a;
      const n = a.count + b.count;
      return { count: n, min: (a.min * a.count + b.min * b.count) / n, max: (a.max * a.count + b.max * b.count) / n };
    },
    range: (stats) => rangeOf('movingAverageMinMaxObserver.range', stats),
  };
}
