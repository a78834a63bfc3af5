import * as fs from 'node:fs';
import * as path from 'node:path';
import { check } from '../errors';
import { parseIdx } from './idx';

/** Where Debian's dataset-fashion-mnist package installs the data set. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** The ten Fashion-MNIST classes, by label. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;

/** Images as float32 in [0, 1], row-major [count, 28, 28, 1] (NHWC), and their labels. */
export interface ImageSet {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly images: Float32Array;
  readonly labels: Uint8Array;
}

/**
 * Loads a Fashion-MNIST split from local IDX files (never from the network). `limit` takes the first n examples;
 * `dir` defaults to the Debian package's folder. A missing folder throws with the command that installs it.
 */
export function loadFashionMnist(options: { split: 'train' | 'test'; limit?: number; dir?: string }): ImageSet {
  const fn = 'loadFashionMnist';
  check(options.split === 'train' || options.split === 'test', fn, 'split', options.split, "'train' or 'test'");
  const dir = options.dir ?? DEBIAN_FASHION_MNIST_DIR;
  const prefix = options.split === 'train' ? 'train' : 't10k';
  const imagesPath = path.join(dir, `${prefix}-images-idx3-ubyte.gz`);
  const labelsPath = path.join(dir, `${prefix}-labels-idx1-ubyte.gz`);
  for (const file of [imagesPath, labelsPath]) {
    if (!fs.existsSync(file)) {
      throw new Error(options.dir === undefined
        ? `${fn}: ${file} does not exist; install the data set with 'apt-get install dataset-fashion-mnist' or pass dir`
        : `${fn}: ${file} does not exist; dir must hold ${prefix}-images-idx3-ubyte.gz and ${prefix}-labels-idx1-ubyte.gz`);
    }
  }
  const images = parseIdx(fs.readFileSync(imagesPath), imagesPath);
  const labels = parseIdx(fs.readFileSync(labelsPath), labelsPath);
  if (images.shape.length !== 3 || labels.shape.length !== 1 || images.shape[0] !== labels.shape[0]) {
    throw new Error(`${fn}: ${imagesPath} has shape [${images.shape.join(', ')}] and ${labelsPath} [${labels.shape.join(', ')}]; expected [n, h, w] images and n labels`);
  }
  const available = images.shape[0];
  const limit = options.limit ?? available;
  check(Number.isInteger(limit) && limit >= 1 && limit <= available, fn, 'limit', limit, `an integer in 1..${available}`);
  const [, height, width] = images.shape;
  const pixels = images.data.subarray(0, limit * height * width);
  const scaled = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) scaled[i] = pixels[i] / 255;
  return { count: limit, height, width, images: scaled, labels: labels.data.slice(0, limit) };
}

/** The first `count` images of a set (a view, no copy); the whole set when it has no more. */
export function firstImages(set: ImageSet, count: number): ImageSet {
  check(Number.isInteger(count) && count >= 1, 'firstImages', 'count', count, 'a positive integer');
  if (count >= set.count) return set;
  const pixels = set.height * set.width;
  return { ...set, count, images: set.images.subarray(0, count * pixels), labels: set.labels.subarray(0, count) };
}
