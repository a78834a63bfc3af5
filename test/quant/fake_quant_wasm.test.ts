/**
 * fakeQuantize on the wasm backend runs per-tensor parameters through src/wasm/fake_quant.wat, in the backend's own
 * heap; it must equal the float64 reference fakeQuantizeArray (src/rounding.ts's roundToGrid) value for value, at every
 * length (the kernel's 4-lane blocks and its 1-3 value tail), and behave as a tfjs op (gradient, disposal).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-layers registers tfjs-core's gradient functions (Sum's, for tf.grad below).
import '@tensorflow/tfjs-layers';
import { fakeQuantizeArray } from '../../src/quantize/quantize_array';
import { fakeQuantize } from '../../src/quantize/quantize_tensor';
import { roundingProfiles } from '../../src/rounding';
import { fusedFakeQuantize } from '../../src/wasm/fake_quant_kernel';
import { useBackend, withoutLeaks } from '../support/backends';
import { TIE_GRIDS, valuesAroundTies } from '../support/grid_values';
import { mulberry32 } from '../support/random';

describe('fused fake quantization on the wasm backend', () => {
  before(() => useBackend('wasm'));

  it('is what fakeQuantize runs for per-tensor parameters on wasm, and nowhere else', async () => {
    const x = tf.tensor([0.3, -1.7, 2.2]);
    const params = { scale: 0.5, lo: -128, hi: 127, rounding: 'onnx' as const };
    const fused = fusedFakeQuantize(x, params);
    assert.ok(fused, 'run node scripts/build-wasm.js: build/src/wasm/fake_quant.wasm is missing');
    assert.deepEqual(Array.from(fused.dataSync()), [0.5, -1.5, 2]);
    await useBackend('cpu');
    assert.equal(fusedFakeQuantize(x, params), null);
    await useBackend('wasm');
    tf.dispose([x, fused]);
  });

  for (const grid of TIE_GRIDS) {
    // The tensor path holds the scale in float32, so the reference gets the same float32 scale.
    const qp = { ...grid, scale: Math.fround(grid.scale) };
    for (const rounding of roundingProfiles) {
      it(`equals fakeQuantizeArray on ties, neighbours and extremes: scale ${qp.scale}, zero point `
        + `${qp.zeroPoint}, [${qp.qmin}, ${qp.qmax}], ${rounding}`, async () => {
        const all = valuesAroundTies(qp.scale, mulberry32(qp.qmax + qp.zeroPoint + rounding.length));
        await withoutLeaks(() => {
          for (const n of [1, 2, 3, 4, 5, 7, all.length - 1, all.length]) {
            const x = all.subarray(all.length - n);
            const t = tf.tensor1d(x);
            const y = fakeQuantize(t, qp, { rounding });
            const got = y.dataSync();
            const want = fakeQuantizeArray(x, qp, { rounding });
            // Values, not bit patterns: the sign of a zero differs between roundings and means nothing downstream.
            for (let i = 0; i < n; i++) {
              if (got[i] !== want[i]) assert.fail(`n ${n}, x ${x[i]} (index ${i}): ${got[i]}, want ${want[i]}`);
            }
            tf.dispose([t, y]);
          }
        });
      });
    }
  }

  it('leaves its input untouched, keeps the shape, and has a zero gradient like the tensor-op version', async () => {
    const values = Float32Array.from([0.26, -0.74, 1.49, -3, 0.01, 9]);
    const qp = { kind: 'per-tensor' as const, scale: 0.5, zeroPoint: 0, qmin: -4, qmax: 3 };
    await withoutLeaks(() => {
      const x = tf.tensor(values, [2, 3]);
      const y = fakeQuantize(x, qp);
      assert.deepEqual(y.shape, [2, 3]);
      assert.deepEqual(Array.from(y.dataSync()), [0.5, -0.5, 1.5, -2, 0, 1.5]);
      assert.deepEqual(x.dataSync(), values);
      const g = tf.grad((v: tf.Tensor) => tf.sum(fakeQuantize(v, qp)))(x);
      assert.deepEqual(Array.from(g.dataSync()), [0, 0, 0, 0, 0, 0]);
      const empty = tf.tensor1d([]);
      const e = fakeQuantize(empty, qp);
      assert.deepEqual(e.shape, [0]);
      tf.dispose([x, y, g, empty, e]);
    });
  });
});
