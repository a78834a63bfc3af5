import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { ImageSet } from '../data/fashion_mnist';

/** The float weights of the demo's multilayer perceptron, TF.js layout: kernel [in, out], bias [out]. */
export interface DenseLayer {
  readonly name: string;
  readonly kernel: tf.Tensor2D;
  readonly bias: tf.Tensor1D;
  readonly relu: boolean;
}

/**
 * Trains a 784-128-64-10 perceptron on the images with seeded initialisation and no shuffling, so every run gives
 * the same weights on the same backend, in about 15 s: short enough for a first-contact demo. The CNN zoo lives in
 * models/zoo (see src/train).
 */
export async function trainDemoModel(
  data: ImageSet,
  epochs: number,
  onEpoch: (epoch: number, loss: number, accuracy: number) => void,
): Promise<DenseLayer[]> {
  const model = tfl.sequential({
    layers: [
      tfl.layers.flatten({ inputShape: [data.height, data.width, 1] }),
      tfl.layers.dense({ name: 'dense1', units: 128, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }),
      tfl.layers.dense({ name: 'dense2', units: 64, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }),
      tfl.layers.dense({ name: 'logits', units: 10, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.002), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const xs = tf.tensor4d(data.images, [data.count, data.height, data.width, 1]);
  const ys = tf.tensor1d(Float32Array.from(data.labels));
  await model.fit(xs, ys, {
    epochs,
    batchSize: 64,
    shuffle: false,
    verbose: 0,
    callbacks: { onEpochEnd: async (epoch, logs) => onEpoch(epoch, logs?.loss ?? NaN, logs?.acc ?? NaN) },
  });
  tf.dispose([xs, ys]);
  const layers = ['dense1', 'dense2', 'logits'].map((name) => {
    const [kernel, bias] = model.getLayer(name).getWeights().map((w) => tf.clone(w));
    // The softmax is monotonic: accuracy only needs the logits, which is also what an int8 model outputs.
    return { name, kernel: kernel as tf.Tensor2D, bias: bias as tf.Tensor1D, relu: name !== 'logits' };
  });
  model.dispose();
  return layers;
}
