/**
 * The error budget (src/analysis/error_budget.ts) on the zoo: for each model, int8 per-channel with min/max ranges
 * from 256 calibration images, the dominant source of each layer and how long the budget takes on those 256 images
 * (both passes: the budget, then the measurement of the recommended plan changes), in wall and CPU seconds.
 *
 *   npx tsc -b && node scripts/build-wasm.js && node build/bench/error_budget_zoo.js [--images 256] [--per-tensor] [--table]
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { errorBudget } from '../src/analysis/error_budget';
import { initBackend } from '../src/backend';
import { loadFashionMnist } from '../src/data/fashion_mnist';
import { createExecutor } from '../src/graph/execute';
import { foldBatchNorms } from '../src/graph/fold_batchnorm';
import { fuseActivations } from '../src/graph/fuse_activations';
import { importLayersModel } from '../src/graph/import_layers';
import { calibrateGraph, rangesFromHistograms } from '../src/quant/calibrate_graph';
import type { QuantPlan } from '../src/quant/plan';
import { errorBudgetText } from '../src/views/error_budget_view';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

async function main(): Promise<void> {
  const images = arg('images', 256);
  const batch = 128;
  await initBackend('wasm');
  const root = path.resolve(__dirname, '../..');
  const data = loadFashionMnist({ split: 'train', dir: path.join(root, 'data', 'fashion-mnist-subset'), limit: images });
  const batches = Array.from({ length: Math.ceil(images / batch) }, (_, k) => {
    const n = Math.min(batch, images - k * batch);
    return tf.tensor4d(data.images.subarray(k * batch * 784, (k * batch + n) * 784), [n, 28, 28, 1]);
  });
  console.log(`Error budget on the zoo, ${images} calibration images, int8 ${process.argv.includes('--per-tensor') ? 'per-tensor' : 'per-channel'} weights, min/max ranges`);
  console.log('| model | layers | dominant causes | budget pass s (cpu) | with measured changes s (cpu) |');
  console.log('| --- | ---: | --- | ---: | ---: |');
  for (const name of ['resnet', 'mobilenet_v2', 'efficientnet']) {
    const graph = fuseActivations(foldBatchNorms(importLayersModel(path.join(root, 'models', 'zoo', name, 'model.json'))));
    const float = createExecutor(graph);
    const plan: QuantPlan = {
      defaultPrecision: 'int8', weightGranularity: process.argv.includes('--per-tensor') ? 'per-tensor' : 'per-channel',
      activationRanges: rangesFromHistograms(calibrateGraph(float, batches)),
    };
    float.dispose();
    const timed = (measure: boolean) => {
      const t0 = process.hrtime.bigint();
      const c0 = process.cpuUsage();
      const report = errorBudget(graph, plan, batches, { measure });
      const cpu = process.cpuUsage(c0);
      return { report, wall: Number(process.hrtime.bigint() - t0) / 1e9, cpu: (cpu.user + cpu.system) / 1e6 };
    };
    const budget = timed(false);
    const full = timed(true);
    const causes = new Map<string, number>();
    for (const r of full.report.rows) causes.set(r.recommendation.cause, (causes.get(r.recommendation.cause) ?? 0) + 1);
    const s = (t: { wall: number; cpu: number }) => `${t.wall.toFixed(1)} (${t.cpu.toFixed(1)})`;
    console.log(`| ${name} | ${full.report.rows.length} | ${[...causes].map(([c, n]) => `${c} ${n}`).join(', ')} | ${s(budget)} | ${s(full)} |`);
    if (process.argv.includes('--table')) console.log(`\n${errorBudgetText(full.report)}\n`);
  }
  tf.dispose(batches);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
