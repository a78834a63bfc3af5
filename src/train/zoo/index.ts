import { buildEfficientnet } from './efficientnet';
import { buildMobilenetV2 } from './mobilenet_v2';
import { buildResnet } from './resnet';
import type { ZooBuilder, ZooModelSpec } from './spec';

export type { ZooBuilder, ZooModelSpec } from './spec';

/**
 * The zoo: each model's builder and training recipe, in training order. The recipes fit the budget of this 2-core
 * machine shared with other work (about 10 minutes for all three): a prefix of the training set and 2 epochs.
 */
export const ZOO: readonly { readonly spec: ZooModelSpec; readonly build: ZooBuilder }[] = [
  {
    spec: { name: 'resnet', description: 'ResNet-style: residual basic blocks, batch norm, ReLU', seed: 1000, epochs: 2, batchSize: 64, learningRates: [0.003, 0.001], trainLimit: 15000 },
    build: buildResnet,
  },
  {
    spec: { name: 'mobilenet_v2', description: 'MobileNetV2-style: inverted residuals, depthwise conv, batch norm, ReLU6', seed: 2000, epochs: 2, batchSize: 64, learningRates: [0.003, 0.001], trainLimit: 10000 },
    build: buildMobilenetV2,
  },
  {
    spec: { name: 'efficientnet', description: 'EfficientNet-style: MBConv with depthwise conv, squeeze-excite, swish', seed: 3000, epochs: 2, batchSize: 64, learningRates: [0.003, 0.001], trainLimit: 10000 },
    build: buildEfficientnet,
  },
];
