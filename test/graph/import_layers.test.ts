import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createExecutor } from '../../src/graph/execute';
import { foldBatchNorms } from '../../src/graph/fold_batchnorm';
import { importLayersModel } from '../../src/graph/import_layers';
import { useBackend, withoutLeaks } from '../support/backends';
import { kitchenSinkModel, saveLayersModel } from '../support/layers_models';
import { uniforms } from '../support/random';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'qs-graph-'));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('a LayersModel with every supported layer class imports and runs like tfjs-layers predict', async () => {
  await useBackend('cpu');
  const dir = tempDir();
  try {
    const model = kitchenSinkModel();
    const file = await saveLayersModel(model, dir);
    const graph = importLayersModel(file);
    assert.deepEqual(graph.inputs, [{ name: 'image', shape: [null, 16, 16, 3] }]);
    assert.deepEqual(graph.outputs, ['logits']);
    assert.deepEqual(graph.nodes.map((n) => n.name).slice(0, 6), ['pad', 'stem_conv', 'stem_bn', 'stem_relu', 'dw', 'dw_bn']);
    assert.ok(graph.nodes.some((n) => n.name === 'sep/depthwise' && n.op.kind === 'depthwiseConv2d'));
    const x = tf.tensor4d(uniforms(1, 4 * 16 * 16 * 3, -1, 1), [4, 16, 16, 3]);
    const expected = model.predict(x) as tf.Tensor;
    await withoutLeaks(() => {
      const executor = createExecutor(graph);
      const [y] = executor.run(x);
      assert.deepEqual(y.shape, [4, 10]);
      assert.ok(maxAbsDiff(y.dataSync(), expected.dataSync()) < 1e-6);
      y.dispose();
      executor.dispose();
    });
    tf.dispose([x, expected]);
    model.dispose();
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('folding batch norms keeps the outputs, moves the statistics into the conv and keeps both names', async () => {
  await useBackend('cpu');
  const dir = tempDir();
  try {
    const model = kitchenSinkModel();
    const graph = importLayersModel(await saveLayersModel(model, dir));
    const folded = foldBatchNorms(graph);
    assert.equal(folded.nodes.filter((n) => n.op.kind === 'batchNorm').length, 0);
    const stem = folded.nodes.find((n) => n.name === 'stem_conv')!;
    assert.deepEqual(stem.aliases, ['stem_bn']);
    assert.ok(stem.op.kind === 'conv2d' && stem.op.folded?.name === 'stem_bn' && stem.op.bias !== null);
    assert.deepEqual(folded.nodes.find((n) => n.name === 'stem_relu')!.inputs, ['stem_conv']);
    const dw = folded.nodes.find((n) => n.name === 'dw')!;
    assert.ok(dw.op.kind === 'depthwiseConv2d' && dw.op.folded?.factor.length === 16);
    const x = tf.tensor4d(uniforms(2, 2 * 16 * 16 * 3, -1, 1), [2, 16, 16, 3]);
    const a = createExecutor(graph);
    const b = createExecutor(folded);
    const seen: string[] = [];
    const [ya] = a.run(x);
    const [yb] = b.run(x, { taps: ['stem_bn', 'dw_relu6'], onTap: (node) => seen.push(node.name) });
    assert.deepEqual(seen, ['stem_conv', 'dw_relu6']);
    assert.ok(maxAbsDiff(ya.dataSync(), yb.dataSync()) < 1e-5);
    tf.dispose([x, ya, yb]);
    a.dispose();
    b.dispose();
    model.dispose();
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('taps stream every layer output and the executor frees intermediates as it goes', async () => {
  await useBackend('wasm');
  const dir = tempDir();
  try {
    const model = kitchenSinkModel();
    const graph = foldBatchNorms(importLayersModel(await saveLayersModel(model, dir)));
    const executor = createExecutor(graph);
    const x = tf.tensor4d(uniforms(3, 16 * 16 * 3, 0, 1), [1, 16, 16, 3]);
    const shapes = new Map<string, number[]>();
    await withoutLeaks(() => {
      const [y] = executor.run(x, { taps: 'all', onTap: (node, t) => shapes.set(node.name, t.shape) });
      y.dispose();
    });
    assert.equal(shapes.size, graph.nodes.length);
    assert.deepEqual(shapes.get('stem_conv'), [1, 8, 8, 8]);
    assert.deepEqual(shapes.get('dw'), [1, 8, 8, 16]);
    assert.deepEqual(shapes.get('concat'), [1, 8, 8, 24]);
    assert.throws(() => executor.run(x, { taps: ['nope'] }), /run \(taps\): graph 'kitchen_sink' has no layer named 'nope'; did you mean/);
    const poisoned = tf.tensor4d(uniforms(4, 16 * 16 * 3, 0, 1).map((v, i) => (i === 77 ? NaN : v)), [1, 16, 16, 3]);
    assert.throws(() => executor.run(poisoned), /run: input 'image' of graph 'kitchen_sink' holds NaN at flat index 77; inputs must be finite/);
    poisoned.dispose();
    const wrong = tf.zeros([1, 8, 8, 3]);
    assert.throws(() => executor.run(wrong), /run: input 'image' of graph 'kitchen_sink' has shape \[1, 8, 8, 3\]; the model expects \[batch, 16, 16, 3\]/);
    tf.dispose([x, wrong]);
    executor.dispose();
    model.dispose();
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('weights stored quantized by the TF.js converter (uint8, uint16, float16) are dequantized on load', async () => {
  await useBackend('cpu');
  const dir = tempDir();
  try {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 2, name: 'fc', kernelInitializer: 'ones' })] });
    const file = await saveLayersModel(model, dir);
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    // kernel [3, 2] as uint8 codes with scale 0.5, min -1; bias [2] as float16 halves of 1.5 and -2.
    json.weightsManifest[0].weights = [
      { name: 'fc/kernel', shape: [3, 2], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
      { name: 'fc/bias', shape: [2], dtype: 'float32', quantization: { dtype: 'float16' } },
    ];
    fs.writeFileSync(file, JSON.stringify(json));
    fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from([0, 1, 2, 3, 4, 5, 0x00, 0x3e, 0x00, 0xc0]));
    const graph = importLayersModel(file);
    const fc = graph.nodes[0].op;
    assert.ok(fc.kind === 'dense');
    assert.deepEqual(Array.from(fc.kernel.data), [-1, -0.5, 0, 0.5, 1, 1.5]);
    assert.deepEqual(Array.from(fc.bias!.data), [1.5, -2]);
    model.dispose();
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('bad model files get errors naming the file, the layer or the weight', async () => {
  await useBackend('cpu');
  const dir = tempDir();
  try {
    const model = tfl.sequential({ layers: [
      tfl.layers.dense({ inputShape: [4], units: 3, name: 'fc' }),
      tfl.layers.leakyReLU({ name: 'leaky' }),
    ] });
    const file = await saveLayersModel(model, dir);
    assert.throws(() => importLayersModel(file), /layer 'leaky' \(LeakyReLU\) in .*model.json: this layer class is not supported/);
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    json.modelTopology.config.layers.pop();
    fs.writeFileSync(file, JSON.stringify(json));
    assert.equal(importLayersModel(file).nodes.length, 1);
    const bytes = fs.readFileSync(path.join(dir, 'weights.bin'));
    fs.writeFileSync(path.join(dir, 'weights.bin'), bytes.subarray(0, 52));
    assert.throws(() => importLayersModel(file), /weight 'fc\/bias' needs bytes 48..60: a shard is truncated/);
    const nan = Buffer.from(bytes);
    nan.writeFloatLE(NaN, 8);
    fs.writeFileSync(path.join(dir, 'weights.bin'), nan);
    assert.throws(() => importLayersModel(file), /weight 'fc\/kernel' in .* holds NaN at index 2; a model's weights must be finite/);
    fs.rmSync(path.join(dir, 'weights.bin'));
    assert.throws(() => importLayersModel(file), /weight shard .*weights.bin \(group 0 of .*\) does not exist/);
    fs.writeFileSync(file, '{"modelTopology": {"class_name": "Seq');
    assert.throws(() => importLayersModel(file), /is not valid JSON .*is the file truncated\?/);
    assert.throws(() => importLayersModel(path.join(dir, 'missing.json')), /missing.json does not exist/);
    model.dispose();
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});
