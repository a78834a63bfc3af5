import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { equalizeCrossLayer, outputRanges } from '../../src/fixes/equalize';
import { imbalanceDepthwiseChannels } from '../../src/fixes/imbalance_channels';
import { foldBatchNorms } from '../../src/graph/fold_batchnorm';
import { fuseActivations } from '../../src/graph/fuse_activations';
import { importLayersModel } from '../../src/graph/import_layers';
import type { Graph } from '../../src/graph/ir';
import { useBackend } from '../support/backends';
import { uniforms } from '../support/random';
import { floatOutputs } from './pairs';

const mobilenet = () => fuseActivations(foldBatchNorms(importLayersModel(path.resolve(__dirname, '../../../models/zoo/mobilenet_v2/model.json'))));

test('imbalanceDepthwiseChannels spreads depthwise channel ranges by the factor asked and computes what the ReLU variant computes', async () => {
  await useBackend('wasm');
  const graph = mobilenet();
  const { graph: imbalanced, pairs } = imbalanceDepthwiseChannels(graph, 100);
  assert.deepEqual(pairs.map(([a, b]) => `${a}->${b}`), ['block1_dw->block1_project', 'block2_dw->block2_project', 'block3_dw->block3_project', 'block4_dw->block4_project']);
  // The reference: the same graph with those depthwise layers' ReLU6 made ReLU, built by hand.
  const relu: Graph = { ...graph, nodes: graph.nodes.map((n) => (pairs.some(([a]) => a === n.name) ? { ...n, op: { ...n.op, activation: 'relu' } as typeof n.op } : n)) };
  const x = tf.tensor4d(uniforms(3, 8 * 28 * 28, 0, 1), [8, 28, 28, 1]);
  const [a, b] = [floatOutputs(relu, x), floatOutputs(imbalanced, x)];
  x.dispose();
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-4, `${a[i]} vs ${b[i]}`);
  const spread = (g: Graph, name: string) => {
    const r = outputRanges(g.nodes.find((n) => n.name === name)!.op as never);
    return Math.max(...r) / Math.min(...r);
  };
  for (const [dw] of pairs) {
    assert.ok(spread(imbalanced, dw) > 20 * spread(graph, dw), `${dw}: spread ${spread(graph, dw)} -> ${spread(imbalanced, dw)}`);
    // Equalization undoes it.
    assert.ok(spread(equalizeCrossLayer(imbalanced, { relu6: 'as-relu' }).graph, dw) < 2 * spread(equalizeCrossLayer(graph, { relu6: 'as-relu' }).graph, dw));
  }
  assert.throws(() => imbalanceDepthwiseChannels(graph, 0.5), /imbalanceDepthwiseChannels: argument 'spread' was 0.5; expected a finite ratio >= 1/);
});
