/**
 * ONNX Runtime's float32 logistic (MLAS's FMA3 kernel) and the integer path's sigmoid and swish tables built from
 * it, against onnxruntime-node: the function on a million floats, the tables on every int8 code, each through the
 * QDQ export (DQ -> Sigmoid -> Q, which ORT fuses into QLinearSigmoid, and swish's DQ -> Sigmoid, Mul -> Q, which
 * it runs in float).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs-core';
import { createOnnxRuntimeRunner } from '../../src/export/onnxruntime_executor';
import { exportQdqOnnx } from '../../src/export/onnx_qdq';
import type { Graph } from '../../src/graph/ir';
import { mlasLogistic } from '../../src/integer/mlas_logistic';
import { createIntegerExecutor } from '../../src/quant/integer_executor';
import type { QuantPlan } from '../../src/quant/plan';
import type { Range } from '../../src/range';
import { gridValues } from '../../src/quant/integer/codes';
import { qparamsFromRange } from '../../src/qparams';
import { int8Activations } from '../../src/scheme';
import { useBackend } from '../support/backends';
import { ortKernelsDiffer } from '../support/cpu';
import { uniforms } from '../support/random';
import { buildModel, node } from './onnx_models';

describe('mlasLogistic', () => {
  it("equals ONNX Runtime's Sigmoid on 2^20 float32 inputs, bit for bit", { skip: ortKernelsDiffer(['avx2', 'fma']) }, async () => {
    const n = 1 << 20;
    const wide = uniforms(1, n / 2, -25, 25);
    const exponents = uniforms(2, n / 2, -30, 4);
    const signs = uniforms(3, n / 2, -1, 1);
    const x = new Float32Array(n);
    for (let i = 0; i < n / 2; i++) {
      x[i] = wide[i];
      x[n / 2 + i] = Math.sign(signs[i]) * 2 ** exponents[i];
    }
    x.set([0, -0, 18, -18, 17.999998, -17.999998, 1e-38, -1e-38], 0);
    const model = buildModel({ nodes: [node('Sigmoid', ['x'], ['y'])], initializers: [], inputs: [['x', 'float', [n]]], outputs: [['y', 'float', [n]]] });
    const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
    const y = (await session.run({ x: new ort.Tensor('float32', x, [n]) })).y.data as Float32Array;
    await session.release();
    let differing = 0;
    for (let i = 0; i < n; i++) if (!Object.is(Math.fround(mlasLogistic(x[i])), y[i])) differing++;
    assert.equal(differing, 0);
  });
});

/** `count` seeded input ranges and, per function, an output range covering its values there. */
function randomGrids(count: number): Array<{ input: Range; sigmoid: Range; swish: Range }> {
  const u = uniforms(4, 4 * count);
  return Array.from({ length: count }, (_, k) => {
    const input = { min: -0.1 - 30 * u[4 * k] ** 2, max: 0.1 + 30 * u[4 * k + 1] ** 2 };
    const sigmoid = { min: 0.5 * u[4 * k + 2] * mlasLogistic(input.min), max: 1 - 0.5 * u[4 * k + 3] * (1 - mlasLogistic(input.max)) };
    return { input, sigmoid, swish: { min: -0.28, max: input.max * (1 + u[4 * k + 2]) } };
  });
}

describe("the 'onnxruntime' profile's activation tables", () => {
  // 100 grids x 256 codes, as a code flips only when a value falls within an ulp or two of a rounding boundary.
  // (tfjs's own sigmoid gives the same tables on these grids too; where the two differ in practice is the float
  // epilogue of convs with a fused sigmoid or swish, which sees many more distinct values: efficientnet's
  // squeeze-excite convs, covered by zoo_onnxruntime_exact.test.ts.)
  const grids = randomGrids(100);
  for (const fn of ['sigmoid', 'swish'] as const) {
    it(`${fn}: equal onnxruntime running the QDQ export on every int8 code of 100 grids`, { skip: ortKernelsDiffer(['avx2', 'fma']) }, async () => {
      await useBackend('wasm');
      let differing = 0;
      for (const g of grids) {
        const graph: Graph = {
          name: `${fn}-table`, format: 'onnx', inputs: [{ name: 'x', shape: [null, 256] }],
          nodes: [{ name: 'y', op: { kind: 'activation', fn }, inputs: ['x'], source: 'test', aliases: [] }], outputs: ['y'],
        };
        const plan: QuantPlan = { defaultPrecision: 'int8', weightGranularity: 'per-channel', activationRanges: new Map([['x', g.input], ['y', g[fn]]]), rounding: 'onnx' };
        // Every code of the input grid, as the float values that quantize to it.
        const x = tf.tensor2d(gridValues(qparamsFromRange(g.input, int8Activations)), [1, 256]);
        const integer = createIntegerExecutor(graph, plan, { profile: 'onnxruntime' });
        const runner = await createOnnxRuntimeRunner(exportQdqOnnx(graph, plan), graph);
        const [ours] = integer.run(x);
        const theirs = await runner.run(x);
        assert.equal(integer.integerCoverage()[0].route, 'lut');
        const a = ours.dataSync();
        const b = theirs.dataSync();
        for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differing++;
        tf.dispose([x, ours, theirs]);
        integer.dispose();
        await runner.release();
      }
      assert.equal(differing, 0);
    });
  }
});
