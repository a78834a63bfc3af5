import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildEncodings, writeEncodings } from '../../src/export/encodings';
import type { Graph } from '../../src/graph/ir';
import type { QuantPlan } from '../../src/quant/plan';

const graph: Graph = {
  name: 'two_dense', format: 'tfjs-layers', inputs: [{ name: 'x', shape: [null, 2] }], outputs: ['fc2'],
  nodes: [
    { name: 'fc1', source: 'Dense', aliases: [], inputs: ['x'], op: { kind: 'dense', kernel: { data: Float32Array.of(1, -2, 0.5, 4), shape: [2, 2] }, bias: null, activation: 'relu', folded: null } },
    { name: 'fc2', source: 'Dense', aliases: [], inputs: ['fc1'], op: { kind: 'dense', kernel: { data: Float32Array.of(1, 1), shape: [2, 1] }, bias: null, activation: 'linear', folded: null } },
  ],
};
const plan: QuantPlan = {
  defaultPrecision: 'int8', weightGranularity: 'per-channel', layerPrecision: { fc2: 'float' },
  activationRanges: new Map([['x', { min: -1, max: 1 }], ['fc1', { min: 0, max: 6 }], ['fc2', { min: -3, max: 3 }]]),
};

test('encodings list int8 activations and per-channel weights with scale, zero point, offset and the covered range', () => {
  const e = buildEncodings(graph, plan);
  assert.deepEqual(Object.keys(e.activation_encodings), ['x', 'fc1']);
  const fc1 = e.activation_encodings.fc1;
  assert.equal(fc1.bits, 8);
  assert.equal(fc1.scale, Math.fround(6 / 255));
  assert.equal(fc1.zero_point, -128);
  assert.equal(fc1.offset, 128);
  assert.equal(fc1.min, 0);
  assert.ok(Math.abs((fc1.max as number) - 6) < 1e-6);
  const w = e.param_encodings['fc1/kernel'];
  assert.deepEqual(w.scale, [Math.fround(1 / 127), Math.fround(4 / 127)]);
  assert.deepEqual(w.zero_point, [0, 0]);
  assert.deepEqual(e.layer_precision, { fc2: 'float' });
  assert.equal(e.param_encodings['fc2/kernel'], undefined);
});

test('writeEncodings writes the whole file atomically, with no temporary file left behind', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qs-enc-'));
  try {
    const file = path.join(dir, 'encodings.json');
    writeEncodings(file, graph, plan);
    assert.deepEqual(fs.readdirSync(dir), ['encodings.json']);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')).model, 'two_dense');
    assert.throws(() => writeEncodings(path.join(dir, 'missing', 'e.json'), graph, plan), /writeFileAtomic: folder .*missing does not exist/);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});
