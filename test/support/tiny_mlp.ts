import type { ImageSet } from '../../src/data/fashion_mnist';
import { createExecutor } from '../../src/graph/execute';
import type { Graph } from '../../src/graph/ir';
import * as tf from '@tensorflow/tfjs-core';
import { normals, uniforms } from './random';

/**
 * A 4x4 image -> dense 16x12 (ReLU) -> dense 12x4 classifier whose first layer has one weight 200x larger than the
 * rest, on a pixel that is always 0 (so activation ranges stay sane): per-tensor weights (and per-channel ones when
 * every channel has the outlier) round the rest of that layer coarsely and wreck it, while keeping that layer in float recovers. Labels are the float model's own
 * predictions: float accuracy is 100%.
 */
export function outlierMlp(seed = 7, count = 400, firstLayerName = 'fc1', outliers: 'one channel' | 'every channel' = 'one channel'): { graph: Graph; images: ImageSet } {
  const w1 = normals(seed, 16 * 12, 0, 0.5);
  // Input pixel 5 is always 0; its weights are the outliers (hidden unit 0, or every unit so per-channel scales fail too).
  for (let unit = 0; unit < (outliers === 'one channel' ? 1 : 12); unit++) w1[5 * 12 + unit] = 100;
  const w2 = normals(seed + 1, 12 * 4, 0, 0.5);
  const graph: Graph = {
    name: 'outlier_mlp',
    format: 'tfjs-layers',
    inputs: [{ name: 'image', shape: [null, 4, 4, 1] }],
    nodes: [
      { name: 'flat', op: { kind: 'flatten' }, inputs: ['image'], source: 'Flatten', aliases: [] },
      { name: firstLayerName, op: { kind: 'dense', kernel: { data: w1, shape: [16, 12] }, bias: { data: new Float32Array(12), shape: [12] }, activation: 'relu', folded: null }, inputs: ['flat'], source: 'Dense', aliases: [] },
      { name: 'fc2', op: { kind: 'dense', kernel: { data: w2, shape: [12, 4] }, bias: null, activation: 'linear', folded: null }, inputs: [firstLayerName], source: 'Dense', aliases: [] },
    ],
    outputs: ['fc2'],
  };
  const pixels = uniforms(seed + 2, count * 16, -1, 1);
  for (let i = 0; i < count; i++) pixels[i * 16 + 5] = 0;
  const executor = createExecutor(graph);
  const x = tf.tensor4d(pixels, [count, 4, 4, 1]);
  const [y] = executor.run(x);
  const labels = Uint8Array.from(tf.argMax(y, 1).dataSync());
  tf.dispose([x, y]);
  executor.dispose();
  return { graph, images: { count, height: 4, width: 4, images: pixels, labels } };
}
