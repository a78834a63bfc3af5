import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import type { NamedAttrMap } from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend';
// tfjs-layers registers tfjs-core's gradient functions (the CommonJS tfjs-core bundle does not).
import '@tensorflow/tfjs-layers';
import { registerWasmTrainingKernels } from '../../src/train/kernels/register';
import { depthwiseFilterGradReference, depthwiseInputGradReference, relativeError, seededValues } from './kernel_reference';

type Pad = 'same' | 'valid' | number[][];
const TOLERANCE = 1e-4;

before(async () => {
  await initBackend('wasm');
  registerWasmTrainingKernels();
});

/** Runs one kernel on a backend with seeded inputs and returns its output values and shape. */
async function runOn(backendName: 'wasm' | 'cpu', kernel: string, inputs: Record<string, { shape: number[]; seed: number }>, attrs: NamedAttrMap) {
  await tf.setBackend(backendName);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, { shape, seed }] of Object.entries(inputs)) {
    tensors[name] = tf.tensor(seededValues(seed, shape.reduce((a, b) => a * b, 1)), shape);
  }
  const out = tf.engine().runKernel(kernel, tensors, attrs) as tf.Tensor;
  const values = await out.data() as Float32Array;
  const shape = out.shape;
  tf.dispose([out, ...Object.values(tensors)]);
  await tf.setBackend('wasm');
  return { values, shape };
}

interface ConvCase { n: number; h: number; w: number; ci: number; co: number; fh: number; fw: number; strides: number | [number, number]; pad: Pad }
const convCases: ConvCase[] = [
  { n: 2, h: 7, w: 7, ci: 3, co: 4, fh: 3, fw: 3, strides: 1, pad: 'same' },
  { n: 2, h: 8, w: 8, ci: 3, co: 5, fh: 3, fw: 3, strides: 2, pad: 'same' },
  { n: 3, h: 9, w: 7, ci: 2, co: 3, fh: 3, fw: 3, strides: 2, pad: 'valid' },
  { n: 1, h: 6, w: 6, ci: 4, co: 2, fh: 1, fw: 1, strides: 1, pad: 'valid' },
  { n: 2, h: 8, w: 8, ci: 3, co: 4, fh: 1, fw: 1, strides: 2, pad: 'same' },
  { n: 2, h: 5, w: 5, ci: 2, co: 3, fh: 5, fw: 5, strides: 1, pad: 'same' },
  { n: 2, h: 10, w: 9, ci: 3, co: 2, fh: 3, fw: 2, strides: [2, 1], pad: 'same' },
  { n: 1, h: 7, w: 7, ci: 2, co: 2, fh: 2, fw: 2, strides: 2, pad: 'valid' },
  { n: 2, h: 6, w: 7, ci: 2, co: 3, fh: 3, fw: 3, strides: 1, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { n: 4, h: 28, w: 28, ci: 8, co: 16, fh: 3, fw: 3, strides: 2, pad: 'same' },
];

function describeCase(c: object): string {
  return JSON.stringify(c).replace(/"/g, '');
}

for (const [index, c] of convCases.entries()) {
  const info = backend_util.computeConv2DInfo([c.n, c.h, c.w, c.ci], [c.fh, c.fw, c.ci, c.co], c.strides, 1, c.pad as 'same');
  const dyShape = [c.n, info.outHeight, info.outWidth, c.co];
  test(`Conv2DBackpropFilter on wasm equals the CPU kernel to 1e-4: ${describeCase(c)}`, async () => {
    const inputs = { x: { shape: [c.n, c.h, c.w, c.ci], seed: 100 + index }, dy: { shape: dyShape, seed: 200 + index } };
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: [c.fh, c.fw, c.ci, c.co] } as unknown as NamedAttrMap;
    const wasm = await runOn('wasm', 'Conv2DBackpropFilter', inputs, attrs);
    const cpu = await runOn('cpu', 'Conv2DBackpropFilter', inputs, attrs);
    assert.deepEqual(wasm.shape, cpu.shape);
    assert.ok(relativeError(wasm.values, cpu.values) <= TOLERANCE, `relative error ${relativeError(wasm.values, cpu.values)}`);
  });
  test(`Conv2DBackpropInput on wasm equals the CPU kernel to 1e-4: ${describeCase(c)}`, async () => {
    const inputs = { dy: { shape: dyShape, seed: 300 + index }, filter: { shape: [c.fh, c.fw, c.ci, c.co], seed: 400 + index } };
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: [c.n, c.h, c.w, c.ci] } as unknown as NamedAttrMap;
    const wasm = await runOn('wasm', 'Conv2DBackpropInput', inputs, attrs);
    const cpu = await runOn('cpu', 'Conv2DBackpropInput', inputs, attrs);
    assert.deepEqual(wasm.shape, cpu.shape);
    assert.ok(relativeError(wasm.values, cpu.values) <= TOLERANCE, `relative error ${relativeError(wasm.values, cpu.values)}`);
  });
}

