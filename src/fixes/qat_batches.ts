import * as tf from '@tensorflow/tfjs-core';
import type { ImageSet } from '../data/fashion_mnist';

/**
 * A permutation of 0..count-1 that depends only on `seed`: the order of tf.randomUniform(seed) draws, so it needs
 * no generator of its own and is the same on every backend.
 */
export function shuffledOrder(count: number, seed: number): Int32Array {
  const order = tf.tidy(() => tf.topk(tf.randomUniform([count], 0, 1, 'float32', seed), count).indices);
  const indices = order.dataSync() as Int32Array;
  order.dispose();
  return indices;
}

/** The images and labels at `indices`, as an NHWC batch and int32 labels; the caller disposes both. */
export function imageBatch(data: ImageSet, indices: Int32Array): { x: tf.Tensor4D; labels: tf.Tensor1D } {
  const pixels = data.height * data.width;
  const images = new Float32Array(indices.length * pixels);
  const labels = new Int32Array(indices.length);
  indices.forEach((i, k) => {
    images.set(data.images.subarray(i * pixels, (i + 1) * pixels), k * pixels);
    labels[k] = data.labels[i];
  });
  return { x: tf.tensor4d(images, [indices.length, data.height, data.width, 1]), labels: tf.tensor1d(labels, 'int32') };
}
