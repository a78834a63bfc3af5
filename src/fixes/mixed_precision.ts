import type { ImageSet } from '../data/fashion_mnist';
import { planAccuracy } from '../analysis/accuracy';
import { layerSensitivity, type SensitivityReport } from '../analysis/sensitivity';
import { check } from '../errors';
import { requireNode, type Graph } from '../graph/ir';
import type { LayerPrecision, QuantPlan } from '../quant/plan';

/**
 * How much accuracy the quantized model may lose: `points` of accuracy (0.5 = half a percentage point), or a
 * `relative` fraction of the float accuracy (0.01 = keep 99% of it).
 */
export type AccuracyBudget = { readonly points: number } | { readonly relative: number };

/** One evaluated configuration of the search. */
export interface MixedPrecisionTrial {
  readonly step: number;
  /** 'promote' adds the next most sensitive layer; 'demote' tries returning one to the base precision. */
  readonly move: 'start' | 'promote' | 'demote';
  readonly layer: string | null;
  /** Every layer in the higher precision in this trial. */
  readonly promoted: readonly string[];
  readonly accuracy: number;
  /** accuracy - float accuracy, in points. */
  readonly delta: number;
  readonly withinBudget: boolean;
  /** Whether the search kept this trial's configuration. */
  readonly kept: boolean;
}

export interface MixedPrecisionResult {
  readonly floatAccuracy: number;
  /** The least accuracy the budget accepts. */
  readonly target: number;
  readonly met: boolean;
  /** The plan found: the budget's cheapest configuration, or (not met) the most accurate one tried. */
  readonly plan: QuantPlan;
  readonly promoted: readonly string[];
  readonly accuracy: number;
  readonly trials: readonly MixedPrecisionTrial[];
  /** The ranking the search followed. */
  readonly sensitivity: SensitivityReport;
  /** Why the budget was not met, or null. */
  readonly note: string | null;
}

export interface MixedPrecisionOptions {
  readonly budget: AccuracyBudget;
  /** The precision sensitive layers move to: 'float' (fallback, the default), 'fp16' or 'int16' (16x8). */
  readonly higher?: Exclude<LayerPrecision, 'int8'>;
  /** A sensitivity ranking already measured under `plan` (the search measures one otherwise). */
  readonly sensitivity?: SensitivityReport;
  /** Layers the search may not promote. */
  readonly exclude?: readonly string[];
  readonly onTrial?: (trial: MixedPrecisionTrial) => void;
}

/** The least accuracy (0..1) a budget accepts for a model of `floatAccuracy`. */
export function budgetTarget(budget: AccuracyBudget, floatAccuracy: number): number {
  const fn = 'budgetTarget';
  if ('points' in budget) {
    check(Number.isFinite(budget.points) && budget.points >= 0, fn, 'budget.points', budget.points, 'a finite number of points >= 0');
    return floatAccuracy - budget.points / 100;
  }
  check(Number.isFinite(budget.relative) && budget.relative >= 0 && budget.relative < 1, fn, 'budget.relative', budget.relative, 'a fraction in [0, 1)');
  return floatAccuracy * (1 - budget.relative);
}

/**
 * Automatic mixed precision: keeps layers in a higher precision, most sensitive first (the layers whose float
 * fallback recovers the most accuracy), until the quantized model is within the budget; then tries returning each
 * promoted layer to the base precision, least sensitive first, and keeps any that the budget allows. Every trial is
 * reported. A budget that cannot be met is said so, with the most accurate configuration found.
 */
export function searchMixedPrecision(graph: Graph, plan: QuantPlan, data: ImageSet, options: MixedPrecisionOptions): MixedPrecisionResult {
  const fn = 'searchMixedPrecision';
  const higher = options.higher ?? 'float';
  check(['float', 'fp16', 'int16'].includes(higher), fn, 'options.higher', higher, "'float', 'fp16' or 'int16'");
  const excluded = new Set((options.exclude ?? []).map((name) => requireNode(graph, name, `${fn} (exclude)`).name));
  const sensitivity = options.sensitivity ?? layerSensitivity(graph, plan, data);
  const ranked = [...sensitivity.rows].sort((a, b) => b.recovery - a.recovery || b.lossAlone - a.lossAlone).map((r) => r.layer).filter((l) => !excluded.has(l));
  const floatAccuracy = sensitivity.floatAccuracy;
  const target = budgetTarget(options.budget, floatAccuracy);
  const planWith = (promoted: readonly string[]): QuantPlan => ({
    ...plan,
    layerPrecision: { ...plan.layerPrecision, ...Object.fromEntries(promoted.map((l) => [l, higher])) },
  });
  const trials: MixedPrecisionTrial[] = [];
  const record = (move: MixedPrecisionTrial['move'], layer: string | null, promoted: readonly string[], accuracy: number, kept: boolean): boolean => {
    const within = accuracy >= target;
    const trial: MixedPrecisionTrial = { step: trials.length, move, layer, promoted: [...promoted], accuracy, delta: 100 * (accuracy - floatAccuracy), withinBudget: within, kept };
    trials.push(trial);
    options.onTrial?.(trial);
    return within;
  };

  let promoted: string[] = [];
  let accuracy = sensitivity.quantizedAccuracy;
  let met = record('start', null, promoted, accuracy, true);
  let best = { promoted, accuracy };
  for (const layer of ranked) {
    if (met) break;
    promoted = [...promoted, layer];
    accuracy = planAccuracy(graph, planWith(promoted), data);
    met = record('promote', layer, promoted, accuracy, true);
    if (accuracy > best.accuracy) best = { promoted, accuracy };
  }
  if (met) {
    for (const layer of [...promoted].reverse()) {
      const without = promoted.filter((l) => l !== layer);
      const a = planAccuracy(graph, planWith(without), data);
      const keep = a >= target;
      record('demote', layer, without, a, keep);
      if (keep) {
        promoted = without;
        accuracy = a;
      }
    }
    best = { promoted, accuracy };
  }
  const note = met ? null
    : `the budget (accuracy >= ${(100 * target).toFixed(2)}%) was not met even with ${promoted.length} layer(s) in ${higher}; the best found is ${(100 * best.accuracy).toFixed(2)}% with ${best.promoted.length === 0 ? 'no layer' : best.promoted.join(', ')} in ${higher}`;
  return { floatAccuracy, target, met, plan: planWith(best.promoted), promoted: best.promoted, accuracy: best.accuracy, trials, sensitivity, note };
}
