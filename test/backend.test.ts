import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, initBackend } from '../src/backend';

test('auto selection skips an absent tfjs-node, says why, and lands on wasm with SIMD', async () => {
  const info = await initBackend('auto');
  assert.equal(tf.getBackend(), info.name);
  let nodeInstalled = true;
  try { require.resolve('@tensorflow/tfjs-node'); } catch { nodeInstalled = false; }
  if (!nodeInstalled) {
    assert.equal(info.name, 'wasm');
    assert.equal(info.simd, true);
    assert.deepEqual(info.skipped.map((s) => s.name), ['tensorflow']);
    assert.match(describeBackend(info), /^wasm \(SIMD, (threads|single-threaded)\); skipped tensorflow: @tensorflow\/tfjs-node is not installed$/);
  } else {
    assert.equal(info.name, 'tensorflow');
  }
});

test('a backend can be forced, and forcing one that cannot start fails loudly', async () => {
  assert.equal((await initBackend('cpu')).name, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  assert.equal((await initBackend('wasm')).name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  let nodeInstalled = true;
  try { require.resolve('@tensorflow/tfjs-node'); } catch { nodeInstalled = false; }
  if (!nodeInstalled) await assert.rejects(initBackend('tensorflow'), /initBackend: the tensorflow backend could not start: @tensorflow\/tfjs-node is not installed/);
  await assert.rejects(initBackend('gpu' as never), /initBackend: argument 'preferred' was "gpu"; expected 'auto' or one of tensorflow, wasm, cpu/);
});

test('QUANTSCOPE_BACKEND forces the backend when no preference is passed', async () => {
  process.env.QUANTSCOPE_BACKEND = 'cpu';
  try {
    assert.equal((await initBackend()).name, 'cpu');
  } finally {
    delete process.env.QUANTSCOPE_BACKEND;
  }
});
