import * as tf from '@tensorflow/tfjs-core';
import { executorAccuracy } from '../analysis/accuracy';
import type { ImageSet } from '../data/fashion_mnist';
import { check, checkInt } from '../errors';
import type { Graph } from '../graph/ir';
import { createFakeQuantExecutor } from '../quant/fake_quant_executor';
import type { QuantPlan } from '../quant/plan';
import { precisionLookup } from '../quant/plan_params';
import { registerWasmTrainingKernels } from '../train/kernels/register';
import { createQatModel, type QatModel } from './qat_model';
import { imageBatch, shuffledOrder } from './qat_batches';

/** Progress after each training batch. */
export interface QatProgress {
  /** 1-based epoch and batch within it. */
  readonly epoch: number;
  readonly batch: number;
  readonly batches: number;
  /** Mean cross-entropy over the epoch's batches so far. */
  readonly loss: number;
  /** Validation accuracy of the quantized model, on the last batch of each epoch. */
  readonly valAccuracy?: number;
}

export interface QatOptions {
  readonly epochs: number;
  /** Images per step; 32 by default. */
  readonly batchSize?: number;
  /** The learning rate, or one per epoch (the last one repeats); 1e-4 by default. */
  readonly learningRate?: number | readonly number[];
  /** 'adam' (default) or plain 'sgd'. */
  readonly optimizer?: 'adam' | 'sgd';
  /** Images that choose the best checkpoint (by the fake-quant executor's top-1 accuracy). */
  readonly validation: ImageSet;
  readonly onProgress?: (p: QatProgress) => void;
  /** Checked between batches; aborting throws an Error named 'AbortError'. */
  readonly signal?: AbortSignal;
  /** Seeds each epoch's shuffle of the training images; 0 by default. */
  readonly seed?: number;
}

export interface QatEpoch {
  readonly epoch: number;
  readonly loss: number;
  readonly valAccuracy: number;
}

export interface QatResult {
  /** The best checkpoint's float weights (the input graph when no epoch beat post-training quantization). */
  readonly graph: Graph;
  /** The plan it was trained for: activation ranges are fixed during training, so this is the input plan. */
  readonly plan: QuantPlan;
  readonly history: readonly QatEpoch[];
  /** Epoch 0 is the starting point, post-training quantization. */
  readonly best: { readonly epoch: number; readonly valAccuracy: number };
  /** Validation accuracy of the starting graph under the plan. */
  readonly ptqAccuracy: number;
}

/**
 * Quantization-aware training (fine-tuning from post-training quantization): trains the float weights of `graph`
 * through the plan's fake-quant model (createQatModel: the executor's hooks with straight-through gradients) with
 * softmax cross-entropy on `train`, shuffled each epoch by a seeded permutation. Weights are re-quantized by the
 * plan at every step; activation ranges stay the plan's calibrated ones, so the plan is returned unchanged and
 * every tool that takes a graph and a plan (fake-quant and integer executors, export) runs the result. After every
 * epoch the fake-quant executor measures validation accuracy; the best epoch is returned, and epoch 0 (the input
 * graph) competes too, so the result is never worse than PTQ on the validation set. On the wasm backend the
 * training kernels are registered for the run and restored after. Throws on an empty set, images that do not fit
 * the graph's input, labels beyond its classes, epochs < 1, a plan that keeps every layer in float, a non-finite
 * loss (naming the epoch and batch), and when `signal` aborts.
 */
