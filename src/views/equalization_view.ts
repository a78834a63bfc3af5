import type { EqualizationResult } from '../fixes/equalize';
import { displayable, pct, type Displayable } from './display';
import type { EqualizationView } from './types';

/** Per-channel weight ranges of each equalized pair before and after cross-layer equalization. */
export function equalizationView(model: string, result: Pick<EqualizationResult, 'pairs' | 'skipped'>, accuracy: { before: number | null; after: number | null } = { before: null, after: null }): Displayable<EqualizationView> {
  const spread = (r: Float32Array) => {
    const positive = Array.from(r).filter((v) => v > 0);
    return positive.length === 0 ? '-' : (Math.max(...positive) / Math.min(...positive)).toFixed(1);
  };
  return displayable<EqualizationView>({
    kind: 'equalization',
    title: `Cross-layer equalization of ${model}`,
    model,
    pairs: result.pairs.map((p) => ({
      first: { layer: p.first, before: Array.from(p.before.first), after: Array.from(p.after.first) },
      second: { layer: p.second, before: Array.from(p.before.second), after: Array.from(p.after.second) },
      scales: Array.from(p.scales),
    })),
    skipped: result.skipped.map((s) => ({ ...s })),
    accuracyBefore: accuracy.before,
    accuracyAfter: accuracy.after,
  }, {
    header: ['first', 'second', 'channels', 'range spread before (first)', 'after (first)', 'before (second)', 'after (second)'],
    rows: result.pairs.map((p) => [p.first, p.second, p.scales.length, spread(p.before.first), spread(p.after.first), spread(p.before.second), spread(p.after.second)]),
    notes: [
      `accuracy before ${pct(accuracy.before)}, after ${pct(accuracy.after)}; spread = max/min of the per-channel weight ranges`,
      ...result.skipped.map((s) => `skipped ${s.first} -> ${s.second}: ${s.reason}`),
    ],
  });
}
