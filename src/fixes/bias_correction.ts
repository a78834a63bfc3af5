import * as tf from '@tensorflow/tfjs-core';
import { createExecutor } from '../graph/execute';
import type { Graph, GraphNode, Op } from '../graph/ir';
import { applyOp } from '../graph/ops';
import type { QuantPlan } from '../quant/plan';
import { precisionLookup, quantizeLayerWeight } from '../quant/plan_params';

type Weighted = Extract<Op, { kind: 'conv2d' | 'depthwiseConv2d' | 'dense' }>;

/** One corrected layer: the per-channel shift subtracted from its bias. */
export interface BiasCorrection {
  readonly layer: string;
  readonly correction: Float32Array;
}

/**
 * Empirical bias correction (Nagel et al. 2019, section 4.2): quantizing weights shifts each output channel's mean,
 * E[W~ x] - E[W x] = E[(W~ - W) x], which a bias absorbs. The shift is measured per output channel on the
 * calibration batches, before the activation, with float inputs and the plan's quantized weights, and subtracted
 * from the bias (a missing bias becomes one). Layers the plan keeps in float are left alone. Returns a new graph
 * and the corrections; one pass over the batches.
 */
export function correctBiasEmpirically(graph: Graph, plan: QuantPlan, batches: Iterable<tf.Tensor>): { graph: Graph; corrections: BiasCorrection[] } {
  const precisionOf = precisionLookup(graph, plan, 'correctBiasEmpirically');
  const targets = graph.nodes.filter((n) => isWeighted(n.op) && (precisionOf(n) === 'int8' || precisionOf(n) === 'int16'));
  const tensors = new Map(targets.map((n) => {
    const op = n.op as Weighted;
    const w = op.kind === 'dense' ? op.kernel : op.filter;
    const q = quantizeLayerWeight(n, w, plan).dequantized;
    return [n.name, { float: tf.tensor(w.data, [...w.shape]), quant: tf.tensor(q.data, [...q.shape]) }];
  }));
  const sums = new Map<string, Float64Array>();
  const counts = new Map<string, number>();
  const float = createExecutor(graph);
  try {
    let seen = 0;
    for (const x of batches) {
      seen++;
      tf.dispose(float.run(x, {
        taps: targets.map((n) => n.name),
        onTap: (node, _y, inputs) => {
          const t = tensors.get(node.name)!;
          const op = { ...(node.op as Weighted), activation: 'linear' as const, bias: null };
          const key = op.kind === 'dense' ? 'kernel' : 'filter';
          let positions = 0;
          const meanShift = tf.tidy(() => {
            const shift = tf.sub(applyOp(op, inputs!, { [key]: t.quant }), applyOp(op, inputs!, { [key]: t.float }));
            positions = shift.size / shift.shape[shift.rank - 1];
            return tf.sum(shift, Array.from({ length: shift.rank - 1 }, (_, i) => i));
          });
          const values = meanShift.dataSync();
          meanShift.dispose();
          const acc = sums.get(node.name) ?? new Float64Array(values.length);
          for (let c = 0; c < values.length; c++) acc[c] += values[c];
          sums.set(node.name, acc);
          counts.set(node.name, (counts.get(node.name) ?? 0) + positions);
        },
      }));
    }
    if (seen === 0) throw new Error(`correctBiasEmpirically: no calibration batches were given for graph '${graph.name}'`);
  } finally {
    float.dispose();
    for (const t of tensors.values()) tf.dispose([t.float, t.quant]);
  }
  const corrections: BiasCorrection[] = [];
  const nodes = graph.nodes.map((node): GraphNode => {
    const acc = sums.get(node.name);
    if (!acc) return node;
    const op = node.op as Weighted;
    const correction = Float32Array.from(acc, (v) => v / counts.get(node.name)!);
    corrections.push({ layer: node.name, correction });
    const bias = op.bias ? op.bias.data : new Float32Array(acc.length);
    return { ...node, op: { ...op, bias: { data: bias.map((b, c) => b - correction[c]), shape: [acc.length] } } };
  });
  return { graph: { ...graph, nodes }, corrections };
}

function isWeighted(op: Op): op is Weighted {
  return op.kind === 'conv2d' || op.kind === 'depthwiseConv2d' || op.kind === 'dense';
}
