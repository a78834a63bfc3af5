/**
 * Whole-model throughput on the zoo: images/s of the float executor, the fake-quant simulation, the integer path
 * and onnxruntime-node on the QDQ export, same batch, same run (wasm backend; onnxruntime on 1 thread).
 *
 *   npx tsc -b && node scripts/build-wasm.js && node build/bench/zoo_models.js [--repeat 15] [--batch 64]
 *
 * Also prints each model's float and int8 accuracy on the committed 1000-image test subset.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend';
import { loadFashionMnist } from '../src/data/fashion_mnist';
import { createOnnxRuntimeRunner } from '../src/export/onnxruntime_executor';
import { exportQdqOnnx } from '../src/export/onnx_qdq';
import { createExecutor, type Executor } from '../src/graph/execute';
import { foldBatchNorms } from '../src/graph/fold_batchnorm';
import { fuseActivations } from '../src/graph/fuse_activations';
import { importLayersModel } from '../src/graph/import_layers';
import { calibrateGraph, rangesFromHistograms } from '../src/quant/calibrate_graph';
import { createFakeQuantExecutor } from '../src/quant/fake_quant_executor';
import { createIntegerExecutor } from '../src/quant/integer_executor';
import type { QuantPlan } from '../src/quant/plan';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

/**
 * Median seconds per run of each variant, the variants run round-robin (one run of each per round, after a warm-up
 * run each) so that the machine's load swings hit them alike and their ratios compare.
 */
async function interleavedMedians(variants: readonly (() => Promise<void> | void)[], rounds: number): Promise<number[]> {
  for (const run of variants) await run();
  const times = variants.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (const [k, run] of variants.entries()) {
      const t0 = process.hrtime.bigint();
      await run();
      times[k].push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
  }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]);
}

async function main(): Promise<void> {
  const repeats = arg('repeat', 15);
  const batch = arg('batch', 64);
  await initBackend('wasm');
  const root = path.resolve(__dirname, '../..');
  const subset = path.join(root, 'data', 'fashion-mnist-subset');
  const testSet = loadFashionMnist({ split: 'test', dir: subset });
  const calibration = loadFashionMnist({ split: 'train', dir: subset, limit: 256 });
  console.log(`Zoo throughput, batch ${batch}, median of ${repeats} rounds (variants interleaved); images/s (ratio to float)`);
  console.log('| model | float | fake-quant (onnx rounding) | fake-quant (tflite rounding) | integer (onnxruntime profile) | onnxruntime-node int8 | float acc | int8 acc |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const name of ['resnet', 'mobilenet_v2', 'efficientnet']) {
    const graph = fuseActivations(foldBatchNorms(importLayersModel(path.join(root, 'models', 'zoo', name, 'model.json'))));
    const float = createExecutor(graph);
    const batches = [0, 1].map((k) => tf.tensor4d(calibration.images.subarray(k * 128 * 784, (k + 1) * 128 * 784), [128, 28, 28, 1]));
    const plan: QuantPlan = { defaultPrecision: 'int8', weightGranularity: 'per-channel', activationRanges: rangesFromHistograms(calibrateGraph(float, batches)), rounding: 'onnx' };
    const fq = createFakeQuantExecutor(graph, plan);
    const fqTflite = createFakeQuantExecutor(graph, { ...plan, rounding: 'tflite' });
    const integer = createIntegerExecutor(graph, plan, { profile: 'onnxruntime' });
    const ort = await createOnnxRuntimeRunner(exportQdqOnnx(graph, plan), graph);
    const x = tf.tensor4d(testSet.images.subarray(0, batch * 784), [batch, 28, 28, 1]);
    const sync = (e: Executor) => () => { const [y] = e.run(x); y.dataSync(); y.dispose(); };
    const [tFloat, tFake, tFakeTflite, tInt, tOrt] = await interleavedMedians(
      [sync(float), sync(fq), sync(fqTflite), sync(integer), async () => { (await ort.run(x)).dispose(); }], repeats);
    const all = tf.tensor4d(testSet.images, [testSet.count, 28, 28, 1]);
    const accuracy = (e: Executor) => {
      const [y] = e.run(all);
      const p = tf.tidy(() => tf.argMax(y, 1)).dataSync();
      y.dispose();
      let correct = 0;
      for (let i = 0; i < testSet.count; i++) if (p[i] === testSet.labels[i]) correct++;
      return correct / testSet.count;
    };
    const ips = (t: number) => `${(batch / t).toFixed(0)} (${(tFloat / t).toFixed(2)}x)`;
    console.log(`| ${name} | ${(batch / tFloat).toFixed(0)} | ${ips(tFake)} | ${ips(tFakeTflite)} | ${ips(tInt)} | ${ips(tOrt)} | ${(100 * accuracy(float)).toFixed(1)}% | ${(100 * accuracy(fq)).toFixed(1)}% |`);
    tf.dispose([x, all, ...batches]);
    float.dispose();
    fq.dispose();
    fqTflite.dispose();
    integer.dispose();
    await ort.release();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