export async function quantizationAwareTraining(graph: Graph, plan: QuantPlan, train: ImageSet, options: QatOptions): Promise<QatResult> {
  const fn = 'quantizationAwareTraining';
  checkInt(fn, 'options.epochs', options.epochs, 1, Number.MAX_SAFE_INTEGER);
  const batchSize = options.batchSize ?? 32;
  checkInt(fn, 'options.batchSize', batchSize, 1, Number.MAX_SAFE_INTEGER);
  const rates = typeof options.learningRate === 'number' ? [options.learningRate] : options.learningRate ?? [1e-4];
  check(rates.length > 0 && rates.every((r) => r > 0 && Number.isFinite(r)), fn, 'options.learningRate', options.learningRate,
    'a positive finite learning rate, or one per epoch');
  const kind = options.optimizer ?? 'adam';
  check(kind === 'adam' || kind === 'sgd', fn, 'options.optimizer', kind, "'adam' or 'sgd'");
  const seed = options.seed ?? 0;
  checkInt(fn, 'options.seed', seed, 0, 2 ** 31 - 1);
  checkFits(fn, graph, train, 'train');
  checkFits(fn, graph, options.validation, 'options.validation');
  const precisionOf = precisionLookup(graph, plan, fn);
  if (graph.nodes.every((n) => precisionOf(n) === 'float')) {
    throw new Error(`${fn}: the plan keeps every layer of graph '${graph.name}' in float; there is no quantization to train for`);
  }
  const accuracy = (g: Graph) => {
    const executor = createFakeQuantExecutor(g, plan);
    try {
      return executorAccuracy(executor, options.validation).accuracy;
    } finally {
      executor.dispose();
    }
  };
  checkLabels(fn, graph, plan, [train, options.validation]);
  const ptqAccuracy = accuracy(graph);

  const kernels = tf.getBackend() === 'wasm' ? registerWasmTrainingKernels() : undefined;
  const model = createQatModel(graph, plan, fn);
  const sgd = kind === 'sgd' ? tf.train.sgd(rates[0]) : undefined;
  const optimizer = sgd ?? tf.train.adam(rates[0]);
  // SGD caches its rate as a tensor; Adam reads the field at every step (protected in the typings only). Not
  // instanceof: tfjs optimizers answer it by duck typing, so every optimizer is an SGDOptimizer to it.
  const setLearningRate = (rate: number) => (sgd ? sgd.setLearningRate(rate) : Object.assign(optimizer, { learningRate: rate }));
  try {
    const history: QatEpoch[] = [];
    let best = { epoch: 0, valAccuracy: ptqAccuracy, graph };
    const batches = Math.ceil(train.count / batchSize);
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      setLearningRate(rates[Math.min(epoch, rates.length) - 1]);
      const order = shuffledOrder(train.count, seed + epoch);
      let lossSum = 0;
      for (let batch = 1; batch <= batches; batch++) {
        // Yielding lets an abort (a timer, a kernel interrupt) arrive between batches.
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (options.signal?.aborted) {
          throw Object.assign(new Error(`${fn}: aborted before batch ${batch} of ${batches} in epoch ${epoch} of ${options.epochs} (graph '${graph.name}')`), { name: 'AbortError' });
        }
        const loss = trainStep(model, optimizer, imageBatch(train, order.subarray((batch - 1) * batchSize, batch * batchSize)));
        if (!Number.isFinite(loss)) {
          throw new Error(`${fn}: the loss became ${loss} at batch ${batch} of epoch ${epoch} (graph '${graph.name}'); lower the learning rate`);
        }
        lossSum += loss;
        if (batch < batches) {
          options.onProgress?.({ epoch, batch, batches, loss: lossSum / batch });
          continue;
        }
        const snapshot = model.snapshot();
        const valAccuracy = accuracy(snapshot);
        history.push({ epoch, loss: lossSum / batches, valAccuracy });
        if (valAccuracy > best.valAccuracy) best = { epoch, valAccuracy, graph: snapshot };
        options.onProgress?.({ epoch, batch, batches, loss: lossSum / batches, valAccuracy });
      }
    }
    return { graph: best.graph, plan, history, best: { epoch: best.epoch, valAccuracy: best.valAccuracy }, ptqAccuracy };
  } finally {
    model.dispose();
    optimizer.dispose();
    kernels?.restore();
  }
}

/** One optimizer step on a batch (freed after); returns the batch's mean cross-entropy. */
function trainStep(model: QatModel, optimizer: tf.Optimizer, batch: { x: tf.Tensor4D; labels: tf.Tensor1D }): number {
  try {
    const cost = optimizer.minimize(() => {
      const logits = model.forward(batch.x, 'logits');
      return tf.losses.softmaxCrossEntropy(tf.oneHot(batch.labels, logits.shape[logits.rank - 1]), logits);
    }, true, [...model.variables])!;
    const loss = cost.dataSync()[0];
    cost.dispose();
    return loss;
  } finally {
    tf.dispose([batch.x, batch.labels]);
  }
}

/** The image set is non-empty, consistent, and its images are what the graph's single input takes. */
function checkFits(fn: string, graph: Graph, data: ImageSet, arg: string): void {
  check(typeof data === 'object' && data !== null && data.images instanceof Float32Array, fn, arg, data, 'an ImageSet {count, height, width, images, labels}');
  check(data.count >= 1, fn, arg, `an image set of ${data.count} images`, 'at least one image');
  check(data.images.length === data.count * data.height * data.width && data.labels.length === data.count, fn, arg,
    `${data.count} images of ${data.height}x${data.width} with ${data.images.length} pixels and ${data.labels.length} labels`,
    'count x height x width pixels and count labels');
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1) {
    throw new Error(`${fn}: graph '${graph.name}' has ${graph.inputs.length} inputs and ${graph.outputs.length} outputs; training takes one image input and one class output`);
  }
  const want = [null, data.height, data.width, 1];
  const shape = graph.inputs[0].shape;
  if (shape.length !== 4 || !shape.every((d, i) => d === null || d === want[i])) {
    throw new Error(`${fn}: the images of ${arg} are ${data.height}x${data.width}x1, but input '${graph.inputs[0].name}' of graph '${graph.name}' takes [${shape.map((d) => d ?? 'batch').join(', ')}]`);
  }
}

/** Every label names one of the graph's output classes (measured on one image through the quantized model). */
function checkLabels(fn: string, graph: Graph, plan: QuantPlan, sets: readonly ImageSet[]): void {
  const executor = createFakeQuantExecutor(graph, plan);
  const first = sets[0];
  const x = tf.tensor4d(first.images.subarray(0, first.height * first.width), [1, first.height, first.width, 1]);
  const [y] = executor.run(x);
  const shape = y.shape;
  tf.dispose([x, y]);
  executor.dispose();
  const classes = shape[shape.length - 1];
  if (shape.length !== 2) throw new Error(`${fn}: graph '${graph.name}' outputs shape [${shape.join(', ')}]; training needs one score per class, [batch, classes]`);
  const highest = Math.max(...sets.map((s) => s.labels.reduce((a, b) => Math.max(a, b), 0)));
  if (highest >= classes) throw new Error(`${fn}: a label is ${highest}, but graph '${graph.name}' has ${classes} output classes`);
}
