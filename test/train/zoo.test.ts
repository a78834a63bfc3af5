import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend';
import { ZOO } from '../../src/train/zoo';

before(async () => { await initBackend('wasm'); });

const STANDARD_LAYERS = new Set(['InputLayer', 'Conv2D', 'DepthwiseConv2D', 'BatchNormalization', 'Activation', 'ReLU', 'Add',
  'Multiply', 'GlobalAveragePooling2D', 'Dense', 'ZeroPadding2D', 'Reshape']);

const expectedLayers: Record<string, string[]> = {
  resnet: ['stem_conv', 'stem_bn', 'stem_relu', 'block1_conv1', 'block1_add', 'block2_shortcut_conv', 'block3_out', 'avg_pool', 'predictions'],
  mobilenet_v2: ['stem_conv', 'block1_expand', 'block1_expand_relu', 'block1_pad', 'block1_dw', 'block1_project_bn', 'block2_add', 'head_conv', 'predictions'],
  efficientnet: ['stem_swish', 'block1_dw', 'block1_se_squeeze', 'block1_se_reshape', 'block1_se_reduce', 'block1_se_expand', 'block1_se_excite', 'block2_pad', 'block3_add', 'head_swish', 'predictions'],
};

for (const { spec, build } of ZOO) {
  test(`zoo model ${spec.name} takes 28x28x1 images, outputs 10 class probabilities and uses Keras-style layer names`, () => {
    const model = build(spec);
    assert.deepEqual(model.inputs[0].shape, [null, 28, 28, 1]);
    assert.deepEqual(model.outputs[0].shape, [null, 10]);
    const names = model.layers.map((l) => l.name);
    for (const name of expectedLayers[spec.name]) assert.ok(names.includes(name), `missing layer ${name}`);
    for (const layer of model.layers) assert.ok(STANDARD_LAYERS.has(layer.getClassName()), `${layer.name} is a ${layer.getClassName()}`);
    model.dispose();
  });

  test(`zoo model ${spec.name} gets the same initial weights on every build (seeded initializers)`, () => {
    const before = tf.memory().numTensors;
    const a = build(spec);
    const b = build(spec);
    const wa = a.getWeights();
    const wb = b.getWeights();
    assert.equal(wa.length, wb.length);
    for (let i = 0; i < wa.length; i++) assert.deepEqual(wa[i].dataSync(), wb[i].dataSync(), a.weights[i].name);
    a.dispose();
    b.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
}
