import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { ablationSchemeName, equalizationAblation } from '../../src/analysis/equalization_ablation';
import { loadFashionMnist } from '../../src/data/fashion_mnist';
import { imbalanceDepthwiseChannels } from '../../src/fixes/imbalance_channels';
import { foldBatchNorms } from '../../src/graph/fold_batchnorm';
import { fuseActivations } from '../../src/graph/fuse_activations';
import { importLayersModel } from '../../src/graph/import_layers';
import { useBackend } from '../support/backends';

const root = path.resolve(__dirname, '../../..');
const subset = path.join(root, 'data', 'fashion-mnist-subset');

test('the equalization ablation shows per-tensor weights failing on badly scaled depthwise channels and CLE repairing them', async () => {
  await useBackend('wasm');
  const graph = fuseActivations(foldBatchNorms(importLayersModel(path.join(root, 'models', 'zoo', 'mobilenet_v2', 'model.json'))));
  const imbalanced = imbalanceDepthwiseChannels(graph, 100).graph;
  const calibration = loadFashionMnist({ split: 'train', dir: subset, limit: 200 });
  const evaluation = loadFashionMnist({ split: 'test', dir: subset, limit: 300 });
  const seen: string[] = [];
  const { rows, equalization, analyticalSkipped } = equalizationAblation(imbalanced, calibration, evaluation, { defaultPrecision: 'int8' }, { onRow: (r) => seen.push(r.step) });
  assert.deepEqual(rows.map((r) => r.step), [
    'FP32', 'INT8 per-tensor weights', '+ CLE (ReLU6 -> ReLU)', '+ CLE + high-bias absorption',
    '+ CLE + HBA + bias correction (analytical)', '+ CLE + HBA + bias correction (empirical)', 'INT8 per-channel weights (reference)',
  ]);
  assert.deepEqual(seen, rows.map((r) => r.step));
  const [fp32, perTensor, cle] = rows;
  for (const r of rows) assert.ok(Math.abs(r.delta - 100 * (r.accuracy - fp32.accuracy)) < 1e-9);
  // The variant's ReLU6s are already ReLUs where CLE would change them: equalizing leaves its float function alone.
  assert.equal(cle.floatAccuracy, fp32.accuracy);
  assert.ok(perTensor.delta < -4, `per-tensor delta ${perTensor.delta}`);
  assert.ok(cle.delta > -2, `CLE delta ${cle.delta}`);
  assert.ok(cle.weightRangeSpreadMax < perTensor.weightRangeSpreadMax / 10, `spread ${perTensor.weightRangeSpreadMax} -> ${cle.weightRangeSpreadMax}`);
  assert.ok(equalization.pairs.length >= 8);
  assert.ok(analyticalSkipped.some((s) => s.layer === 'stem_conv' && /graph input/.test(s.reason)));
});

test('the ablation names the weight width when it is not 8 bits', () => {
  assert.equal(ablationSchemeName({ defaultPrecision: 'int8' }), 'INT8');
  assert.equal(ablationSchemeName({ defaultPrecision: 'int8', weightBits: 8 }), 'INT8');
  assert.equal(ablationSchemeName({ defaultPrecision: 'int8', weightBits: 4 }), 'INT8 activations, INT4');
  assert.equal(ablationSchemeName({ defaultPrecision: 'int16', weightBits: 4 }), 'INT16 activations, INT4');
});
