import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { foldBatchNorms } from '../../src/graph/fold_batchnorm';
import { fuseActivations } from '../../src/graph/fuse_activations';
import { importLayersModel } from '../../src/graph/import_layers';
import type { Graph } from '../../src/graph/ir';
import { mulberry32 } from './random';

/** Saves a tfjs-layers model as model.json + weights.bin in `dir` (the format the TF.js converter writes). */
export async function saveLayersModel(model: tfl.LayersModel, dir: string): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const data = artifacts.weightData;
    const buffers = Array.isArray(data) ? data : data ? [data] : [];
    fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.concat(buffers.map((b) => Buffer.from(b))));
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({
      format: 'layers-model',
      generatedBy: 'quantscope tests',
      convertedBy: null,
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
    }));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return path.join(dir, 'model.json');
}

/** Gives every batch norm non-trivial statistics, so folding them changes the weights. */
export function randomizeBatchNorms(model: tfl.LayersModel, seed: number): void {
  const rand = mulberry32(seed);
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    layer.setWeights(layer.getWeights().map((w, k) => {
      const n = w.size;
      // gamma, beta, moving_mean, moving_variance
      const values = Float32Array.from({ length: n }, () => (k === 0 ? 0.5 + rand() : k === 3 ? 0.2 + rand() * 2 : rand() - 0.5));
      return tf.tensor(values, w.shape);
    }));
  }
}

/** A functional model exercising every layer class the importer supports. */
export function kitchenSinkModel(): tfl.LayersModel {
  const init = (seed: number) => tfl.initializers.glorotUniform({ seed });
  const input = tfl.input({ shape: [16, 16, 3], name: 'image' });
  let x = tfl.layers.zeroPadding2d({ padding: 1, name: 'pad' }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, useBias: false, name: 'stem_conv', kernelInitializer: init(1) }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ name: 'stem_bn' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.reLU({ name: 'stem_relu' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', name: 'dw', depthwiseInitializer: init(2) }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ name: 'dw_bn' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.activation({ activation: 'relu6', name: 'dw_relu6' }).apply(x) as tfl.SymbolicTensor;
  const sep = tfl.layers.separableConv2d({ filters: 12, kernelSize: 3, padding: 'same', activation: 'swish', name: 'sep', depthwiseInitializer: init(3), pointwiseInitializer: init(4) }).apply(x) as tfl.SymbolicTensor;
  const proj = tfl.layers.conv2d({ filters: 12, kernelSize: 1, name: 'proj', kernelInitializer: init(5) }).apply(x) as tfl.SymbolicTensor;
  const sum = tfl.layers.add({ name: 'residual_add' }).apply([sep, proj]) as tfl.SymbolicTensor;
  let se = tfl.layers.globalAveragePooling2d({ name: 'se_pool' }).apply(sum) as tfl.SymbolicTensor;
  se = tfl.layers.reshape({ targetShape: [1, 1, 12], name: 'se_reshape' }).apply(se) as tfl.SymbolicTensor;
  se = tfl.layers.conv2d({ filters: 12, kernelSize: 1, activation: 'sigmoid', name: 'se_expand', kernelInitializer: init(6) }).apply(se) as tfl.SymbolicTensor;
  const scaled = tfl.layers.multiply({ name: 'se_scale' }).apply([sum, se]) as tfl.SymbolicTensor;
  x = tfl.layers.concatenate({ name: 'concat' }).apply([scaled, sum]) as tfl.SymbolicTensor;
  x = tfl.layers.maxPooling2d({ poolSize: 2, name: 'max_pool' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same', name: 'avg_pool' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dropout({ rate: 0.5, name: 'dropout' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.flatten({ name: 'flatten' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dense({ units: 16, activation: 'tanh', name: 'fc1', kernelInitializer: init(7) }).apply(x) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 10, activation: 'softmax', name: 'logits', kernelInitializer: init(8) }).apply(x) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out, name: 'kitchen_sink' });
  randomizeBatchNorms(model, 11);
  return model;
}

/** The kitchen-sink model saved, imported, batch norms folded and ReLUs fused, as the runtimes prepare a model. */
export async function kitchenSinkGraph(): Promise<Graph> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qs-sink-'));
  try {
    const model = kitchenSinkModel();
    const graph = importLayersModel(await saveLayersModel(model, dir));
    model.dispose();
    return fuseActivations(foldBatchNorms(graph));
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
}