interface DepthwiseCase { n: number; h: number; w: number; c: number; m: number; fh: number; fw: number; strides: number; pad: Pad; dilations: number }
const depthwiseCases: DepthwiseCase[] = [
  { n: 2, h: 7, w: 7, c: 3, m: 1, fh: 3, fw: 3, strides: 1, pad: 'same', dilations: 1 },
  { n: 2, h: 8, w: 8, c: 4, m: 1, fh: 3, fw: 3, strides: 2, pad: 'same', dilations: 1 },
  { n: 3, h: 9, w: 8, c: 2, m: 2, fh: 3, fw: 3, strides: 2, pad: 'valid', dilations: 1 },
  { n: 2, h: 6, w: 6, c: 3, m: 3, fh: 5, fw: 5, strides: 1, pad: 'same', dilations: 1 },
  { n: 1, h: 7, w: 7, c: 2, m: 1, fh: 2, fw: 2, strides: 2, pad: 'valid', dilations: 1 },
  { n: 2, h: 9, w: 9, c: 3, m: 1, fh: 3, fw: 3, strides: 1, pad: 'same', dilations: 2 },
  { n: 2, h: 10, w: 8, c: 2, m: 2, fh: 3, fw: 3, strides: 1, pad: 'valid', dilations: 2 },
  { n: 4, h: 28, w: 28, c: 16, m: 1, fh: 3, fw: 3, strides: 2, pad: 'same', dilations: 1 },
];

for (const [index, c] of depthwiseCases.entries()) {
  const info = backend_util.computeConv2DInfo([c.n, c.h, c.w, c.c], [c.fh, c.fw, c.c, c.m], c.strides, c.dilations, c.pad as 'same', undefined, true);
  const dyShape = [c.n, info.outHeight, info.outWidth, c.c * c.m];
  const xShape = [c.n, c.h, c.w, c.c];
  const filterShape = [c.fh, c.fw, c.c, c.m];
  const geometry = { n: c.n, h: c.h, w: c.w, c: c.c, m: c.m, fh: c.fh, fw: c.fw, sh: c.strides, sw: c.strides,
    dh: c.dilations, dw: c.dilations, top: info.padInfo.top, left: info.padInfo.left, oh: info.outHeight, ow: info.outWidth };
  // TF.js's CPU kernels ignore dilation in the gradients: dilated cases are checked against the float64 reference.
  const against = c.dilations === 1 ? 'the CPU kernel' : 'a float64 reference';
  test(`DepthwiseConv2dNativeBackpropFilter on wasm equals ${against} to 1e-4: ${describeCase(c)}`, async () => {
    const inputs = { x: { shape: xShape, seed: 500 + index }, dy: { shape: dyShape, seed: 600 + index } };
    const attrs = { strides: c.strides, pad: c.pad, dilations: c.dilations, filterShape } as unknown as NamedAttrMap;
    const wasm = await runOn('wasm', 'DepthwiseConv2dNativeBackpropFilter', inputs, attrs);
    assert.deepEqual(wasm.shape, filterShape);
    const expected = c.dilations === 1
      ? (await runOn('cpu', 'DepthwiseConv2dNativeBackpropFilter', inputs, attrs)).values
      : depthwiseFilterGradReference(geometry, seededValues(500 + index, xShape.reduce((a, b) => a * b)), seededValues(600 + index, dyShape.reduce((a, b) => a * b)));
    assert.ok(relativeError(wasm.values, expected) <= TOLERANCE, `relative error ${relativeError(wasm.values, expected)}`);
  });
  test(`DepthwiseConv2dNativeBackpropInput on wasm equals ${against} to 1e-4: ${describeCase(c)}`, async () => {
    const inputs = { dy: { shape: dyShape, seed: 700 + index }, filter: { shape: filterShape, seed: 800 + index } };
    const attrs = { strides: c.strides, pad: c.pad, dilations: c.dilations, inputShape: xShape } as unknown as NamedAttrMap;
    const wasm = await runOn('wasm', 'DepthwiseConv2dNativeBackpropInput', inputs, attrs);
    assert.deepEqual(wasm.shape, xShape);
    const expected = c.dilations === 1
      ? (await runOn('cpu', 'DepthwiseConv2dNativeBackpropInput', inputs, attrs)).values
      : depthwiseInputGradReference(geometry, seededValues(700 + index, dyShape.reduce((a, b) => a * b)), seededValues(800 + index, filterShape.reduce((a, b) => a * b)));
    assert.ok(relativeError(wasm.values, expected) <= TOLERANCE, `relative error ${relativeError(wasm.values, expected)}`);
  });
}

