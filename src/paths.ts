import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEBIAN_FASHION_MNIST_DIR } from './data/fashion_mnist';

/** The repository's root (this file compiles to build/src/paths.js). */
export const REPO_ROOT = path.resolve(__dirname, path.basename(path.dirname(__dirname)) === 'build' ? '../..' : '..');

/**
 * Fashion-MNIST's folder: Debian's dataset-fashion-mnist when installed, else the subset committed in
 * data/fashion-mnist-subset (the first 1000 training and 1000 test images).
 */
export function fashionMnistDir(): string {
  return fs.existsSync(path.join(DEBIAN_FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz')) ? DEBIAN_FASHION_MNIST_DIR : path.join(REPO_ROOT, 'data', 'fashion-mnist-subset');
}
