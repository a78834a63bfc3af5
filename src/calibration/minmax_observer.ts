import type { Range } from '../range';
import { observedExtent, type Observed, type Observer } from './observer';

/** Running extremes of everything observed; `count` is the number of elements (0: nothing observed yet). */
export interface MinMaxStats {
  readonly count: number;
  readonly min: number;
  readonly max: number;
}

const EMPTY: MinMaxStats = { count: 0, min: Infinity, max: -Infinity };

/**
 * The absolute min/max observer: range = [min(x), max(x)] over all data seen. Exact and order-independent, so merge
 * is min of mins and max of maxes. `range` of empty statistics throws: there is nothing to calibrate from.
 */
export function minMaxObserver(): Observer<MinMaxStats, Range> {
  return {
    name: 'minmax',
    empty: () => EMPTY,
    collect(stats: MinMaxStats, x: Observed): MinMaxStats {
      const e = observedExtent('minMaxObserver.collect', x);
      return { count: stats.count + e.data.length, min: Math.min(stats.min, e.min), max: Math.max(stats.max, e.max) };
    },
    merge: (a, b) => ({ count: a.count + b.count, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) }),
    range: (stats) => rangeOf('minMaxObserver.range', stats),
  };
}

/** The range of min/max statistics; throws when nothing was observed. */
export function rangeOf(fn: string, stats: { readonly count: number; readonly min: number; readonly max: number }): Range {
  if (stats.count === 0) throw new Error(`${fn}: no data observed yet; call collect with calibration data first`);
  return { min: stats.min, max: stats.max };
}
