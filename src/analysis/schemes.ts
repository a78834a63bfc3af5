import type { ImageSet } from '../data/fashion_mnist';
import { weightsOf } from '../graph/execute';
import type { Graph } from '../graph/ir';
import type { Range } from '../range';
import type { LayerPrecision, QuantPlan } from '../quant/plan';
import { precisionLookup } from '../quant/plan_params';
import { planAccuracy } from './accuracy';

/** One scheme to compare: a plan built on the calibrated ranges, or plain float. */
export interface SchemeSpec {
  readonly name: string;
  readonly plan: ((ranges: ReadonlyMap<string, Range>) => QuantPlan) | 'float';
}

/** One row of a scheme comparison. */
export interface SchemeRow {
  readonly scheme: string;
  readonly accuracy: number;
  /** accuracy - float accuracy, in points (percent). */
  readonly delta: number;
  /** Bytes of weights and biases as the device stores them. */
  readonly modelBytes: number;
  /** Layers left in float (or fp16) by the plan. */
  readonly layersInFloat: number;
}

/**
 * The schemes of the literature's comparison tables (Krishnamoorthi 2018, Table 3; TFLite's and ONNX Runtime's
 * options): FP32, FP16, INT8 with per-tensor or per-channel weights, symmetric or asymmetric, INT16 activations
 * with int8 weights (16x8), and 4-bit weights. `fallback` adds an INT8 row with those layers kept in float.
 */
export function standardSchemes(fallback: readonly string[] = []): SchemeSpec[] {
  const int8 = (extra: Partial<QuantPlan>) => (ranges: ReadonlyMap<string, Range>): QuantPlan => ({ defaultPrecision: 'int8', weightGranularity: 'per-channel', activationRanges: ranges, ...extra });
  const rows: SchemeSpec[] = [
    { name: 'FP32', plan: 'float' },
    { name: 'FP16', plan: (ranges) => ({ defaultPrecision: 'fp16', weightGranularity: 'per-channel', activationRanges: ranges }) },
    { name: 'INT8 per-tensor asymmetric', plan: int8({ weightGranularity: 'per-tensor', weightSymmetric: false }) },
    { name: 'INT8 per-tensor symmetric', plan: int8({ weightGranularity: 'per-tensor' }) },
    { name: 'INT8 per-channel asymmetric', plan: int8({ weightSymmetric: false }) },
    { name: 'INT8 per-channel symmetric', plan: int8({}) },
    { name: 'INT16 activations, INT8 weights (16x8)', plan: int8({ defaultPrecision: 'int16' }) },
    { name: 'INT4 weights per-channel, INT8 activations', plan: int8({ weightBits: 4 }) },
  ];
  if (fallback.length > 0) {
    rows.push({ name: `INT8 per-channel, ${fallback.join(', ')} in float`, plan: int8({ layerPrecision: Object.fromEntries(fallback.map((l) => [l, 'float' as LayerPrecision])) }) });
  }
  return rows;
}

/**
 * Accuracy of one model under each scheme, side by side, with the delta to float, the stored model size and the
 * number of layers kept in float. Every scheme shares the same calibrated ranges, so the rows differ only by scheme.
 */
export function compareSchemes(graph: Graph, ranges: ReadonlyMap<string, Range>, data: ImageSet, schemes: readonly SchemeSpec[] = standardSchemes(),
  options: { onScheme?: (row: SchemeRow) => void } = {}): SchemeRow[] {
  const rows: SchemeRow[] = [];
  let floatAccuracy: number | null = null;
  for (const spec of schemes) {
    const plan = spec.plan === 'float' ? null : spec.plan(ranges);
    const accuracy = planAccuracy(graph, plan, data);
    if (plan === null && floatAccuracy === null) floatAccuracy = accuracy;
    const row: SchemeRow = {
      scheme: spec.name,
      accuracy,
      delta: floatAccuracy === null ? NaN : 100 * (accuracy - floatAccuracy),
      ...planFootprint(graph, plan),
    };
    rows.push(row);
    options.onScheme?.(row);
  }
  if (floatAccuracy === null) throw new Error("compareSchemes: the schemes need an 'FP32' (float) row to compute the deltas against");
  return rows.map((r) => ({ ...r, delta: 100 * (r.accuracy - floatAccuracy!) }));
}

/** Stored weight bytes and float-layer count under a plan (null: the float model). */
export function planFootprint(graph: Graph, plan: QuantPlan | null): { modelBytes: number; layersInFloat: number } {
  const precisionOf = plan ? precisionLookup(graph, plan, 'compareSchemes') : () => 'float' as LayerPrecision;
  let bytes = 0;
  let inFloat = 0;
  for (const node of graph.nodes) {
    const weights = Object.entries(weightsOf(node.op)).filter(([, w]) => w !== null);
    if (weights.length === 0) continue;
    const precision = precisionOf(node);
    if (precision === 'float' || precision === 'fp16') inFloat++;
    for (const [param, w] of weights) {
      const n = w!.data.length;
      if (precision === 'float') bytes += 4 * n;
      else if (precision === 'fp16') bytes += 2 * n;
      else if (param === 'bias') bytes += (precision === 'int16' ? 8 : 4) * n;
      else bytes += (n * (plan!.weightBits ?? 8)) / 8;
    }
  }
  return { modelBytes: Math.ceil(bytes), layersInFloat: inFloat };
}
