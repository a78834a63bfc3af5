import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadFashionMnist } from '../src/data/fashion_mnist';
import { parseIdx } from '../src/data/idx';

function idx(shape: number[], data: number[]): Uint8Array {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = 0x08;
  header[3] = shape.length;
  shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

test('parseIdx reads shape and bytes, plain or gzip-compressed', () => {
  const raw = idx([2, 3], [1, 2, 3, 4, 5, 6]);
  for (const bytes of [raw, gzipSync(raw)]) {
    const a = parseIdx(bytes, 'mem');
    assert.deepEqual(a.shape, [2, 3]);
    assert.deepEqual(Array.from(a.data), [1, 2, 3, 4, 5, 6]);
  }
});

test('parseIdx rejects bad magic, other element types and truncated files, naming the file', () => {
  assert.throws(() => parseIdx(Uint8Array.from([1, 0, 8, 1]), 'f.idx'), /parseIdx: f.idx is not a valid IDX file: magic bytes 1 0/);
  assert.throws(() => parseIdx(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]), 'f.idx'), /element type 0xd, expected 0x08/);
  assert.throws(() => parseIdx(idx([4], [1, 2]), 'f.idx'), /shape \[4\] needs 12 bytes, the file has 10/);
  assert.throws(() => parseIdx(Uint8Array.from([0, 0]), 'f.idx'), /only 2 bytes/);
});

test('loadFashionMnist reads a folder of IDX files and scales pixels to [0, 1]', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qs-fmnist-'));
  try {
    fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(idx([2, 2, 2], [0, 255, 51, 102, 1, 2, 3, 4])));
    fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(idx([2], [9, 0])));
    const set = loadFashionMnist({ split: 'test', dir, limit: 1 });
    assert.equal(set.count, 1);
    assert.deepEqual(Array.from(set.images), [0, 1, 0.2, 0.4].map(Math.fround));
    assert.deepEqual(Array.from(set.labels), [9]);
    assert.throws(() => loadFashionMnist({ split: 'test', dir, limit: 3 }), /argument 'limit' was 3; expected an integer in 1..2/);
    assert.throws(() => loadFashionMnist({ split: 'train', dir }), /train-images-idx3-ubyte.gz does not exist; dir must hold train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz/);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('the Debian Fashion-MNIST package loads: 60000 training and 10000 test images of 28x28 in ten classes', () => {
  const test = loadFashionMnist({ split: 'test' });
  assert.equal(test.count, 10000);
  assert.equal(test.height, 28);
  assert.equal(test.images.length, 10000 * 784);
  const perClass = new Array(10).fill(0);
  for (const l of test.labels) perClass[l]++;
  assert.deepEqual(perClass, new Array(10).fill(1000));
  assert.equal(loadFashionMnist({ split: 'train', limit: 5 }).count, 5);
});
