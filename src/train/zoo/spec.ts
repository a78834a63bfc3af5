import type * as tfl from '@tensorflow/tfjs-layers';

/** How one zoo model is built and trained. Every field is recorded in the model's metadata.json. */
export interface ZooModelSpec {
  /** Folder name under models/zoo/ and the LayersModel's name. */
  readonly name: string;
  readonly description: string;
  /** Base seed of the initializers (each layer takes the next one). */
  readonly seed: number;
  readonly epochs: number;
  readonly batchSize: number;
  /** Adam's learning rate per epoch (the last value repeats). */
  readonly learningRates: readonly number[];
  /** The first `trainLimit` training images are used (60000: all). */
  readonly trainLimit: number;
}

export type ZooBuilder = (spec: ZooModelSpec) => tfl.LayersModel;