test('the gradients of a conv -> depthwise -> conv network on wasm equal the CPU backend\'s', async () => {
  const loss = (x: tf.Tensor4D, w1: tf.Tensor4D, w2: tf.Tensor4D, w3: tf.Tensor4D) => {
    const a = tf.relu(tf.conv2d(x, w1, 2, 'same'));
    const b = tf.depthwiseConv2d(a, w2, 1, 'same');
    return tf.sum(tf.square(tf.conv2d(b, w3, 1, 'valid')));
  };
  const run = async (backendName: 'wasm' | 'cpu') => {
    await tf.setBackend(backendName);
    const x = tf.tensor4d(seededValues(1, 2 * 9 * 9 * 3), [2, 9, 9, 3]);
    const w1 = tf.tensor4d(seededValues(2, 3 * 3 * 3 * 4), [3, 3, 3, 4]);
    const w2 = tf.tensor4d(seededValues(3, 3 * 3 * 4 * 2), [3, 3, 4, 2]);
    const w3 = tf.tensor4d(seededValues(4, 1 * 1 * 8 * 5), [1, 1, 8, 5]);
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
      loss(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, d as tf.Tensor4D))([x, w1, w2, w3]);
    const values = await Promise.all(grads.map((g) => g.data()));
    tf.dispose([x, w1, w2, w3, ...grads]);
    await tf.setBackend('wasm');
    return values;
  };
  const wasm = await run('wasm');
  const cpu = await run('cpu');
  for (let i = 0; i < cpu.length; i++) {
    assert.ok(relativeError(wasm[i], cpu[i]) <= TOLERANCE, `gradient ${i}: relative error ${relativeError(wasm[i], cpu[i])}`);
  }
});

test('the registered kernels leave no tensor and no backend data behind', async () => {
  await tf.setBackend('wasm');
  const x = tf.tensor4d(seededValues(9, 2 * 8 * 8 * 4), [2, 8, 8, 4]);
  const w = tf.tensor4d(seededValues(10, 3 * 3 * 8 * 6), [3, 3, 8, 6]);
  const dw = tf.tensor4d(seededValues(11, 3 * 3 * 4 * 2), [3, 3, 4, 2]);
  const step = () => {
    const [gx, gw, gdw] = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      tf.sum(tf.conv2d(tf.depthwiseConv2d(a as tf.Tensor4D, c as tf.Tensor4D, 2, 'same'), b as tf.Tensor4D, 1, 'same')))([x, w, dw]);
    tf.dispose([gx, gw, gdw]);
  };
  step();
  const tensors = tf.memory().numTensors;
  const dataIds = tf.engine().backend.numDataIds();
  for (let i = 0; i < 3; i++) step();
  assert.equal(tf.memory().numTensors, tensors);
  assert.equal(tf.engine().backend.numDataIds(), dataIds);
  tf.dispose([x, w, dw]);
});

test('registerWasmTrainingKernels is idempotent and restore() puts the registry back', () => {
  const again = registerWasmTrainingKernels();
  assert.deepEqual([...again.added, ...again.replaced], []);
  assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm') !== undefined);
});

test('a kernel given NCHW data names the kernel and the attribute', async () => {
  await tf.setBackend('wasm');
  const x = tf.zeros([1, 4, 4, 2]);
  const dy = tf.zeros([1, 4, 4, 3]);
  assert.throws(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy },
    { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3] } as unknown as NamedAttrMap),
  /Conv2DBackpropFilter: attribute 'dataFormat' was "NCHW"; expected 'NHWC'/);
  tf.dispose([x, dy]);
});

const tileCases: { shape: number[]; reps: number[] }[] = [
  { shape: [1, 1, 1, 4], reps: [2, 3, 3, 1] },
  { shape: [2, 3], reps: [2, 2] },
  { shape: [3, 1, 2], reps: [1, 4, 2] },
  { shape: [2, 2, 2, 2], reps: [2, 2, 2, 2] },
];
for (const [index, c] of tileCases.entries()) {
  test(`Tile on wasm equals the CPU kernel exactly: shape [${c.shape}] reps [${c.reps}]`, async () => {
    const inputs = { x: { shape: c.shape, seed: 900 + index } };
    const wasm = await runOn('wasm', 'Tile', inputs, { reps: c.reps });
    const cpu = await runOn('cpu', 'Tile', inputs, { reps: c.reps });
    assert.deepEqual(wasm.shape, cpu.shape);
    assert.deepEqual(wasm.values, cpu.values);
  });
}

test('Identity on wasm shares data: a clone outlives its disposed source with the same values', async () => {
  await tf.setBackend('wasm');
  const before = tf.engine().backend.numDataIds();
  const x = tf.tensor1d([1, 2, 3]);
  const y = tf.clone(x);
  x.dispose();
  assert.deepEqual(Array.from(await y.data()), [1, 2, 3]);
  y.dispose();
  assert.equal(tf.engine().backend.numDataIds(), before);
});
