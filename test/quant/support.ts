import * as tf from '@tensorflow/tfjs-core';
import { createExecutor, type Executor } from '../../src/graph/execute';
import type { Graph } from '../../src/graph/ir';
import { qparamsFromRange } from '../../src/qparams';
import { calibrateGraph, rangesFromHistograms } from '../../src/quant/calibrate_graph';
import type { Range } from '../../src/range';
import { int8Activations } from '../../src/scheme';
import { uniforms } from '../support/random';

/** The kitchen-sink graph shared with test/graph (folded and fused). */
export { kitchenSinkGraph } from '../support/layers_models';

/** Seeded image batches [n, 16, 16, 3] in [-1, 1). */
export function imageBatches(count: number, batch: number, seed: number): tf.Tensor[] {
  return Array.from({ length: count }, (_, k) => tf.tensor4d(uniforms(seed + k, batch * 16 * 16 * 3, -1, 1), [batch, 16, 16, 3]));
}

/** Min/max ranges of every tensor of a graph over the batches, from the float executor. */
export function calibrate(graph: Graph, batches: readonly tf.Tensor[]): Map<string, Range> {
  const float: Executor = createExecutor(graph);
  try {
    return rangesFromHistograms(calibrateGraph(float, batches));
  } finally {
    float.dispose();
  }
}

/** Every tapped output of one run, copied out as Float32Arrays, plus the outputs. */
export function tapAll(executor: Executor, x: tf.Tensor): Map<string, Float32Array> {
  const taps = new Map<string, Float32Array>();
  const outs = executor.run(x, { taps: 'all', onTap: (node, t) => taps.set(node.name, Float32Array.from(t.dataSync())) });
  tf.dispose(outs);
  return taps;
}

/** Codes of values that lie on an int8 grid (dequantized codes): round(v / scale) + zeroPoint. */
export function codesOnGrid(values: Float32Array, range: Range): Int32Array {
  const qp = qparamsFromRange(range, int8Activations);
  return Int32Array.from(values, (v) => Math.round(v / qp.scale) + qp.zeroPoint);
}

/** How two code arrays differ: the fraction of unequal codes and the largest difference. */
export function codeDifference(a: Int32Array, b: Int32Array): { fraction: number; max: number; count: number } {
  let count = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > 0) count++;
    if (d > max) max = d;
  }
  return { fraction: a.length ? count / a.length : 0, max, count };
}
