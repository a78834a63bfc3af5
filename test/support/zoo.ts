import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadFashionMnist, type ImageSet } from '../../src/data/fashion_mnist';
import { createExecutor } from '../../src/graph/execute';
import { foldBatchNorms } from '../../src/graph/fold_batchnorm';
import { fuseActivations } from '../../src/graph/fuse_activations';
import type { Graph } from '../../src/graph/ir';
import { importLayersModel } from '../../src/graph/import_layers';
import { calibrateGraph, rangesFromHistograms } from '../../src/quant/calibrate_graph';
import type { QuantPlan } from '../../src/quant/plan';

const root = path.resolve(__dirname, '../../..');
const subset = path.join(root, 'data', 'fashion-mnist-subset');

/** The committed zoo models' names (models/zoo). */
export const zooModels = ['resnet', 'mobilenet_v2', 'efficientnet'] as const;

/** A zoo model imported, folded and fused, its int8 per-channel plan calibrated on 256 subset images, and the 1000-image test subset. */
export interface ZooModel {
  readonly graph: Graph;
  readonly plan: QuantPlan;
  readonly testSet: ImageSet;
  readonly metadata: { subsetAccuracy: { correct: number } };
}

/** Loads and calibrates a zoo model on the current backend (min/max ranges from histograms, ONNX rounding). */
export function loadZooModel(name: string): ZooModel {
  const dir = path.join(root, 'models', 'zoo', name);
  const metadata = JSON.parse(fs.readFileSync(path.join(dir, 'metadata.json'), 'utf8'));
  const graph = fuseActivations(foldBatchNorms(importLayersModel(path.join(dir, 'model.json'))));
  const testSet = loadFashionMnist({ split: 'test', dir: subset });
  const calibration = loadFashionMnist({ split: 'train', dir: subset, limit: 256 });
  const float = createExecutor(graph);
  const batches = [0, 1].map((k) => tf.tensor4d(calibration.images.subarray(k * 128 * 784, (k + 1) * 128 * 784), [128, 28, 28, 1]));
  const ranges = rangesFromHistograms(calibrateGraph(float, batches));
  tf.dispose(batches);
  float.dispose();
  const plan: QuantPlan = { defaultPrecision: 'int8', weightGranularity: 'per-channel', activationRanges: ranges, rounding: 'onnx' };
  return { graph, plan, testSet, metadata };
}
