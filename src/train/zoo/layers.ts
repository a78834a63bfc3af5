import * as tfl from '@tensorflow/tfjs-layers';

/** The symbolic tensor type of tfjs-layers' functional API. */
export type Sym = tfl.SymbolicTensor;

/**
 * Hands out initializer seeds in layer order, so every weight of a zoo model is seeded and a model's weights depend
 * only on its base seed.
 */
export class SeedSequence {
  private next: number;
  constructor(base: number) {
    this.next = base;
  }
  take(): number {
    return this.next++;
  }
}

/** Conv2D without bias (a batch norm follows), He-normal initialised. */
export function conv(x: Sym, name: string, filters: number, kernelSize: number, seeds: SeedSequence, options: { strides?: number; padding?: 'same' | 'valid'; useBias?: boolean; activation?: 'swish' | 'sigmoid' } = {}): Sym {
  return tfl.layers.conv2d({
    name, filters, kernelSize, strides: options.strides ?? 1, padding: options.padding ?? 'same', useBias: options.useBias ?? false,
    activation: options.activation, kernelInitializer: tfl.initializers.heNormal({ seed: seeds.take() }),
  }).apply(x) as Sym;
}

/** DepthwiseConv2D (channel multiplier 1) without bias, He-normal initialised. */
export function depthwise(x: Sym, name: string, kernelSize: number, seeds: SeedSequence, options: { strides?: number; padding?: 'same' | 'valid' } = {}): Sym {
  return tfl.layers.depthwiseConv2d({
    name, kernelSize, strides: options.strides ?? 1, padding: options.padding ?? 'same', useBias: false,
    depthwiseInitializer: tfl.initializers.heNormal({ seed: seeds.take() }),
  }).apply(x) as Sym;
}

/** BatchNormalization over channels (momentum 0.9 so short training still gives settled moving statistics). */
export function bn(x: Sym, name: string): Sym {
  return tfl.layers.batchNormalization({ name, axis: -1, momentum: 0.9, epsilon: 1e-3 }).apply(x) as Sym;
}

export function activation(x: Sym, name: string, kind: 'relu' | 'swish' | 'sigmoid'): Sym {
  return tfl.layers.activation({ name, activation: kind }).apply(x) as Sym;
}

/** Keras' ReLU layer with max_value 6 (ReLU6). */
export function relu6(x: Sym, name: string): Sym {
  return tfl.layers.reLU({ name, maxValue: 6 }).apply(x) as Sym;
}

/** Global average pooling and the softmax classifier. */
export function classifierHead(x: Sym, classes: number, seeds: SeedSequence): Sym {
  const pooled = tfl.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as Sym;
  return tfl.layers.dense({
    name: 'predictions', units: classes, activation: 'softmax',
    kernelInitializer: tfl.initializers.glorotUniform({ seed: seeds.take() }),
  }).apply(pooled) as Sym;
}
