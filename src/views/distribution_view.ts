import { histogramOver } from '../calibration/histogram_over';
import type { Range } from '../range';
import { displayable, fmt, type Displayable } from './display';
import type { DistributionView } from './types';

export interface DistributionGrid {
  readonly clip: Range;
  readonly scale: number;
  readonly zeroPoint: number;
  readonly bits: number;
}

/**
 * Float values of a tensor and the same tensor in the quantized model, as histograms over shared bins spanning
 * both (so clipped tails and the grid's comb both show). `grid` is null for a tensor that is not quantized.
 */
export function distributionView(tensor: string, float: Float32Array, quantized: Float32Array, grid: DistributionGrid | null, bins = 128): Displayable<DistributionView> {
  if (float.length === 0) throw new Error(`distributionView: tensor '${tensor}' has no values`);
  let lo = Infinity;
  let hi = -Infinity;
  for (const data of [float, quantized]) {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (!Number.isFinite(v)) throw new Error(`distributionView: tensor '${tensor}' holds ${v} at index ${i}`);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (hi === lo) hi = lo + 1;
  const f = histogramOver(float, lo, hi, bins);
  const q = histogramOver(quantized, lo, hi, bins);
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + (i * (hi - lo)) / bins);
  const clipped = grid === null ? 0 : float.reduce((n, v) => n + (v < grid.clip.min || v > grid.clip.max ? 1 : 0), 0);
  return displayable<DistributionView>({
    kind: 'distribution',
    title: `Distribution of ${tensor}`,
    tensor,
    edges,
    floatCounts: Array.from(f.counts),
    quantCounts: Array.from(q.counts),
    clip: grid && { min: grid.clip.min, max: grid.clip.max },
    scale: grid?.scale ?? null,
    zeroPoint: grid?.zeroPoint ?? null,
    bits: grid?.bits ?? null,
  }, {
    header: ['values', 'float', 'quantized'],
    rows: [['min', fmt(Math.min(...sampleExtent(float)), 4), fmt(Math.min(...sampleExtent(quantized)), 4)], ['max', fmt(Math.max(...sampleExtent(float)), 4), fmt(Math.max(...sampleExtent(quantized)), 4)]],
    notes: [grid === null ? `${float.length} values, not quantized` : `${float.length} values; clip ${fmt(grid.clip.min, 4)}..${fmt(grid.clip.max, 4)}, scale ${grid.scale.toPrecision(4)}, zero point ${grid.zeroPoint}, ${grid.bits} bits; ${clipped} values (${(100 * clipped / float.length).toFixed(3)}%) clipped`],
  });
}

function sampleExtent(data: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}
