import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DEBIAN_FASHION_MNIST_DIR } from '../data/fashion_mnist';
import { parseIdx } from '../data/idx';

/** Encodes an unsigned-byte IDX array: 0 0 0x08 rank, big-endian uint32 dimensions, then the bytes. */
export function encodeIdx(shape: readonly number[], data: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * shape.length);
  header.set([0, 0, 0x08, shape.length]);
  const view = new DataView(header.buffer);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

/**
 * Writes the first `count` training and test examples of Fashion-MNIST from `sourceDir` (Debian's
 * dataset-fashion-mnist by default) to `outDir` as gzip IDX files with the original names, plus `readme`. The folder
 * is written to a temporary sibling and renamed into place, so it is complete or absent.
 */
export function writeFashionMnistSubset(outDir: string, count: number, readme: string, sourceDir = DEBIAN_FASHION_MNIST_DIR): void {
  const parent = path.dirname(path.resolve(outDir));
  const tmp = path.join(parent, `.${path.basename(outDir)}.tmp-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  for (const prefix of ['train', 't10k']) {
    for (const kind of ['images-idx3-ubyte', 'labels-idx1-ubyte']) {
      const name = `${prefix}-${kind}.gz`;
      const source = path.join(sourceDir, name);
      const idx = parseIdx(fs.readFileSync(source), source);
      if (idx.shape[0] < count) throw new Error(`writeFashionMnistSubset: ${source} has ${idx.shape[0]} examples; asked for ${count}`);
      const per = idx.shape.slice(1).reduce((a, b) => a * b, 1);
      const shape = [count, ...idx.shape.slice(1)];
      // mtime 0 in the gzip header (Node writes none), level 9: the same bytes on every run.
      fs.writeFileSync(path.join(tmp, name), gzipSync(encodeIdx(shape, idx.data.subarray(0, count * per)), { level: 9 }));
    }
  }
  fs.writeFileSync(path.join(tmp, 'README.md'), readme);
  const old = path.join(parent, `.${path.basename(outDir)}.old-${process.pid}`);
  if (fs.existsSync(outDir)) fs.renameSync(outDir, old);
  fs.renameSync(tmp, outDir);
  fs.rmSync(old, { recursive: true, force: true });
}
