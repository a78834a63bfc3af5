import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ImageSet } from '../data/fashion_mnist';
import { check } from '../errors';

/** Progress of one training run, reported every `reportEvery` batches and at the end of each epoch. */
export interface TrainProgress {
  readonly epoch: number;
  readonly epochs: number;
  readonly batch: number;
  readonly batches: number;
  /** Running means over the epoch so far. */
  readonly loss: number;
  readonly accuracy: number;
  readonly elapsedSeconds: number;
  readonly learningRate: number;
}

export interface TrainOptions {
  readonly epochs: number;
  readonly batchSize: number;
  /** Adam's learning rate for each epoch; the last one repeats. */
  readonly learningRates: readonly number[];
  readonly reportEvery?: number;
  readonly onProgress?: (p: TrainProgress) => void;
}

/**
 * Trains a softmax classifier with Adam and sparse categorical cross-entropy, in the data's order (no shuffling), so
 * a run is deterministic given the model's seeded initial weights and the backend. Returns the epoch summaries.
 */
export async function trainClassifier(model: tfl.LayersModel, data: ImageSet, options: TrainOptions): Promise<TrainProgress[]> {
  const fn = 'trainClassifier';
  check(Number.isInteger(options.epochs) && options.epochs >= 1, fn, 'options.epochs', options.epochs, 'an integer >= 1');
  check(Number.isInteger(options.batchSize) && options.batchSize >= 1, fn, 'options.batchSize', options.batchSize, 'an integer >= 1');
  check(options.learningRates.length >= 1 && options.learningRates.every((r) => r > 0 && Number.isFinite(r)), fn,
    'options.learningRates', options.learningRates, 'one or more positive learning rates');
  const rateFor = (epoch: number) => options.learningRates[Math.min(epoch, options.learningRates.length - 1)];
  const optimizer = tf.train.adam(rateFor(0));
  model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const xs = tf.tensor4d(data.images, [data.count, data.height, data.width, 1]);
  const ys = tf.tensor1d(Float32Array.from(data.labels));
  const batches = Math.ceil(data.count / options.batchSize);
  const reportEvery = options.reportEvery ?? 50;
  const summaries: TrainProgress[] = [];
  const started = performance.now();
  let epoch = 0;
  let lossSum = 0;
  let accSum = 0;
  const progress = (batch: number): TrainProgress => ({
    epoch: epoch + 1, epochs: options.epochs, batch, batches, loss: lossSum / batch, accuracy: accSum / batch,
    elapsedSeconds: (performance.now() - started) / 1000, learningRate: rateFor(epoch),
  });
  try {
    await model.fit(xs, ys, {
      epochs: options.epochs,
      batchSize: options.batchSize,
      shuffle: false,
      verbose: 0,
      callbacks: {
        onEpochBegin: async (e) => {
          epoch = e;
          lossSum = 0;
          accSum = 0;
          // Adam reads its learning rate at every step; the field is protected in the typings only.
          Object.assign(optimizer, { learningRate: rateFor(e) });
        },
        onBatchEnd: async (batch, logs) => {
          lossSum += logs?.loss ?? NaN;
          accSum += logs?.acc ?? NaN;
          if ((batch + 1) % reportEvery === 0 && batch + 1 < batches) options.onProgress?.(progress(batch + 1));
        },
        onEpochEnd: async () => {
          const p = progress(batches);
          summaries.push(p);
          options.onProgress?.(p);
        },
      },
    });
  } finally {
    // Adam's moment estimates (two per weight) live in the optimizer; the model keeps only its weights.
    optimizer.dispose();
    tf.dispose([xs, ys]);
  }
  return summaries;
}
