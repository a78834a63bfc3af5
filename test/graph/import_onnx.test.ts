import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { createExecutor } from '../../src/graph/execute';
import { foldBatchNorms } from '../../src/graph/fold_batchnorm';
import { fuseActivations } from '../../src/graph/fuse_activations';
import { importOnnx } from '../../src/graph/import_onnx';
import type { Graph } from '../../src/graph/ir';
import { useBackend } from '../support/backends';
import { uniforms } from '../support/random';

const fixtures = path.resolve(__dirname, '../../../test/fixtures/onnx');

async function ortRun(file: string, nchw: Float32Array, dims: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
  const result = await session.run({ input: new ort.Tensor('float32', nchw, dims) });
  return result.output.data as Float32Array;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('an ONNX CNN (PyTorch export) imports to NHWC and runs like onnxruntime-node, before and after folding', async () => {
  await useBackend('cpu');
  const file = path.join(fixtures, 'cnn_bn_relu.onnx');
  const graph = importOnnx(file);
  assert.deepEqual(graph.inputs, [{ name: 'input', shape: [null, 16, 16, 3], sourceLayout: 'NCHW' }]);
  const names = graph.nodes.map((n) => n.name);
  for (const expected of ['in_bn', 'stem', 'dw', 'pw', 'se_reduce', 'se_expand', 'branch', 'fc']) assert.ok(names.includes(expected), `${expected} in ${names.join(', ')}`);
  assert.ok(graph.nodes.find((n) => n.name === 'dw')!.op.kind === 'depthwiseConv2d');
  assert.ok(graph.nodes.find((n) => n.name === 'stem')!.aliases.includes('/stem/Conv'));
  const nchw = uniforms(5, 2 * 3 * 16 * 16, -2, 2);
  const expected = await ortRun(file, nchw, [2, 3, 16, 16]);
  const x = tf.tidy(() => tf.transpose(tf.tensor4d(nchw, [2, 3, 16, 16]), [0, 2, 3, 1]));
  for (const g of [graph, fuseActivations(foldBatchNorms(graph))]) {
    const executor = createExecutor(g);
    const [y] = executor.run(x);
    assert.deepEqual(y.shape, [2, 10]);
    assert.ok(maxAbsDiff(y.dataSync(), expected) < 1e-4, `max difference ${maxAbsDiff(y.dataSync(), expected)}`);
    y.dispose();
    executor.dispose();
  }
  x.dispose();
});

/** The largest difference between the imported graph and onnxruntime-node on seeded NCHW inputs of [3, 3, 4, 4]. */
async function differenceFromOrt(file: string, graph: Graph, seed: number): Promise<number> {
  const nchw = uniforms(seed, 3 * 3 * 4 * 4, -1, 1);
  const expected = await ortRun(file, nchw, [3, 3, 4, 4]);
  const x = tf.tidy(() => tf.transpose(tf.tensor4d(nchw, [3, 3, 4, 4]), [0, 2, 3, 1]));
  const executor = createExecutor(graph);
  const [y] = executor.run(x);
  const difference = maxAbsDiff(y.dataSync(), expected);
  tf.dispose([x, y]);
  executor.dispose();
  return difference;
}

test('an ONNX MatMul + Add becomes one dense layer with a bias, and runs like onnxruntime-node', async () => {
  await useBackend('cpu');
  const file = path.join(fixtures, 'mlp_matmul.onnx');
  const graph = importOnnx(file);
  assert.deepEqual(graph.nodes.map((n) => n.op.kind), ['transpose', 'flatten', 'dense', 'activation', 'dense']);
  assert.ok(await differenceFromOrt(file, graph, 6) < 1e-5);
});

test('an ONNX Softmax over the last axis imports as a softmax activation and runs like onnxruntime-node', async () => {
  await useBackend('cpu');
  const file = path.join(fixtures, 'mlp_softmax.onnx');
  const graph = importOnnx(file);
  assert.deepEqual(graph.nodes.map((n) => n.op.kind).slice(-1), ['activation']);
  assert.equal((graph.nodes[graph.nodes.length - 1].op as { fn: string }).fn, 'softmax');
  assert.ok(await differenceFromOrt(file, graph, 7) < 1e-6);
});

test('corrupt, truncated or missing ONNX files get errors naming the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qs-onnx-'));
  try {
    const bytes = fs.readFileSync(path.join(fixtures, 'cnn_bn_relu.onnx'));
    const cut = path.join(dir, 'cut.onnx');
    fs.writeFileSync(cut, bytes.subarray(0, bytes.length / 2));
    assert.throws(() => importOnnx(cut), /importOnnx: .*cut.onnx is not a valid ONNX protobuf .*truncated\?/);
    assert.throws(() => importOnnx(path.join(dir, 'nope.onnx')), /nope.onnx does not exist/);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});
