/** ONNX Runtime's float32 softmax (MLAS's AVX-512F kernels), reproduced by mlasSoftmax, against onnxruntime-node. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { mlasSoftmax } from '../../src/integer/mlas_softmax';
import { ortKernelsDiffer } from '../support/cpu';
import { uniforms } from '../support/random';
import { buildModel, node } from './onnx_models';

describe('mlasSoftmax', () => {
  // Rows shorter than a vector, one vector, a masked tail after full vectors, and the kernel's 48-wide loop.
  for (const rowLength of [7, 10, 16, 21, 100]) {
    it(`equals ONNX Runtime's Softmax bit for bit on 20,000 rows of ${rowLength}`, { skip: ortKernelsDiffer(['avx512f']) }, async () => {
      const rows = 20000;
      const spread = uniforms(11, rows * rowLength);
      const x = uniforms(12, rows * rowLength, -15, 15).map((v, i) => v * spread[i]);
      const model = buildModel({
        nodes: [node('Softmax', ['x'], ['y'], { axis: -1 })], initializers: [],
        inputs: [['x', 'float', [rows, rowLength]]], outputs: [['y', 'float', [rows, rowLength]]],
      });
      const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
      const y = (await session.run({ x: new ort.Tensor('float32', x, [rows, rowLength]) })).y.data as Float32Array;
      await session.release();
      const ours = mlasSoftmax(x, rowLength);
      let differing = 0;
      for (let i = 0; i < y.length; i++) if (ours[i] !== y[i]) differing++;
      assert.equal(differing, 0);
    });
  }
});
