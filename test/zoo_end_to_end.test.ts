/**
 * The whole chain on the committed zoo models and data subset: import (LayersModel), fold and fuse, calibrate,
 * simulate int8 (fake-quant), run the integer path, export QDQ ONNX and run it in onnxruntime-node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadFashionMnist } from '../src/data/fashion_mnist';
import { createOnnxRuntimeRunner } from '../src/export/onnxruntime_executor';
import { exportQdqOnnx } from '../src/export/onnx_qdq';
import { createExecutor } from '../src/graph/execute';
import { foldBatchNorms } from '../src/graph/fold_batchnorm';
import { fuseActivations } from '../src/graph/fuse_activations';
import { importLayersModel } from '../src/graph/import_layers';
import { calibrateGraph, rangesFromHistograms } from '../src/quant/calibrate_graph';
import { createFakeQuantExecutor } from '../src/quant/fake_quant_executor';
import { createIntegerExecutor } from '../src/quant/integer_executor';
import type { QuantPlan } from '../src/quant/plan';
import { qparamsFromRange } from '../src/qparams';
import { int8Activations } from '../src/scheme';
import { useBackend } from './support/backends';

const root = path.resolve(__dirname, '../..');
const subset = path.join(root, 'data', 'fashion-mnist-subset');

function correct(y: tf.Tensor, labels: Uint8Array): number {
  const predicted = tf.tidy(() => tf.argMax(y, 1)).dataSync();
  let n = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) n++;
  return n;
}

/** Outputs that differ, and the largest difference in output grid steps. */
function difference(a: tf.Tensor, b: tf.Tensor, step: number): { differing: number; maxSteps: number } {
  const x = a.dataSync();
  const y = b.dataSync();
  let differing = 0;
  let maxSteps = 0;
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== y[i]) differing++;
    maxSteps = Math.max(maxSteps, Math.abs(x[i] - y[i]) / step);
  }
  return { differing, maxSteps };
}

// Where the integer path and ONNX Runtime may differ, and why (measured, pinned here):
// - every model ends in a dense layer with a softmax: ORT cannot fuse that Gemm (no Q after it), so it sums the
//   dequantized operands in float, where the integer path sums exactly in int32 before the float softmax; a sum
//   near a rounding boundary then lands one output step apart. mobilenet_v2 matched exactly with one calibration
//   and differs in 2 outputs by 1 step with another; keeping its residual adds in float does not change that, so
//   QLinearAdd is not the cause there (this candidate cause is not isolated yet);
// - resnet: its Add -> ReLU also runs as ORT's com.microsoft.QLinearAdd, whose x86 kernel rounds a few code pairs
//   one code differently (see test/integer/add_int8.test.ts);
// - efficientnet: ORT computes swish and the squeeze-excite sigmoid in float between DQ and Q, the integer path
//   with 256-entry lookup tables, as TFLite's int8 kernels do.
// Measured on the 1000 subset images (10000 outputs): resnet 5 outputs by <= 2 steps, mobilenet_v2 0 to 2 by 1,
// efficientnet 20 by <= 3 steps.
const ortBudget: Record<string, { fraction: number; steps: number }> = {
  resnet: { fraction: 0.001, steps: 3 }, mobilenet_v2: { fraction: 0.001, steps: 1 }, efficientnet: { fraction: 0.003, steps: 3 },
};

for (const name of ['resnet', 'mobilenet_v2', 'efficientnet']) {
  test(`${name}: imported float accuracy matches tfjs-layers, int8 stays close, and the integer path matches fake-quant and onnxruntime`, async () => {
    await useBackend('wasm');
    const dir = path.join(root, 'models', 'zoo', name);
    const metadata = JSON.parse(fs.readFileSync(path.join(dir, 'metadata.json'), 'utf8'));
    const graph = fuseActivations(foldBatchNorms(importLayersModel(path.join(dir, 'model.json'))));
    const testSet = loadFashionMnist({ split: 'test', dir: subset });
    const calibration = loadFashionMnist({ split: 'train', dir: subset, limit: 256 });
    const float = createExecutor(graph);
    const batches = [0, 1].map((k) => tf.tensor4d(calibration.images.subarray(k * 128 * 784, (k + 1) * 128 * 784), [128, 28, 28, 1]));
    const ranges = rangesFromHistograms(calibrateGraph(float, batches));
    const plan: QuantPlan = { defaultPrecision: 'int8', weightGranularity: 'per-channel', activationRanges: ranges, rounding: 'onnx' };
    const fq = createFakeQuantExecutor(graph, plan);
    const integer = createIntegerExecutor(graph, plan, { profile: 'onnxruntime' });
    const ort = await createOnnxRuntimeRunner(exportQdqOnnx(graph, plan), graph);
    const x = tf.tensor4d(testSet.images, [testSet.count, 28, 28, 1]);
    const [yFloat] = float.run(x);
    const [yFake] = fq.run(x);
    const [yInt] = integer.run(x);
    const yOrt = await ort.run(x);

    // The importer reproduces tfjs-layers on a real trained model, to the image.
    assert.equal(correct(yFloat, testSet.labels), metadata.subsetAccuracy.correct);
    // int8 per-channel with min/max ranges costs under 2 points here.
    const fakeCorrect = correct(yFake, testSet.labels);
    assert.ok(Math.abs(fakeCorrect - metadata.subsetAccuracy.correct) <= 20, `fake-quant ${fakeCorrect} vs float ${metadata.subsetAccuracy.correct}`);
    const step = qparamsFromRange(ranges.get(graph.outputs[0])!, int8Activations).scale;
    // Rounding inside the integer accumulation and the lookup tables moves a few codes per layer; end to end that
    // is a handful of outputs by at most 3 steps (measured: resnet 7 of 10000 by <= 2, mobilenet_v2 12 by 1,
    // efficientnet 17 by <= 3).
    const vsFake = difference(yInt, yFake, step);
    assert.ok(vsFake.maxSteps <= 3.0001 && vsFake.differing <= 0.005 * yInt.size, `integer vs fake-quant: ${JSON.stringify(vsFake)}`);
    const vsOrt = difference(yInt, yOrt, step);
    const budget = ortBudget[name];
    assert.ok(vsOrt.maxSteps <= budget.steps + 1e-4 && vsOrt.differing <= budget.fraction * yInt.size, `integer vs onnxruntime: ${JSON.stringify(vsOrt)}`);
    tf.dispose([x, yFloat, yFake, yInt, yOrt, ...batches]);
    float.dispose();
    fq.dispose();
    integer.dispose();
    await ort.release();
  });
}
