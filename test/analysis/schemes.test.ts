import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { imageBatches, planAccuracy } from '../../src/analysis/accuracy';
import { compareSchemes, standardSchemes } from '../../src/analysis/schemes';
import { layerSensitivity } from '../../src/analysis/sensitivity';
import { loadFashionMnist } from '../../src/data/fashion_mnist';
import { createExecutor } from '../../src/graph/execute';
import { foldBatchNorms } from '../../src/graph/fold_batchnorm';
import { fuseActivations } from '../../src/graph/fuse_activations';
import { importLayersModel } from '../../src/graph/import_layers';
import { calibrateGraph, rangesFromHistograms } from '../../src/quant/calibrate_graph';
import { useBackend } from '../support/backends';

const root = path.resolve(__dirname, '../../..');
const subset = path.join(root, 'data', 'fashion-mnist-subset');

async function resnet() {
  await useBackend('wasm');
  const graph = fuseActivations(foldBatchNorms(importLayersModel(path.join(root, 'models', 'zoo', 'resnet', 'model.json'))));
  const float = createExecutor(graph);
  const ranges = rangesFromHistograms(calibrateGraph(float, imageBatches(loadFashionMnist({ split: 'train', dir: subset, limit: 300 }))));
  float.dispose();
  return { graph, ranges, evalSet: loadFashionMnist({ split: 'test', dir: subset, limit: 300 }) };
}

test('scheme comparison: FP16 is lossless, INT16 activations and INT8 per-channel stay close, sizes follow the bits', async () => {
  const { graph, ranges, evalSet } = await resnet();
  const firstConv = graph.nodes.find((n) => n.op.kind === 'conv2d')!.name;
  const seen: string[] = [];
  const rows = compareSchemes(graph, ranges, evalSet, standardSchemes([firstConv]), { onScheme: (r) => seen.push(r.scheme) });
  const row = (name: string) => rows.find((r) => r.scheme.startsWith(name))!;
  assert.deepEqual(seen, rows.map((r) => r.scheme));
  assert.equal(row('FP32').delta, 0);
  assert.ok(Math.abs(row('FP16').delta) <= 0.5, `FP16 ${row('FP16').delta}`);
  assert.ok(Math.abs(row('INT16').delta) <= 1, `INT16 ${row('INT16').delta}`);
  assert.ok(Math.abs(row('INT8 per-channel symmetric').delta) <= 2, `INT8 ${row('INT8 per-channel symmetric').delta}`);
  const fp32 = row('FP32').modelBytes;
  assert.equal(row('FP16').modelBytes * 2, fp32);
  assert.ok(row('INT8 per-channel symmetric').modelBytes < fp32 / 3);
  assert.ok(row('INT4').modelBytes < row('INT8 per-channel symmetric').modelBytes);
  const weighted = graph.nodes.filter((n) => ['conv2d', 'depthwiseConv2d', 'dense'].includes(n.op.kind)).length;
  assert.equal(row('FP32').layersInFloat, weighted);
  assert.equal(row('INT8 per-channel symmetric').layersInFloat, 0);
  assert.equal(rows[rows.length - 1].layersInFloat, 1);
  assert.throws(() => compareSchemes(graph, ranges, evalSet, standardSchemes().slice(1, 2)), /compareSchemes: the schemes need an 'FP32'/);
});

test('sensitivity ranks layers by the accuracy lost when quantized alone and recovered when kept in float', async () => {
  const { graph, ranges, evalSet } = await resnet();
  const layers = graph.nodes.filter((n) => n.op.kind === 'conv2d').slice(0, 3).map((n) => n.name);
  const report = layerSensitivity(graph, { defaultPrecision: 'int8', weightGranularity: 'per-tensor', weightBits: 4, activationRanges: ranges }, evalSet, { layers });
  assert.equal(report.rows.length, 3);
  for (let i = 1; i < report.rows.length; i++) assert.ok(report.rows[i - 1].lossAlone >= report.rows[i].lossAlone);
  // Reusing the float and quantized activations upstream of each layer gives exactly the accuracy of evaluating
  // each trial's plan from scratch.
  const plan4 = { defaultPrecision: 'int8' as const, weightGranularity: 'per-tensor' as const, weightBits: 4, activationRanges: ranges };
  assert.equal(report.floatAccuracy, planAccuracy(graph, null, evalSet));
  assert.equal(report.quantizedAccuracy, planAccuracy(graph, plan4, evalSet));
  for (const r of report.rows) {
    assert.equal(r.quantizedAlone, planAccuracy(graph, { ...plan4, defaultPrecision: 'float', layerPrecision: { [r.layer]: 'int8' } }, evalSet), r.layer);
    assert.equal(r.floatAlone, planAccuracy(graph, { ...plan4, layerPrecision: { [r.layer]: 'float' } }, evalSet), r.layer);
  }
  for (const r of report.rows) {
    assert.ok(Math.abs(r.lossAlone - 100 * (report.floatAccuracy - r.quantizedAlone)) < 1e-9);
    assert.ok(Math.abs(r.recovery - 100 * (r.floatAlone - report.quantizedAccuracy)) < 1e-9);
  }
  assert.throws(() => layerSensitivity(graph, { defaultPrecision: 'int8', weightGranularity: 'per-channel', activationRanges: ranges }, evalSet, { layers: ['nope'] }),
    /layerSensitivity: graph 'resnet' has no conv, depthwise or dense layer named 'nope'/);
});
