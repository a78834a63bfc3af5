import * as tf from '@tensorflow/tfjs-core';
import type { ImageSet } from '../data/fashion_mnist';
import { createExecutor, type Executor } from '../graph/execute';
import type { Graph } from '../graph/ir';
import { createFakeQuantExecutor } from '../quant/fake_quant_executor';
import type { QuantPlan } from '../quant/plan';

/** Top-1 accuracy of an executor on a labelled image set, in batches (one batch's activations alive at a time). */
export function executorAccuracy(executor: Executor, data: ImageSet, batchSize = 250): { correct: number; count: number; accuracy: number } {
  if (data.count === 0) throw new Error(`executorAccuracy: the evaluation set of graph '${executor.graph.name}' is empty`);
  const pixels = data.height * data.width;
  let correct = 0;
  for (let from = 0; from < data.count; from += batchSize) {
    const n = Math.min(batchSize, data.count - from);
    const x = tf.tensor4d(data.images.subarray(from * pixels, (from + n) * pixels), [n, data.height, data.width, 1]);
    const [y] = executor.run(x);
    x.dispose();
    correct += countCorrect(y, data.labels.subarray(from, from + n));
    y.dispose();
  }
  return { correct, count: data.count, accuracy: correct / data.count };
}

/** How many rows of a batch of logits or probabilities have their largest entry at the label. */
export function countCorrect(y: tf.Tensor, labels: Uint8Array): number {
  const classes = tf.tidy(() => tf.argMax(y.rank > 2 ? tf.reshape(y, [y.shape[0], -1]) : y, 1));
  const predicted = classes.dataSync();
  classes.dispose();
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
  return correct;
}

/** Streams an image set as NHWC batches (for calibration and analysis). */
export function* imageBatches(data: ImageSet, batchSize = 100): Generator<tf.Tensor4D> {
  const pixels = data.height * data.width;
  for (let from = 0; from < data.count; from += batchSize) {
    const n = Math.min(batchSize, data.count - from);
    yield tf.tensor4d(data.images.subarray(from * pixels, (from + n) * pixels), [n, data.height, data.width, 1]);
  }
}

/** Top-1 accuracy of a graph in float (plan null) or fake-quantized under `plan`. */
export function planAccuracy(graph: Graph, plan: QuantPlan | null, data: ImageSet): number {
  const executor = plan === null ? createExecutor(graph) : createFakeQuantExecutor(graph, plan);
  try {
    return executorAccuracy(executor, data).accuracy;
  } finally {
    executor.dispose();
  }
}
