import type { ImageSet } from '../data/fashion_mnist';
import * as tf from '@tensorflow/tfjs-core';
import { createExecutor, type GraphExecutor } from '../graph/execute';
import { isWeightedLayer, requireNode, type Graph } from '../graph/ir';
import { createFakeQuantExecutor } from '../quant/fake_quant_executor';
import type { LayerPrecision, QuantPlan } from '../quant/plan';
import { countCorrect } from './accuracy';

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
 * layer quantized at a time, and with one layer kept in float at a time, ranked. The float model's and the quantized
 * model's activations are computed once per batch and reused: each trial recomputes only the nodes downstream of
 * the layer it changed (everything upstream is the same in the trial and in the model it starts from).
 */
export function layerSensitivity(graph: Graph, plan: QuantPlan, data: ImageSet,
  options: { layers?: readonly string[]; onBatch?: (samples: number) => void; batchSize?: number } = {}): SensitivityReport {
  const fn = 'layerSensitivity';
  const layers = (options.layers ?? graph.nodes.filter(isWeightedLayer).map((n) => n.name))
    .map((name) => requireNode(graph, name, fn, isWeightedLayer, 'conv, depthwise or dense layer'));
  if (layers.length === 0) throw new Error(`${fn}: graph '${graph.name}' has no quantizable (conv, depthwise or dense) layer`);
  if (data.count === 0) throw new Error(`${fn}: the evaluation set of graph '${graph.name}' is empty`);
  const quantizedPrecision: LayerPrecision = plan.defaultPrecision === 'float' ? 'int8' : plan.defaultPrecision;
  const executors: GraphExecutor[] = [];
  const make = (p: QuantPlan | null) => {
    const e = p === null ? createExecutor(graph) : createFakeQuantExecutor(graph, p);
    executors.push(e);
    return e;
  };
  try {
    const float = make(null);
    const quant = make(plan);
    const trials = layers.map((node) => ({
      downstream: downstreamOf(graph, node.name),
      alone: make({ ...plan, defaultPrecision: 'float', layerPrecision: { [node.name]: quantizedPrecision } }),
      kept: make({ ...plan, layerPrecision: { ...plan.layerPrecision, [node.name]: 'float' } }),
      aloneCorrect: 0,
      keptCorrect: 0,
    }));
    let floatCorrect = 0;
    let quantCorrect = 0;
    let samples = 0;
    const pixels = data.height * data.width;
    const batchSize = options.batchSize ?? 250;
    for (let from = 0; from < data.count; from += batchSize) {
      const n = Math.min(batchSize, data.count - from);
      const labels = data.labels.subarray(from, from + n);
      const x = tf.tensor4d(data.images.subarray(from * pixels, (from + n) * pixels), [n, data.height, data.width, 1]);
      const floatRun = runKeepingAll(float, x);
      const quantRun = runKeepingAll(quant, x);
      try {
        floatCorrect += countCorrect(floatRun.output, labels);
        quantCorrect += countCorrect(quantRun.output, labels);
        for (const t of trials) {
          t.aloneCorrect += correctOf(t.alone, x, except(floatRun.all, t.downstream), labels);
          t.keptCorrect += correctOf(t.kept, x, except(quantRun.all, t.downstream), labels);
        }
      } finally {
        tf.dispose([x, floatRun.output, quantRun.output, ...floatRun.all.values(), ...quantRun.all.values()]);
      }
      samples += n;
      options.onBatch?.(samples);
    }
    const floatAccuracy = floatCorrect / data.count;
    const quantizedAccuracy = quantCorrect / data.count;
    const rows = trials.map((t, i): SensitivityRow => {
      const alone = t.aloneCorrect / data.count;
      const kept = t.keptCorrect / data.count;
      return {
        layer: layers[i].name, op: layers[i].op.kind, quantizedAlone: alone, floatAlone: kept,
        lossAlone: 100 * (floatAccuracy - alone), recovery: 100 * (kept - quantizedAccuracy),
      };
    });
    rows.sort((a, b) => b.lossAlone - a.lossAlone || b.recovery - a.recovery);
    return { floatAccuracy, quantizedAccuracy, rows };
  } finally {
    for (const e of executors) e.dispose();
  }
}

/** Runs a batch keeping a copy of every node's output (for reuse), and the model's output. */
function runKeepingAll(executor: GraphExecutor, x: tf.Tensor): { output: tf.Tensor; all: Map<string, tf.Tensor> } {
  const all = new Map<string, tf.Tensor>();
  const [output] = executor.run(x, { taps: 'all', onTap: (node, y) => all.set(node.name, tf.clone(y)) });
  return { output, all };
}

function correctOf(executor: GraphExecutor, x: tf.Tensor, reuse: ReadonlyMap<string, tf.Tensor>, labels: Uint8Array): number {
  const [y] = executor.run(x, { reuse });
  const correct = countCorrect(y, labels);
  y.dispose();
  return correct;
}

function except(all: ReadonlyMap<string, tf.Tensor>, names: ReadonlySet<string>): Map<string, tf.Tensor> {
  return new Map([...all].filter(([name]) => !names.has(name)));
}

/** `name` and every node that reads it, directly or through others. */
function downstreamOf(graph: Graph, name: string): Set<string> {
  const out = new Set([name]);
  for (const node of graph.nodes) if (node.inputs.some((i) => out.has(i))) out.add(node.name);
  return out;
}
