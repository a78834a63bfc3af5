import * as tfl from '@tensorflow/tfjs-layers';
import { activation, bn, classifierHead, conv, SeedSequence, type Sym } from './layers';
import type { ZooModelSpec } from './spec';

/** A ResNet basic block: two 3×3 conv + BN, ReLU between and after the residual add; 1×1 conv shortcut on a shape change. */
function basicBlock(x: Sym, name: string, filters: number, strides: number, seeds: SeedSequence): Sym {
  const inChannels = x.shape[3];
  let y = conv(x, `${name}_conv1`, filters, 3, seeds, { strides });
  y = bn(y, `${name}_bn1`);
  y = activation(y, `${name}_relu1`, 'relu');
  y = conv(y, `${name}_conv2`, filters, 3, seeds);
  y = bn(y, `${name}_bn2`);
  let shortcut = x;
  if (strides !== 1 || inChannels !== filters) {
    shortcut = conv(x, `${name}_shortcut_conv`, filters, 1, seeds, { strides });
    shortcut = bn(shortcut, `${name}_shortcut_bn`);
  }
  const sum = tfl.layers.add({ name: `${name}_add` }).apply([y, shortcut]) as Sym;
  return activation(sum, `${name}_out`, 'relu');
}

/**
 * ResNet-style: stem 3×3 conv (16, stride 2) + BN + ReLU to 14×14, then basic blocks 16→16 (identity shortcut),
 * 16→32 (stride 2, 7×7) and 32→64 (stride 2, 4×4) with projection shortcuts, global average pooling, softmax dense.
 */
export function buildResnet(spec: ZooModelSpec): tfl.LayersModel {
  const seeds = new SeedSequence(spec.seed);
  const input = tfl.input({ name: 'input', shape: [28, 28, 1] });
  let x = conv(input, 'stem_conv', 16, 3, seeds, { strides: 2 });
  x = bn(x, 'stem_bn');
  x = activation(x, 'stem_relu', 'relu');
  x = basicBlock(x, 'block1', 16, 1, seeds);
  x = basicBlock(x, 'block2', 32, 2, seeds);
  x = basicBlock(x, 'block3', 64, 2, seeds);
  return tfl.model({ name: spec.name, inputs: input, outputs: classifierHead(x, 10, seeds) });
}
