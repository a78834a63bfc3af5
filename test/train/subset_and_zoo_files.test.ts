import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/backend';
import { DEBIAN_FASHION_MNIST_DIR, loadFashionMnist } from '../../src/data/fashion_mnist';
import { parseIdx } from '../../src/data/idx';
import { evaluateAccuracy } from '../../src/train/evaluate';
import { readModelDir } from '../../src/train/save_model';
import { encodeIdx } from '../../src/train/write_subset';
import { ZOO } from '../../src/train/zoo';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const SUBSET = path.join(ROOT, 'data', 'fashion-mnist-subset');

before(async () => { await initBackend('wasm'); });

test('encodeIdx writes what parseIdx reads', () => {
  const data = Uint8Array.from({ length: 24 }, (_, i) => i * 7);
  const parsed = parseIdx(encodeIdx([2, 3, 4], data), 'memory');
  assert.deepEqual(parsed.shape, [2, 3, 4]);
  assert.deepEqual(parsed.data, data);
});

test('the committed subset holds the first 1000 training and test examples, readable by loadFashionMnist', () => {
  for (const split of ['train', 'test'] as const) {
    const subset = loadFashionMnist({ split, dir: SUBSET });
    assert.equal(subset.count, 1000);
    if (fs.existsSync(DEBIAN_FASHION_MNIST_DIR)) {
      const full = loadFashionMnist({ split, limit: 1000 });
      assert.deepEqual(subset.labels, full.labels);
      assert.deepEqual(subset.images, full.images);
    }
  }
});

for (const { spec } of ZOO) {
  const dir = path.join(ROOT, 'models', 'zoo', spec.name);
  test(`the committed ${spec.name} loads and scores on the committed test subset what its metadata.json says`, { skip: !fs.existsSync(dir) && 'not trained yet' }, async () => {
    const metadata = JSON.parse(fs.readFileSync(path.join(dir, 'metadata.json'), 'utf8')) as { subsetAccuracy: { correct: number }; parameters: number };
    const model = await tfl.loadLayersModel(readModelDir(dir));
    assert.equal(model.countParams(), metadata.parameters);
    const result = evaluateAccuracy(model, loadFashionMnist({ split: 'test', dir: SUBSET }));
    assert.equal(result.correct, metadata.subsetAccuracy.correct);
    model.dispose();
  });
}
