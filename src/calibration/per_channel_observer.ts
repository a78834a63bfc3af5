import { check, checkInt } from '../errors';
import type { ChannelRanges } from '../range';
import { observedData, type Observed, type Observer } from './observer';

/** Per-channel extremes along `axis`; `count` is the number of tensors observed. */
export interface PerChannelStats {
  readonly axis: number;
  readonly count: number;
  readonly min: Float32Array;
  readonly max: Float32Array;
}

/**
 * Min and max of each slice along `axis` (PyTorch's PerChannelMinMaxObserver; ch_axis 0 for conv weights
 * [out, in, kh, kw], the last axis for TF.js weights [kh, kw, in, out]). Every observed tensor must have the same
 * number of channels on that axis. Merge takes elementwise min of mins and max of maxes.
 */
export function perChannelMinMaxObserver(options: { axis: number }): Observer<PerChannelStats, ChannelRanges> {
  const fn = 'perChannelMinMaxObserver';
  check(typeof options === 'object' && options !== null, fn, 'options', options, '{ axis: number }');
  checkInt(fn, 'axis', options.axis, 0, 31);
  const axis = options.axis;
  return {
    name: `per-channel-minmax(axis ${axis})`,
    empty: () => ({ axis, count: 0, min: new Float32Array(0), max: new Float32Array(0) }),
    collect(stats, x: Observed) {
      const { data, shape } = observedData(`${fn}.collect`, x);
      check(axis < shape.length, `${fn}.collect`, 'x', `a tensor of shape [${shape.join(', ')}]`,
        `a tensor with an axis ${axis}`);
      const channels = shape[axis];
      if (stats.count > 0) {
        check(channels === stats.min.length, `${fn}.collect`, 'x', `a tensor of shape [${shape.join(', ')}]`,
          `${stats.min.length} channels on axis ${axis}, as in the data observed before`);
      }
      const min = stats.count > 0 ? stats.min.slice() : new Float32Array(channels).fill(Infinity);
      const max = stats.count > 0 ? stats.max.slice() : new Float32Array(channels).fill(-Infinity);
      const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      const outer = data.length / (channels * inner);
      let i = 0;
      for (let o = 0; o < outer; o++) {
        for (let c = 0; c < channels; c++) {
          let lo = min[c];
          let hi = max[c];
          for (let end = i + inner; i < end; i++) {
            const v = data[i];
            if (v < lo) lo = v;
            if (v > hi) hi = v;
          }
          min[c] = lo;
          max[c] = hi;
        }
      }
      return { axis, count: stats.count + 1, min, max };
    },
    merge(a, b) {
      if (a.count === 0) return b;
      if (b.count === 0) return a;
      check(a.min.length === b.min.length, `${fn}.merge`, 'b', `statistics of ${b.min.length} channels`,
        `${a.min.length} channels, as in a`);
      return {
        axis,
        count: a.count + b.count,
        min: a.min.map((v, c) => Math.min(v, b.min[c])),
        max: a.max.map((v, c) => Math.max(v, b.max[c])),
      };
    },
    range(stats) {
      if (stats.count === 0) throw new Error(`${fn}.range: no data observed yet; call collect with calibration data first`);
      return { axis, min: stats.min.slice(), max: stats.max.slice() };
    },
  };
}
