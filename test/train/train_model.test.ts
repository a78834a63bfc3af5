import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadFashionMnist } from '../../src/data/fashion_mnist';
import { trainClassifier, type TrainProgress } from '../../src/train/train_model';
import { useBackend } from '../support/backends';

const subset = path.resolve(__dirname, '../../../data/fashion-mnist-subset');

function smallCnn(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
}

test('trainClassifier learns, reports each epoch and its progress, and leaves no tensor behind but the model', async () => {
  await useBackend('cpu');
  const data = loadFashionMnist({ split: 'train', dir: subset, limit: 256 });
  const model = smallCnn();
  const before = tf.memory().numTensors;
  const seen: TrainProgress[] = [];
  const summaries = await trainClassifier(model, data, { epochs: 3, batchSize: 32, learningRates: [0.01, 0.005], reportEvery: 4, onProgress: (p) => seen.push(p) });
  assert.equal(tf.memory().numTensors, before, 'tensors left after training');
  assert.deepEqual(summaries.map((s) => [s.epoch, s.batch, s.learningRate]), [[1, 8, 0.01], [2, 8, 0.005], [3, 8, 0.005]]);
  assert.ok(summaries[2].loss < summaries[0].loss, `loss ${summaries.map((s) => s.loss).join(' -> ')}`);
  assert.ok(summaries[2].accuracy > 0.5, `accuracy ${summaries[2].accuracy}`);
  // Every 4 batches within an epoch, then the epoch's end.
  assert.deepEqual(seen.map((p) => [p.epoch, p.batch]), [[1, 4], [1, 8], [2, 4], [2, 8], [3, 4], [3, 8]]);
  model.dispose();
});

test('trainClassifier rejects bad options by name', async () => {
  const data = loadFashionMnist({ split: 'train', dir: subset, limit: 8 });
  const model = smallCnn();
  await assert.rejects(trainClassifier(model, data, { epochs: 0, batchSize: 4, learningRates: [0.01] }), /options\.epochs/);
  await assert.rejects(trainClassifier(model, data, { epochs: 1, batchSize: 4, learningRates: [] }), /options\.learningRates/);
  await assert.rejects(trainClassifier(model, data, { epochs: 1, batchSize: 4, learningRates: [NaN] }), /options\.learningRates/);
  model.dispose();
});
