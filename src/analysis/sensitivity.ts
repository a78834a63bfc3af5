import type { ImageSet } from '../data/fashion_mnist';
import { isWeightedLayer, type Graph } from '../graph/ir';
import type { LayerPrecision, QuantPlan } from '../quant/plan';
import { planAccuracy } from './accuracy';

/** One layer's sensitivity: accuracy with only it quantized, and with only it kept in float. */
export interface SensitivityRow {
  readonly layer: string;
  readonly op: string;
  /** Accuracy with this layer alone quantized (all others float). */
  readonly quantizedAlone: number;
  /** Accuracy with every layer quantized but this one. */
  readonly floatAlone: number;
  /** Points lost by quantizing this layer alone: float accuracy - quantizedAlone, x 100. */
  readonly lossAlone: number;
  /** Points recovered by keeping this layer in float: floatAlone - all-quantized accuracy, x 100. */
  readonly recovery: number;
}

export interface SensitivityReport {
  readonly floatAccuracy: number;
  readonly quantizedAccuracy: number;
  /** Most sensitive first (largest loss alone, then largest recovery). */
  readonly rows: readonly SensitivityRow[];
}

/**
 * Per-layer sensitivity of the weighted layers (conv, depthwise, dense) under `plan`: the model's accuracy with one
 * layer quantized at a time, and with one layer kept in float at a time, ranked. Two evaluations per layer.
 */
export function layerSensitivity(graph: Graph, plan: QuantPlan, data: ImageSet, options: { layers?: readonly string[]; onLayer?: (row: SensitivityRow) => void } = {}): SensitivityReport {
  const weighted = graph.nodes.filter(isWeightedLayer);
  const layers = options.layers ?? weighted.map((n) => n.name);
  if (layers.length === 0) throw new Error(`layerSensitivity: graph '${graph.name}' has no quantizable (conv, depthwise or dense) layer`);
  const evaluate = (p: QuantPlan | null) => planAccuracy(graph, p, data);
  const floatAccuracy = evaluate(null);
  const quantizedAccuracy = evaluate(plan);
  const quantizedPrecision = plan.defaultPrecision === 'float' ? 'int8' : plan.defaultPrecision;
  const rows = layers.map((layer) => {
    const node = weighted.find((n) => n.name === layer || n.aliases.includes(layer));
    if (!node) throw new Error(`layerSensitivity: '${layer}' is not a conv, depthwise or dense layer of graph '${graph.name}'`);
    const alone = evaluate({ ...plan, defaultPrecision: 'float', layerPrecision: { [node.name]: quantizedPrecision as LayerPrecision } });
    const kept = evaluate({ ...plan, layerPrecision: { ...plan.layerPrecision, [node.name]: 'float' } });
    const row: SensitivityRow = {
      layer: node.name, op: node.op.kind, quantizedAlone: alone, floatAlone: kept,
      lossAlone: 100 * (floatAccuracy - alone), recovery: 100 * (kept - quantizedAccuracy),
    };
    options.onLayer?.(row);
    return row;
  });
  rows.sort((a, b) => b.lossAlone - a.lossAlone || b.recovery - a.recovery);
  return { floatAccuracy, quantizedAccuracy, rows };
}
