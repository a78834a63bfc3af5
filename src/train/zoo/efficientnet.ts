import * as tfl from '@tensorflow/tfjs-layers';
import { activation, bn, classifierHead, conv, depthwise, SeedSequence, type Sym } from './layers';
import type { ZooModelSpec } from './spec';

/**
 * An EfficientNet MBConv block: optional 1×1 expand + BN + swish; k×k depthwise + BN + swish (stride 2: explicit
 * ZeroPadding2D then 'valid', as Keras does); squeeze-excite (global average pool, Reshape to 1×1, 1×1 reduce conv
 * with swish, 1×1 expand conv with sigmoid, Multiply); 1×1 projection + BN; residual add when the shape is kept.
 */
function mbConv(x: Sym, name: string, expansion: number, filters: number, kernelSize: number, strides: number, seeds: SeedSequence): Sym {
  const inChannels = x.shape[3] as number;
  const expanded = inChannels * expansion;
  let y = x;
  if (expansion !== 1) {
    y = conv(y, `${name}_expand`, expanded, 1, seeds);
    y = bn(y, `${name}_expand_bn`);
    y = activation(y, `${name}_expand_swish`, 'swish');
  }
  if (strides === 2) {
    // Keras' correct_pad for an even input size: one row/column less before than after.
    const half = Math.floor(kernelSize / 2);
    y = tfl.layers.zeroPadding2d({ name: `${name}_pad`, padding: [[half - 1, half], [half - 1, half]] }).apply(y) as Sym;
  }
  y = depthwise(y, `${name}_dw`, kernelSize, seeds, { strides, padding: strides === 2 ? 'valid' : 'same' });
  y = bn(y, `${name}_dw_bn`);
  y = activation(y, `${name}_dw_swish`, 'swish');
  const squeezeChannels = Math.max(1, Math.floor(inChannels / 4));
  let se = tfl.layers.globalAveragePooling2d({ name: `${name}_se_squeeze` }).apply(y) as Sym;
  se = tfl.layers.reshape({ name: `${name}_se_reshape`, targetShape: [1, 1, expanded] }).apply(se) as Sym;
  se = conv(se, `${name}_se_reduce`, squeezeChannels, 1, seeds, { useBias: true, activation: 'swish' });
  se = conv(se, `${name}_se_expand`, expanded, 1, seeds, { useBias: true, activation: 'sigmoid' });
  y = tfl.layers.multiply({ name: `${name}_se_excite` }).apply([y, se]) as Sym;
  y = conv(y, `${name}_project`, filters, 1, seeds);
  y = bn(y, `${name}_project_bn`);
  if (strides === 1 && inChannels === filters) y = tfl.layers.add({ name: `${name}_add` }).apply([x, y]) as Sym;
  return y;
}

/**
 * EfficientNet-style: stem 3×3 conv (16, stride 2) + BN + swish to 14×14; MBConv blocks 16→16 (expansion 1, 3×3),
 * 16→24 (4, 3×3, stride 2, 7×7), 24→24 (4, 3×3), 24→40 (4, 5×5), each with squeeze-excite; 1×1 head conv (128)
 * + BN + swish; global average pooling; softmax dense.
 */
export function buildEfficientnet(spec: ZooModelSpec): tfl.LayersModel {
  const seeds = new SeedSequence(spec.seed);
  const input = tfl.input({ name: 'input', shape: [28, 28, 1] });
  let x = conv(input, 'stem_conv', 16, 3, seeds, { strides: 2 });
  x = bn(x, 'stem_bn');
  x = activation(x, 'stem_swish', 'swish');
  x = mbConv(x, 'block1', 1, 16, 3, 1, seeds);
  x = mbConv(x, 'block2', 4, 24, 3, 2, seeds);
  x = mbConv(x, 'block3', 4, 24, 3, 1, seeds);
  x = mbConv(x, 'block4', 4, 40, 5, 1, seeds);
  x = conv(x, 'head_conv', 128, 1, seeds);
  x = bn(x, 'head_bn');
  x = activation(x, 'head_swish', 'swish');
  return tfl.model({ name: spec.name, inputs: input, outputs: classifierHead(x, 10, seeds) });
}
