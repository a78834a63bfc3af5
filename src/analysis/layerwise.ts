import * as tf from '@tensorflow/tfjs-core';
import { createExecutor } from '../graph/execute';
import type { Graph } from '../graph/ir';
import type { Range } from '../range';
import { createFakeQuantExecutor } from '../quant/fake_quant_executor';
import type { LayerPrecision, QuantPlan } from '../quant/plan';
import { activationParamsLookup, precisionLookup } from '../quant/plan_params';
import { addErrorSums, EMPTY_SUMS, errorStats, type ErrorStats, type ErrorSums } from './error_stats';

/** One layer of a layerwise report, in the user's names. */
export interface LayerwiseRow {
  readonly name: string;
  /** The IR op kind and the source format's layer class. */
  readonly op: string;
  readonly source: string;
  readonly precision: LayerPrecision;
  /** The output grid's step (null for float and fp16 layers). */
  readonly scale: number | null;
  /** The calibrated range of the output. */
  readonly range: Range | null;
  /** This layer quantized alone: float inputs (quantized on entry like the device), quantized weights and output. */
  readonly local: ErrorStats;
  /** The quantized model against the float model at this layer's output: the error accumulated so far. */
  readonly accumulated: ErrorStats;
}

export interface LayerwiseReport {
  readonly model: string;
  readonly samples: number;
  readonly rows: readonly LayerwiseRow[];
}

/**
 * Layerwise error of a quantized plan, streamed over batches (one batch of activations alive at a time): for every
 * layer, the error it adds alone (local) and the error of the quantized model at its output (accumulated), with
 * TFLite's debugger statistics, SQNR, normalized L2 and cosine similarity. A layer whose local error is large is
 * badly quantized itself; one whose accumulated error is large but local small inherits it from upstream.
 */
export function layerwiseError(graph: Graph, plan: QuantPlan, batches: Iterable<tf.Tensor>, options: { onBatch?: (samples: number) => void } = {}): LayerwiseReport {
  const fn = 'layerwiseError';
  const precisionOf = precisionLookup(graph, plan, fn);
  const params = activationParamsLookup(graph, plan, fn);
  const float = createExecutor(graph);
  const quant = createFakeQuantExecutor(graph, plan);
  const local = new Map<string, ErrorSums>();
  const accumulated = new Map<string, ErrorSums>();
  let samples = 0;
  try {
    for (const x of batches) {
      const reference = new Map<string, tf.Tensor>();
      try {
        tf.dispose(float.run(x, {
          taps: 'all',
          onTap: (node, y, inputs) => {
            reference.set(node.name, tf.clone(y));
            const alone = quant.applyNode(node.name, inputs!);
            local.set(node.name, addErrorSums(local.get(node.name) ?? EMPTY_SUMS, y, alone));
            alone.dispose();
          },
        }));
        tf.dispose(quant.run(x, {
          taps: 'all',
          onTap: (node, q) => accumulated.set(node.name, addErrorSums(accumulated.get(node.name) ?? EMPTY_SUMS, reference.get(node.name)!, q)),
        }));
      } finally {
        tf.dispose([...reference.values()]);
      }
      samples += x.shape[0] ?? 1;
      options.onBatch?.(samples);
    }
  } finally {
    float.dispose();
    quant.dispose();
  }
  if (samples === 0) throw new Error(`${fn}: no batches were given for graph '${graph.name}'`);
  const rows = graph.nodes.map((node): LayerwiseRow => {
    const precision = precisionOf(node);
    const integer = precision === 'int8' || precision === 'int16';
    const scale = integer ? params(node.name, precision).scale : null;
    return {
      name: node.name,
      op: node.op.kind,
      source: node.source,
      precision,
      scale,
      range: plan.activationRanges.get(node.name) ?? null,
      local: errorStats(local.get(node.name)!, scale),
      accumulated: errorStats(accumulated.get(node.name)!, scale),
    };
  });
  return { model: graph.name, samples, rows };
}
