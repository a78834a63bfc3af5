import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ImageSet } from '../data/fashion_mnist';

/** Top-1 accuracy of a classifier on an image set: correct / count, predicting `batchSize` images at a time. */
export function evaluateAccuracy(model: tfl.LayersModel, data: ImageSet, batchSize = 500): { correct: number; count: number; accuracy: number } {
  const pixels = data.height * data.width;
  let correct = 0;
  for (let start = 0; start < data.count; start += batchSize) {
    const n = Math.min(batchSize, data.count - start);
    const predicted = tf.tidy(() => {
      const x = tf.tensor4d(data.images.subarray(start * pixels, (start + n) * pixels), [n, data.height, data.width, 1]);
      return tf.argMax(model.predict(x) as tf.Tensor, -1).dataSync();
    });
    for (let i = 0; i < n; i++) if (predicted[i] === data.labels[start + i]) correct++;
  }
  return { correct, count: data.count, accuracy: correct / data.count };
}
