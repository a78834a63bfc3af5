import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { addErrorSums, EMPTY_SUMS, errorStats } from '../../src/analysis/error_stats';
import { layerwiseError } from '../../src/analysis/layerwise';
import { loadFashionMnist } from '../../src/data/fashion_mnist';
import { createExecutor } from '../../src/graph/execute';
import { foldBatchNorms } from '../../src/graph/fold_batchnorm';
import { fuseActivations } from '../../src/graph/fuse_activations';
import { importLayersModel } from '../../src/graph/import_layers';
import { calibrateGraph, rangesFromHistograms } from '../../src/quant/calibrate_graph';
import type { QuantPlan } from '../../src/quant/plan';
import { useBackend, withoutLeaks } from '../support/backends';
import { mulberry32 } from '../support/random';

const root = path.resolve(__dirname, '../../..');

test('error statistics follow their formulas against a float64 computation', async () => {
  await useBackend('cpu');
  const rand = mulberry32(3);
  const f = Float32Array.from({ length: 1000 }, () => rand() * 4 - 2);
  const q = f.map((v) => Math.round(v * 10) / 10);
  const ft = tf.tensor(f);
  const qt = tf.tensor(q);
  const [fa, fb, qa, qb] = [tf.slice(ft, 0, 600), tf.slice(ft, 600), tf.slice(qt, 0, 600), tf.slice(qt, 600)];
  const stats = errorStats(addErrorSums(addErrorSums(EMPTY_SUMS, fa, qa), fb, qb), 0.1);
  tf.dispose([fa, fb, qa, qb]);
  let sd = 0; let sd2 = 0; let mx = 0; let sf2 = 0; let sq2 = 0; let sfq = 0;
  for (let i = 0; i < f.length; i++) {
    const d = f[i] - q[i];
    sd += d; sd2 += d * d; mx = Math.max(mx, Math.abs(d)); sf2 += f[i] * f[i]; sq2 += q[i] * q[i]; sfq += f[i] * q[i];
  }
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) <= 1e-4 * Math.max(1e-6, Math.abs(b)), `${a} vs ${b}`);
  assert.equal(stats.num_elements, 1000);
  close(stats.mean_error, sd / 1000);
  close(stats.mean_squared_error, sd2 / 1000);
  close(stats.stddev, Math.sqrt(sd2 / 1000 - (sd / 1000) ** 2));
  close(stats.max_abs_error, mx);
  close(stats.sqnr_db, 10 * Math.log10(sf2 / sd2));
  close(stats.normalized_l2!, Math.sqrt(sd2 / sf2));
  close(stats.cosine_similarity!, sfq / Math.sqrt(sf2 * sq2));
  // Rounding to a 0.1 grid: rmse / step is sqrt(1/12) = 0.289 for uniform data.
  assert.ok(Math.abs(stats.rmse_over_scale! - Math.sqrt(1 / 12)) < 0.02, `${stats.rmse_over_scale}`);
  tf.dispose([ft, qt]);
  assert.deepEqual(errorStats(EMPTY_SUMS, null).sqnr_db, Infinity);
  assert.equal(errorStats({ ...EMPTY_SUMS, count: 4, sumDiff2: 1 }, null).sqnr_db, -Infinity);
});

test('layerwise error on a zoo model: float layers are exact, healthy int8 layers show rounding noise, errors accumulate', async () => {
  await useBackend('wasm');
  const graph = fuseActivations(foldBatchNorms(importLayersModel(path.join(root, 'models', 'zoo', 'resnet', 'model.json'))));
  const data = loadFashionMnist({ split: 'test', dir: path.join(root, 'data', 'fashion-mnist-subset'), limit: 200 });
  const batches = () => [0, 1].map((k) => tf.tensor4d(data.images.subarray(k * 100 * 784, (k + 1) * 100 * 784), [100, 28, 28, 1]));
  const calibration = batches();
  const float = createExecutor(graph);
  const ranges = rangesFromHistograms(calibrateGraph(float, calibration));
  float.dispose();
  const firstConv = graph.nodes.find((n) => n.op.kind === 'conv2d')!.name;
  const plan: QuantPlan = { defaultPrecision: 'int8', weightGranularity: 'per-channel', activationRanges: ranges, layerPrecision: { [firstConv]: 'float' } };
  const seen: number[] = [];
  const report = await withoutLeaks(() => layerwiseError(graph, plan, calibration, { onBatch: (n) => seen.push(n) }));
  assert.deepEqual(seen, [100, 200]);
  assert.equal(report.samples, 200);
  assert.equal(report.rows.length, graph.nodes.length);
  const first = report.rows.find((r) => r.name === firstConv)!;
  // A float layer fed float inputs adds no error of its own.
  assert.equal(first.precision, 'float');
  assert.equal(first.local.sqnr_db, Infinity);
  assert.equal(first.scale, null);
  const convs = report.rows.filter((r) => (r.op === 'conv2d' || r.op === 'dense') && r.precision === 'int8');
  assert.ok(convs.length >= 3);
  for (const row of convs) {
    // Rounding noise on the output grid: rmse / scale near sqrt(1/12) = 0.29, never far above it.
    assert.ok(row.local.rmse_over_scale! > 0.15 && row.local.rmse_over_scale! < 0.6, `${row.name}: ${row.local.rmse_over_scale}`);
    assert.ok(row.local.cosine_similarity! > 0.99, `${row.name}: cosine ${row.local.cosine_similarity}`);
    assert.ok(Number.isFinite(row.local.sqnr_db) && row.local.sqnr_db > 20, `${row.name}: ${row.local.sqnr_db} dB`);
  }
  // The last layer's accumulated error includes every layer before it.
  const last = report.rows[report.rows.length - 1];
  assert.ok(last.accumulated.mean_squared_error >= last.local.mean_squared_error, `${last.accumulated.mean_squared_error} vs ${last.local.mean_squared_error}`);
  tf.dispose(calibration);
  assert.throws(() => layerwiseError(graph, plan, []), /layerwiseError: no batches were given/);
});
