/**
 * quantizeValues (src/quant/integer/codes.ts) runs arrays of 64 values or more through src/wasm/quantize.wat; it
 * must give the codes of roundToGrid (src/rounding.ts, the fake-quant executor's arithmetic) bit for bit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quantizeValues } from '../../src/quant/integer/codes';
import type { TensorQParams } from '../../src/qparams';
import { roundToGrid, roundingProfiles } from '../../src/rounding';
import { quantizeKernel } from '../../src/wasm/quantize_kernels';
import { TIE_GRIDS, valuesAroundTies } from '../support/grid_values';
import { mulberry32 } from '../support/random';

function expected(x: Float32Array, qp: TensorQParams, rounding: (typeof roundingProfiles)[number]): number[] {
  return Array.from(x, (v) => Math.min(Math.max(roundToGrid(v, qp.scale, rounding) + qp.zeroPoint, qp.qmin), qp.qmax));
}

describe('quantizeValues through WebAssembly', () => {
  it('the kernel is built and loads', () => assert.ok(quantizeKernel(), 'run node scripts/build-wasm.js'));

  for (const qp of TIE_GRIDS) {
    for (const rounding of roundingProfiles) {
      it(`equals roundToGrid on ties, neighbours and extremes: scale ${qp.scale}, zero point ${qp.zeroPoint}, `
        + `[${qp.qmin}, ${qp.qmax}], ${rounding}`, () => {
        const x = valuesAroundTies(qp.scale, mulberry32(Math.round(qp.scale * 1e6) + rounding.length));
        const got = quantizeValues(x, [x.length], qp, rounding, 't');
        assert.ok(got.data instanceof (qp.qmax > 127 ? Int16Array : Int8Array));
        const want = expected(x, qp, rounding);
        for (let i = 0; i < x.length; i++) {
          if (got.data[i] !== want[i]) assert.fail(`x ${x[i]} (index ${i}): ${got.data[i]}, want ${want[i]}`);
        }
      });
    }
  }

  it('names the tensor and the first non-finite value\'s index, for long and short arrays', () => {
    const qp: TensorQParams = { kind: 'per-tensor', scale: 0.1, zeroPoint: 0, qmin: -128, qmax: 127 };
    for (const [n, at, v] of [[1000, 777, NaN], [1000, 999, -Infinity], [5, 2, Infinity]] as const) {
      const x = new Float32Array(n).fill(0.5);
      x[at] = v;
      x[at - 1 >= 0 ? at - 1 : 0] = 0.25;
      assert.throws(() => quantizeValues(x, [n], qp, 'onnx', 'conv1/out'),
        new RegExp(`tensor 'conv1/out' holds ${v} at flat index ${at}`));
    }
  });
});
