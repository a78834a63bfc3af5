import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/backend';
import { atomicModelDir, readModelDir } from '../../src/train/save_model';

before(async () => { await initBackend('wasm'); });

function tinyModel(seed: number): tfl.LayersModel {
  const input = tfl.input({ shape: [6, 6, 1] });
  const conv = tfl.layers.conv2d({ name: 'conv', filters: 2, kernelSize: 3, kernelInitializer: tfl.initializers.heNormal({ seed }) }).apply(input) as tfl.SymbolicTensor;
  const flat = tfl.layers.flatten({ name: 'flatten' }).apply(conv) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ name: 'logits', units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }).apply(flat) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

test('atomicModelDir writes model.json, weights.bin and extra files that load back to the same predictions', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'qs-save-'));
  const dir = path.join(root, 'tiny');
  const model = tinyModel(1);
  await model.save(atomicModelDir(dir, () => ({ 'metadata.json': '{"ok":true}\n' })));
  assert.deepEqual(fs.readdirSync(dir).sort(), ['metadata.json', 'model.json', 'weights.bin']);
  assert.deepEqual(fs.readdirSync(root), ['tiny'], 'no temporary folder is left behind');
  const loaded = await tfl.loadLayersModel(readModelDir(dir));
  const x = tf.tensor4d(Float32Array.from({ length: 72 }, (_, i) => Math.sin(i)), [2, 6, 6, 1]);
  const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
  assert.deepEqual(a.dataSync(), b.dataSync());
  tf.dispose([x, a, b]);
  model.dispose();
  loaded.dispose();
  fs.rmSync(root, { recursive: true });
});

test('atomicModelDir replaces an existing model folder as a whole', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'qs-save-'));
  const dir = path.join(root, 'tiny');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'stale.txt'), 'old');
  const model = tinyModel(2);
  await model.save(atomicModelDir(dir));
  assert.deepEqual(fs.readdirSync(dir).sort(), ['model.json', 'weights.bin']);
  assert.deepEqual(fs.readdirSync(root), ['tiny']);
  model.dispose();
  fs.rmSync(root, { recursive: true });
});

test('readModelDir names the file when model.json has no topology', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'qs-save-'));
  fs.writeFileSync(path.join(root, 'model.json'), '{}');
  await assert.rejects(tfl.loadLayersModel(readModelDir(root)), /readModelDir: .*model\.json has no modelTopology/);
  fs.rmSync(root, { recursive: true });
});
