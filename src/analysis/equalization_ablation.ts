import type { ImageSet } from '../data/fashion_mnist';
import { createExecutor } from '../graph/execute';
import { findNode, type Graph } from '../graph/ir';
import { correctBiasAnalytically, correctBiasEmpirically, type SkippedLayer } from '../fixes/bias_correction';
import { equalizeCrossLayer, outputRanges, type EqualizationResult } from '../fixes/equalize';
import { absorbHighBias, type HighBiasAbsorptionResult } from '../fixes/high_bias_absorption';
import { isWeighted, type WeightedNode } from '../fixes/layer_links';
import { calibrateGraph, rangesFromHistograms } from '../quant/calibrate_graph';
import { createFakeQuantExecutor } from '../quant/fake_quant_executor';
import type { QuantPlan } from '../quant/plan';
import { precisionLookup } from '../quant/plan_params';
import { executorAccuracy, imageBatches } from './accuracy';

/** The plan every row shares; each row sets the weight granularity and its own calibrated activation ranges. */
export type AblationPlan = Omit<QuantPlan, 'activationRanges' | 'weightGranularity'>;

/** One row of the equalization ablation. */
export interface AblationRow {
  readonly step: string;
  /** Top-1 accuracy of the row's graph quantized (the FP32 row: in float). */
  readonly accuracy: number;
  /** accuracy - the original float accuracy, in points (percent). */
  readonly delta: number;
  /** The row's transformed graph run in float: shows what a transform changed in the float function itself. */
  readonly floatAccuracy: number;
  /**
   * The median over quantized layers of max / min of the per-output-channel weight ranges max |W[..., o]| (all-zero
   * channels left out): how much of a per-tensor grid the narrowest channel gets.
   */
  readonly weightRangeSpread: number;
  /** The largest of those per-layer spreads. */
  readonly weightRangeSpreadMax: number;
}

export interface EqualizationAblationReport {
  readonly rows: readonly AblationRow[];
  readonly equalization: EqualizationResult;
  readonly absorption: HighBiasAbsorptionResult;
  /** Layers analytical bias correction could not correct (no batch-norm statistics on their input), with why. */
  readonly analyticalSkipped: readonly SkippedLayer[];
}

/**
 * The ablation of Nagel et al. 2019 (Table 1's shape): INT8 with per-tensor weights, then cumulatively + cross-layer
 * equalization, + high-bias absorption, + bias correction (analytical and empirical as separate rows), and INT8 with
 * per-channel weights for reference. Every quantized row recalibrates min/max activation ranges on `calibration`
 * for its own graph (a transform moves the activations), and is evaluated on `evaluation`. `relu6` is passed to
 * equalization: 'as-relu' (the default, as the paper did for MobileNetV2) equalizes ReLU6 pairs as ReLUs, which
 * changes the float function; the row says so and its float accuracy shows by how much.
 */
export function equalizationAblation(graph: Graph, calibration: ImageSet, evaluation: ImageSet, plan: AblationPlan = { defaultPrecision: 'int8' },
  options: { relu6?: 'skip' | 'as-relu'; onRow?: (row: AblationRow) => void } = {}): EqualizationAblationReport {
  const floatAccuracy = (g: Graph) => accuracyOf(g, null, evaluation);
  const reference = floatAccuracy(graph);
  const rows: AblationRow[] = [];
  const add = (step: string, g: Graph, accuracy: number, gFloat: number) => {
    const spreads = layerSpreads(g, plan);
    const row: AblationRow = { step, accuracy, delta: 100 * (accuracy - reference), floatAccuracy: gFloat, weightRangeSpread: median(spreads), weightRangeSpreadMax: Math.max(...spreads) };
    rows.push(row);
    options.onRow?.(row);
  };
  const quantized = (g: Graph, granularity: QuantPlan['weightGranularity']) => accuracyOf(g, planFor(g, plan, calibration, granularity), evaluation);
  add('FP32', graph, reference, reference);
  const precision = ablationSchemeName(plan);
  add(`${precision} per-tensor weights`, graph, quantized(graph, 'per-tensor'), reference);
  const equalization = equalizeCrossLayer(graph, { relu6: options.relu6 ?? 'as-relu' });
  const wasRelu6 = (name: string) => { const op = findNode(graph, name)!.op; return isWeighted(op) && op.activation === 'relu6'; };
  const cle = `+ CLE${equalization.pairs.some((p) => wasRelu6(p.first)) ? ' (ReLU6 -> ReLU)' : ''}`;
  add(cle, equalization.graph, quantized(equalization.graph, 'per-tensor'), floatAccuracy(equalization.graph));
  const absorption = absorbHighBias(equalization.graph);
  const absorbedPlan = planFor(absorption.graph, plan, calibration, 'per-tensor');
  add('+ CLE + high-bias absorption', absorption.graph, accuracyOf(absorption.graph, absorbedPlan, evaluation), floatAccuracy(absorption.graph));
  // Both corrections use the weights and ranges the absorbed graph is quantized with.
  const analytical = correctBiasAnalytically(absorption.graph, absorbedPlan);
  add('+ CLE + HBA + bias correction (analytical)', analytical.graph, quantized(analytical.graph, 'per-tensor'), floatAccuracy(analytical.graph));
  const empirical = correctBiasEmpirically(absorption.graph, absorbedPlan, imageBatches(calibration)).graph;
  add('+ CLE + HBA + bias correction (empirical)', empirical, quantized(empirical, 'per-tensor'), floatAccuracy(empirical));
  add(`${precision} per-channel weights (reference)`, graph, quantized(graph, 'per-channel'), reference);
  return { rows, equalization, absorption, analyticalSkipped: analytical.skipped };
}

/** The rows' scheme name: 'INT8', or with narrower weights 'INT8 activations, INT4' (before "per-tensor weights"). */
export function ablationSchemeName(plan: AblationPlan): string {
  const precision = plan.defaultPrecision.toUpperCase();
  const bits = plan.weightBits ?? 8;
  return bits === 8 ? precision : `${precision} activations, INT${bits}`;
}

/** The plan with min/max activation ranges calibrated on `g` itself. */
function planFor(g: Graph, plan: AblationPlan, calibration: ImageSet, weightGranularity: QuantPlan['weightGranularity']): QuantPlan {
  const float = createExecutor(g);
  try {
    return { ...plan, weightGranularity, activationRanges: rangesFromHistograms(calibrateGraph(float, imageBatches(calibration))) };
  } finally {
    float.dispose();
  }
}

function accuracyOf(g: Graph, plan: QuantPlan | null, evaluation: ImageSet): number {
  const executor = plan ? createFakeQuantExecutor(g, plan) : createExecutor(g);
  try {
    return executorAccuracy(executor, evaluation).accuracy;
  } finally {
    executor.dispose();
  }
}

/** max / min of the per-output-channel weight ranges of every quantized layer, ascending. */
function layerSpreads(g: Graph, plan: AblationPlan): number[] {
  const precisionOf = precisionLookup(g, { ...plan, weightGranularity: 'per-tensor', activationRanges: new Map() }, 'equalizationAblation');
  return g.nodes
    .filter((n): n is WeightedNode => isWeighted(n.op) && (precisionOf(n) === 'int8' || precisionOf(n) === 'int16'))
    .map((n) => {
      const r = Array.from(outputRanges(n.op)).filter((v) => v > 0);
      return r.length === 0 ? 1 : Math.max(...r) / Math.min(...r);
    })
    .sort((a, b) => a - b);
}

function median(sorted: readonly number[]): number {
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
