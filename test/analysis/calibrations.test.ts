import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { imageBatches } from '../../src/analysis/accuracy';
import { compareCalibrations, standardCalibrationMethods } from '../../src/analysis/calibrations';
import { loadFashionMnist } from '../../src/data/fashion_mnist';
import { createExecutor } from '../../src/graph/execute';
import { foldBatchNorms } from '../../src/graph/fold_batchnorm';
import { fuseActivations } from '../../src/graph/fuse_activations';
import { importLayersModel } from '../../src/graph/import_layers';
import { calibrateGraph } from '../../src/quant/calibrate_graph';
import { useBackend } from '../support/backends';

const root = path.resolve(__dirname, '../../..');

test('calibration comparison evaluates every method from one set of histograms', async () => {
  await useBackend('wasm');
  const subset = path.join(root, 'data', 'fashion-mnist-subset');
  const graph = fuseActivations(foldBatchNorms(importLayersModel(path.join(root, 'models', 'zoo', 'mobilenet_v2', 'model.json'))));
  const float = createExecutor(graph);
  const histograms = calibrateGraph(float, imageBatches(loadFashionMnist({ split: 'train', dir: subset, limit: 200 })));
  float.dispose();
  const rows = compareCalibrations(graph, histograms, loadFashionMnist({ split: 'test', dir: subset, limit: 200 }),
    { defaultPrecision: 'int8', weightGranularity: 'per-channel' });
  assert.deepEqual(rows.map((r) => r.method), standardCalibrationMethods().map((m) => m.name));
  for (const r of rows) {
    assert.ok(r.accuracy > 0.5 && r.accuracy <= 1, `${r.method}: ${r.accuracy}`);
    assert.ok(Number.isFinite(r.delta));
  }
  // min/max keeps every value: at 8 bits on this model it stays within 3 points of float.
  assert.ok(Math.abs(rows[0].delta) <= 3, `min/max delta ${rows[0].delta}`);
});
