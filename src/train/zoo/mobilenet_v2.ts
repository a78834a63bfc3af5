import * as tfl from '@tensorflow/tfjs-layers';
import { bn, classifierHead, conv, depthwise, relu6, SeedSequence, type Sym } from './layers';
import type { ZooModelSpec } from './spec';

/**
 * A MobileNetV2 inverted residual: 1×1 expand + BN + ReLU6, 3×3 depthwise + BN + ReLU6 (stride 2: Keras' explicit
 * ZeroPadding2D ((0, 1), (0, 1)) then 'valid'), 1×1 linear projection + BN, and a residual add when the shape is kept.
 */
function invertedResidual(x: Sym, name: string, expansion: number, filters: number, strides: number, seeds: SeedSequence): Sym {
  const inChannels = x.shape[3] as number;
  let y = conv(x, `${name}_expand`, inChannels * expansion, 1, seeds);
  y = bn(y, `${name}_expand_bn`);
  y = relu6(y, `${name}_expand_relu`);
  if (strides === 2) {
    y = tfl.layers.zeroPadding2d({ name: `${name}_pad`, padding: [[0, 1], [0, 1]] }).apply(y) as Sym;
  }
  y = depthwise(y, `${name}_dw`, 3, seeds, { strides, padding: strides === 2 ? 'valid' : 'same' });
  y = bn(y, `${name}_dw_bn`);
  y = relu6(y, `${name}_dw_relu`);
  y = conv(y, `${name}_project`, filters, 1, seeds);
  y = bn(y, `${name}_project_bn`);
  if (strides === 1 && inChannels === filters) y = tfl.layers.add({ name: `${name}_add` }).apply([x, y]) as Sym;
  return y;
}

/**
 * MobileNetV2-style: stem 3×3 conv (16, stride 2) + BN + ReLU6 to 14×14; inverted residuals (expansion 3 or 4)
 * 16→24 (stride 2, 7×7), 24→24, 24→40, 40→40; 1×1 head conv (128) + BN + ReLU6; global average pooling; softmax dense.
 */
export function buildMobilenetV2(spec: ZooModelSpec): tfl.LayersModel {
  const seeds = new SeedSequence(spec.seed);
  const input = tfl.input({ name: 'input', shape: [28, 28, 1] });
  let x = conv(input, 'stem_conv', 16, 3, seeds, { strides: 2 });
  x = bn(x, 'stem_bn');
  x = relu6(x, 'stem_relu');
  x = invertedResidual(x, 'block1', 3, 24, 2, seeds);
  x = invertedResidual(x, 'block2', 4, 24, 1, seeds);
  x = invertedResidual(x, 'block3', 4, 40, 1, seeds);
  x = invertedResidual(x, 'block4', 4, 40, 1, seeds);
  x = conv(x, 'head_conv', 128, 1, seeds);
  x = bn(x, 'head_bn');
  x = relu6(x, 'head_relu');
  return tfl.model({ name: spec.name, inputs: input, outputs: classifierHead(x, 10, seeds) });
}
