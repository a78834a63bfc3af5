import { histogramBins, type StreamingHistogram } from '../calibration/histogram';
import { percentileRange } from '../calibration/methods/percentile';
import { weightsOf } from '../graph/execute';
import type { Graph } from '../graph/ir';

/** One tensor's observed range on the calibration data, with two-sided percentiles. */
export interface TensorRange {
  readonly tensor: string;
  readonly count: number;
  readonly min: number;
  readonly max: number;
  /** 0.01th and 99.99th percentiles. */
  readonly p0_01: number;
  readonly p99_99: number;
  /** 0.1th and 99.9th percentiles. */
  readonly p0_1: number;
  readonly p99_9: number;
}

/** One weighted layer's per-output-channel weight ranges and their spread (what per-tensor weights must cover). */
export interface WeightChannelRanges {
  readonly layer: string;
  readonly op: string;
  readonly min: readonly number[];
  readonly max: readonly number[];
  /** max over channels of max|w| / min over channels of max|w| (Infinity when a channel is all zero). */
  readonly spread: number;
}

/** Dynamic range of every calibrated tensor: min, max and percentiles, from the calibration histograms. */
export function activationRanges(histograms: ReadonlyMap<string, StreamingHistogram>): TensorRange[] {
  return [...histograms].filter(([, h]) => h.count > 0).map(([tensor, h]) => {
    const binned = histogramBins(h);
    const at = (p: number) => percentileRange(binned, { percentile: p, mode: 'two-sided' });
    const [tight, loose] = [at(99.99), at(99.9)];
    return { tensor, count: h.count, min: h.min, max: h.max, p0_01: tight.min, p99_99: tight.max, p0_1: loose.min, p99_9: loose.max };
  });
}

/**
 * Per-output-channel min and max of every conv, depthwise and dense layer's weights (depthwise: channel x multiplier),
 * as per-channel quantization sees them.
 */
export function weightChannelRanges(graph: Graph): WeightChannelRanges[] {
  return graph.nodes.flatMap((node) => {
    const op = node.op;
    if (op.kind !== 'conv2d' && op.kind !== 'depthwiseConv2d' && op.kind !== 'dense') return [];
    const w = weightsOf(op)[op.kind === 'dense' ? 'kernel' : 'filter']!;
    const channels = op.kind === 'depthwiseConv2d' ? w.shape[2] * w.shape[3] : w.shape[w.shape.length - 1];
    const min = new Array<number>(channels).fill(Infinity);
    const max = new Array<number>(channels).fill(-Infinity);
    for (let k = 0; k < w.data.length; k++) {
      const c = k % channels;
      if (w.data[k] < min[c]) min[c] = w.data[k];
      if (w.data[k] > max[c]) max[c] = w.data[k];
    }
    const amax = min.map((lo, c) => Math.max(-lo, max[c]));
    return [{ layer: node.name, op: op.kind, min, max, spread: Math.max(...amax) / Math.min(...amax) }];
  });
}
