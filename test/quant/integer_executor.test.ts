import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { Graph, GraphNode } from '../../src/graph/ir';
import { qparamsFromRange } from '../../src/qparams';
import { createFakeQuantExecutor } from '../../src/quant/fake_quant_executor';
import { createIntegerExecutor, type IntegerProfile } from '../../src/quant/integer_executor';
import type { QuantPlan } from '../../src/quant/plan';
import type { Range } from '../../src/range';
import { int8Activations } from '../../src/scheme';
import { mbqmDoubleRef, mlasRef, quantizeMultiplierRef } from '../reference/fixedpoint_bigint';
import { useBackend, withoutLeaks } from '../support/backends';
import { uniforms } from '../support/random';
import { calibrate, codeDifference, codesOnGrid, imageBatches, kitchenSinkGraph, tapAll } from './support';

const ROUNDING: Record<IntegerProfile, 'tflite' | 'onnx'> = { 'tflite-double': 'tflite', 'tflite-single': 'tflite', onnxruntime: 'onnx' };

function int8Plan(ranges: Map<string, Range>, profile: IntegerProfile, extra: Partial<QuantPlan> = {}): QuantPlan {
  return { defaultPrecision: 'int8', weightGranularity: 'per-channel', activationRanges: ranges, rounding: ROUNDING[profile], ...extra };
}

/** A graph of one node whose inputs are graph inputs (so both executors see exactly the same input codes). */
function isolate(graph: Graph, node: GraphNode, shapes: Map<string, readonly number[]>): Graph {
  return {
    name: `${graph.name}:${node.name}`, format: graph.format, outputs: [node.name], nodes: [node],
    inputs: node.inputs.map((name) => ({ name, shape: [null, ...shapes.get(name)!.slice(1)] })),
  };
}

interface NodeDifference { node: string; op: string; isolated: { fraction: number; max: number }; endToEnd: { fraction: number; max: number } }

/**
 * For every node: the code differences between the integer and fake-quant executors end to end, and for the node
 * alone fed the fake-quant executor's own (on-grid) inputs.
 */
function compareExecutors(graph: Graph, plan: QuantPlan, profile: IntegerProfile, x: tf.Tensor): NodeDifference[] {
  const fq = createFakeQuantExecutor(graph, plan);
  const ie = createIntegerExecutor(graph, plan, { profile });
  const fqTaps = tapAll(fq, x);
  const ieTaps = tapAll(ie, x);
  const shapes = new Map<string, readonly number[]>([[graph.inputs[0].name, x.shape]]);
  fq.run(x, { taps: 'all', onTap: (node, t) => shapes.set(node.name, t.shape) }).forEach((t) => t.dispose());
  fq.dispose();
  ie.dispose();
  return graph.nodes.map((node) => {
    const grid = node.op.kind === 'maxPool' || node.op.kind === 'flatten' || node.op.kind === 'reshape' || node.op.kind === 'identity' || node.op.kind === 'pad'
      ? gridRangeOf(graph, node, plan.activationRanges) : plan.activationRanges.get(node.name)!;
    const endToEnd = codeDifference(codesOnGrid(fqTaps.get(node.name)!, grid), codesOnGrid(ieTaps.get(node.name)!, grid));
    const sub = isolate(graph, node, shapes);
    const inputs = node.inputs.map((name) => (name === graph.inputs[0].name ? x.clone() : tf.tensor(fqTaps.get(name)!, [...shapes.get(name)!])));
    const a = createFakeQuantExecutor(sub, plan);
    const b = createIntegerExecutor(sub, plan, { profile });
    const [ya] = a.run(inputs);
    const [yb] = b.run(inputs);
    const isolated = codeDifference(codesOnGrid(ya.dataSync() as Float32Array, grid), codesOnGrid(yb.dataSync() as Float32Array, grid));
    tf.dispose([ya, yb, ...inputs]);
    a.dispose();
    b.dispose();
    return { node: node.name, op: node.op.kind, isolated, endToEnd };
  });
}

/** The range whose grid a range-preserving node's output lies on (its first non-range-preserving producer's). */
function gridRangeOf(graph: Graph, node: GraphNode, ranges: ReadonlyMap<string, Range>): Range {
  let n: GraphNode | undefined = node;
  let name = node.name;
  while (n && ['maxPool', 'flatten', 'reshape', 'identity', 'pad', 'transpose'].includes(n.op.kind)) {
    name = n.inputs[0];
    n = graph.nodes.find((m) => m.name === name);
  }
  return ranges.get(name)!;
}

function summary(diffs: NodeDifference[]): string {
  return diffs.map((d) => `${d.node} (${d.op}): isolated ${(100 * d.isolated.fraction).toFixed(2)}% max ${d.isolated.max}; end to end ${(100 * d.endToEnd.fraction).toFixed(2)}% max ${d.endToEnd.max}`).join('\n');
}

describe('createIntegerExecutor on the kitchen-sink model', () => {
  it("'onnxruntime' profile: every node's codes equal the fake-quant executor's, alone and end to end, on a 10-image batch", async (t) => {
    await useBackend('cpu');
    const graph = await kitchenSinkGraph();
    const calibration = imageBatches(3, 8, 10);
    const ranges = calibrate(graph, calibration);
    const [x] = imageBatches(1, 10, 100);
    const diffs = compareExecutors(graph, int8Plan(ranges, 'onnxruntime'), 'onnxruntime', x);
    t.diagnostic(`onnxruntime profile vs fake quant (rounding 'onnx'):\n${summary(diffs)}`);
    for (const d of diffs) {
      assert.ok(d.isolated.max <= 1, `${d.node}: isolated difference ${d.isolated.max} codes`);
      assert.ok(d.endToEnd.max <= 1, `${d.node}: end-to-end difference ${d.endToEnd.max} codes`);
    }
    tf.dispose([x, ...calibration]);
  });

  for (const profile of ['tflite-double', 'tflite-single'] as const) {
    it(`'${profile}' profile: each node alone is within 1 code of fake quant; end-to-end differences are measured`, async (t) => {
      await useBackend('cpu');
      const graph = await kitchenSinkGraph();
      const calibration = imageBatches(3, 8, 10);
      const ranges = calibrate(graph, calibration);
      const [x] = imageBatches(1, 10, 100);
      const diffs = compareExecutors(graph, int8Plan(ranges, profile), profile, x);
      t.diagnostic(`${profile} profile vs fake quant (rounding 'tflite'):\n${summary(diffs)}`);
      for (const d of diffs) assert.ok(d.isolated.max <= 1, `${d.node}: isolated difference ${d.isolated.max} codes`);
      const out = diffs[diffs.length - 1];
      assert.ok(out.endToEnd.fraction < 0.6, `output codes differing: ${out.endToEnd.fraction}`);
      tf.dispose([x, ...calibration]);
    });
  }

  it('reports every node with its route, and layers kept in float or fp16 run in float with the plan', async () => {
    await useBackend('cpu');
    const graph = await kitchenSinkGraph();
    const calibration = imageBatches(2, 8, 20);
    const ranges = calibrate(graph, calibration);
    const plan = int8Plan(ranges, 'onnxruntime', { layerPrecision: { fc1: 'float', se_expand: 'fp16', stem_relu: 'float' } });
    const ie = createIntegerExecutor(graph, plan, { profile: 'onnxruntime' });
    const coverage = ie.integerCoverage();
    assert.deepEqual(coverage.map((c) => c.node), graph.nodes.map((n) => n.name));
    const byName = new Map(coverage.map((c) => [c.node, c]));
    assert.equal(byName.get('fc1')!.route, 'float');
    assert.equal(byName.get('se_expand')!.route, 'fp16');
    assert.equal(byName.get('stem_conv')!.route, 'float', 'a precision given for an alias (stem_relu) applies to the fused node');
    assert.equal(byName.get('dw')!.route, 'integer');
    assert.equal(byName.get('flatten')!.route, 'codes');
    assert.match(byName.get('sep')!.reason, /fused 'swish' is applied in float/);
    const fq = createFakeQuantExecutor(graph, plan);
    await withoutLeaks(() => {
      const [a] = fq.run(calibration[0]);
      const [b] = ie.run(calibration[0]);
      const fc1Range = ranges.get('logits')!;
      const d = codeDifference(codesOnGrid(a.dataSync() as Float32Array, fc1Range), codesOnGrid(b.dataSync() as Float32Array, fc1Range));
      assert.ok(d.max <= 1, `logits differ by ${d.max} codes`);
      tf.dispose([a, b]);
    });
    fq.dispose();
    ie.dispose();
    tf.dispose(calibration);
  });

  it('taps hand over float32 dequantized outputs, and runs leave no tensor behind', async () => {
    await useBackend('cpu');
    const graph = await kitchenSinkGraph();
    const calibration = imageBatches(2, 8, 30);
    const ranges = calibrate(graph, calibration);
    const ie = createIntegerExecutor(graph, int8Plan(ranges, 'tflite-double'));
    const before = tf.memory().numTensors;
    for (let k = 0; k < 3; k++) {
      const seen: string[] = [];
      const outs = ie.run(calibration[k % 2], {
        taps: 'all',
        onTap: (node, t) => {
          assert.equal(t.dtype, 'float32');
          const qp = qparamsFromRange(gridRangeOf(graph, node, ranges), int8Activations);
          for (const v of t.dataSync()) assert.ok(Math.abs(v / qp.scale - Math.round(v / qp.scale)) < 1e-3, `${node.name} is off its grid`);
          seen.push(node.name);
        },
      });
      assert.equal(seen.length, graph.nodes.length);
      assert.deepEqual(outs[0].shape, [8, 10]);
      tf.dispose(outs);
    }
    assert.equal(tf.memory().numTensors, before);
    ie.dispose();
    tf.dispose(calibration);
  });
});

/** conv 3x3 valid, input [1, 4, 4, 2] -> [1, 2, 2, 3], with a bias and the given activation. */
function oneConv(activation: 'linear' | 'relu'): Graph {
  const filter = uniforms(5, 3 * 3 * 2 * 3, -0.6, 0.6);
  return {
    name: 'one_conv', format: 'tfjs-layers', inputs: [{ name: 'x', shape: [null, 4, 4, 2] }], outputs: ['c'],
    nodes: [{ name: 'c', source: 'Conv2D', aliases: [], inputs: ['x'], op: {
      kind: 'conv2d', filter: { data: filter, shape: [3, 3, 2, 3] }, bias: { data: Float32Array.of(0.05, -0.3, 0.2), shape: [3] },
      strides: [1, 1], padding: 'valid', dilations: [1, 1], activation, folded: null,
    } }],
  };
}

function roundHalfAway(v: number): number { return v < 0 ? -Math.round(-v) : Math.round(v); }
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  return v - f > 0.5 || (v - f === 0.5 && f % 2 !== 0) ? f + 1 : f;
}

describe('createIntegerExecutor on one convolution, against codes computed by hand', () => {
  for (const [profile, granularity] of [['tflite-double', 'per-channel'], ['onnxruntime', 'per-channel'], ['tflite-double', 'per-tensor'], ['onnxruntime', 'per-tensor']] as const) {
    it(`'${profile}', ${granularity} weights: the output codes equal plain loops with a BigInt requantization, element for element`, async () => {
      await useBackend('cpu');
      const graph = oneConv('linear');
      const ranges = new Map<string, Range>([['x', { min: -1, max: 1.5 }], ['c', { min: -2, max: 3 }]]);
      const round = profile === 'onnxruntime' ? roundHalfEven : roundHalfAway;
      const xValues = uniforms(7, 32, -1.2, 1.7);
      // Input grid (asymmetric int8): scale = (hi - lo) / 255, zero point -128 - round(lo / scale).
      const f = Math.fround;
      const sx = f(f(1.5 - -1) / 255);
      const zx = -128 - roundHalfEven(f(-1 / sx));
      const sy = f(f(3 - -2) / 255);
      const zy = -128 - roundHalfEven(f(-2 / sy));
      const xq = Array.from(xValues, (v) => Math.min(127, Math.max(-128, round(f(v / sx)) + zx)));
      const op = graph.nodes[0].op as Extract<GraphNode['op'], { kind: 'conv2d' }>;
      const w = op.filter.data;
      const sw = [0, 1, 2].map((o) => {
        let amax = 0;
        for (let i = granularity === 'per-tensor' ? 0 : o; i < w.length; i += granularity === 'per-tensor' ? 1 : 3) amax = Math.max(amax, Math.abs(w[i]));
        return f(amax / 127);
      });
      const wq = Array.from(w, (v, i) => Math.max(-127, Math.min(127, round(f(v / sw[i % 3])))));
      const bq = [0, 1, 2].map((o) => { const sb = f(sx * sw[o]); return roundHalfAway(f(op.bias!.data[o] * f(1 / sb))); });
      const expected: number[] = [];
      for (let oy = 0; oy < 2; oy++) for (let ox = 0; ox < 2; ox++) for (let o = 0; o < 3; o++) {
        let acc = BigInt(bq[o]);
        for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) for (let c = 0; c < 2; c++) {
          acc += BigInt(xq[((oy + ky) * 4 + ox + kx) * 2 + c] - zx) * BigInt(wq[((ky * 3 + kx) * 2 + c) * 3 + o]);
        }
        if (profile === 'onnxruntime') {
          expected.push(mlasRef(Number(acc), f(f(sx * sw[o]) / sy), zy, -128, 127));
        } else {
          const { multiplier, shift } = quantizeMultiplierRef(sx * sw[o] / sy);
          expected.push(Math.max(-128, Math.min(127, mbqmDoubleRef(Number(acc), multiplier, shift) + zy)));
        }
      }
      const ie = createIntegerExecutor(graph, int8Plan(ranges, profile, { weightGranularity: granularity }), { profile });
      const layer = ie.integerLayer('c')!;
      assert.deepEqual(Array.from(layer.weights), wq);
      assert.deepEqual(Array.from(layer.bias as Int32Array), bq);
      const x = tf.tensor4d(xValues, [1, 4, 4, 2]);
      const [y] = ie.run(x);
      const got = Array.from(y.dataSync(), (v) => Math.round(v / sy) + zy);
      assert.deepEqual(got, expected);
      tf.dispose([x, y]);
      ie.dispose();
    });
  }
});

describe('createIntegerExecutor: fallbacks, lookup tables and bad plans', () => {
  const activationGraph = (): Graph => ({
    name: 'heads', format: 'tfjs-layers', inputs: [{ name: 'x', shape: [null, 6] }], outputs: ['soft', 'prod'],
    nodes: [
      { name: 'fc', source: 'Dense', aliases: [], inputs: ['x'], op: { kind: 'dense', kernel: { data: uniforms(3, 36, -1, 1), shape: [6, 6] }, bias: null, activation: 'linear', folded: null } },
      { name: 'sig', source: 'Activation', aliases: [], inputs: ['fc'], op: { kind: 'activation', fn: 'sigmoid' } },
      { name: 'th', source: 'Activation', aliases: [], inputs: ['fc'], op: { kind: 'activation', fn: 'tanh' } },
      { name: 'hs', source: 'Activation', aliases: [], inputs: ['fc'], op: { kind: 'activation', fn: 'hard_swish' } },
      { name: 'bn', source: 'BatchNormalization', aliases: [], inputs: ['hs'], op: { kind: 'batchNorm', gamma: { data: uniforms(4, 6, 0.5, 2), shape: [6] }, beta: { data: uniforms(5, 6, -0.5, 0.5), shape: [6] }, mean: { data: uniforms(6, 6, -0.2, 0.2), shape: [6] }, variance: { data: uniforms(7, 6, 0.5, 1.5), shape: [6] }, epsilon: 1e-3 } },
      { name: 'prod', source: 'Multiply', aliases: [], inputs: ['sig', 'th'], op: { kind: 'mul' } },
      { name: 'sum', source: 'Add', aliases: [], inputs: ['prod', 'bn'], op: { kind: 'add' } },
      { name: 'soft', source: 'Activation', aliases: [], inputs: ['sum'], op: { kind: 'activation', fn: 'softmax' } },
    ],
  });

  for (const profile of ['onnxruntime', 'tflite-double'] as const) {
    it(`'${profile}': LUT activations, per-channel batch-norm LUT, mul and softmax fallback stay within 1 code of fake quant`, async () => {
      await useBackend('cpu');
      const graph = activationGraph();
      const data = [tf.tensor2d(uniforms(11, 64 * 6, -2, 2), [64, 6])];
      const ranges = calibrate(graph, data);
      ranges.set('x', { min: -2, max: 2 });
      const plan = int8Plan(ranges, profile);
      const ie = createIntegerExecutor(graph, plan, { profile });
      const routes = Object.fromEntries(ie.integerCoverage().map((c) => [c.node, c.route]));
      assert.deepEqual(routes, { fc: 'integer', sig: 'lut', th: 'lut', hs: 'lut', bn: 'lut', prod: 'integer', sum: 'integer', soft: 'float-fallback' });
      const soft = ie.integerCoverage().find((c) => c.node === 'soft')!;
      assert.match(soft.reason, /no integer softmax kernel/);
      const diffs = compareExecutors(graph, plan, profile, data[0]);
      for (const d of diffs) {
        assert.ok(d.isolated.max <= 1, `${d.node}: isolated difference ${d.isolated.max}`);
        if (profile === 'onnxruntime' && d.op !== 'add' && d.op !== 'mul') assert.equal(d.isolated.max, 0, `${d.node} should equal fake quant exactly`);
      }
      ie.dispose();
      tf.dispose(data);
    });
  }

  it('a plan without the range of a tensor an int8 layer reads throws, naming the tensor', () => {
    const graph = oneConv('relu');
    assert.throws(() => createIntegerExecutor(graph, int8Plan(new Map([['c', { min: 0, max: 1 }]]), 'onnxruntime')),
      /createIntegerExecutor: no calibrated range for tensor 'x' of graph 'one_conv'/);
    assert.throws(() => createIntegerExecutor(graph, int8Plan(new Map([['x', { min: 0, max: 1 }]]), 'onnxruntime')),
      /no calibrated range for tensor 'c'/);
    assert.throws(() => createIntegerExecutor(graph, int8Plan(new Map(), 'onnxruntime'), { profile: 'tflite' as IntegerProfile }),
      /createIntegerExecutor: options.profile was 'tflite'; expected one of tflite-double, tflite-single, onnxruntime/);
    assert.throws(() => createIntegerExecutor(graph, int8Plan(new Map(), 'onnxruntime', { layerPrecision: { c9: 'float' } })),
      /graph 'one_conv' has no layer named 'c9'/);
  });

  it('a float-precision layer needs no range, and its int8 consumer quantizes its output on entry', async () => {
    await useBackend('cpu');
    const graph = activationGraph();
    const data = [tf.tensor2d(uniforms(12, 16 * 6, -2, 2), [16, 6])];
    const ranges = calibrate(graph, data);
    ranges.delete('fc');
    const plan = int8Plan(ranges, 'onnxruntime', { layerPrecision: { fc: 'float', sig: 'float', th: 'float', hs: 'float' } });
    const ie = createIntegerExecutor(graph, plan, { profile: 'onnxruntime' });
    const fq = createFakeQuantExecutor(graph, plan);
    await withoutLeaks(() => {
      const a = fq.run(data[0]);
      const b = ie.run(data[0]);
      a.forEach((t, k) => {
        const r = ranges.get(graph.outputs[k])!;
        assert.equal(codeDifference(codesOnGrid(t.dataSync() as Float32Array, r), codesOnGrid(b[k].dataSync() as Float32Array, r)).max, 0);
      });
      tf.dispose([...a, ...b]);
    });
    ie.dispose();
    fq.dispose();
    tf.dispose(data);
  });

  it('16x8 layers run through the int16 kernels and, fed the same inputs, stay within 1 int16 code of fake quant', async (t) => {
    await useBackend('cpu');
    const graph = await kitchenSinkGraph();
    const calibration = imageBatches(2, 8, 40);
    const ranges = calibrate(graph, calibration);
    const plan = int8Plan(ranges, 'tflite-double', { layerPrecision: { dw: 'int16', proj: 'int16', fc1: 'int16' } });
    const ie = createIntegerExecutor(graph, plan);
    const cov = new Map(ie.integerCoverage().map((c) => [c.node, c]));
    assert.equal(cov.get('dw')!.route, 'integer');
    assert.equal(cov.get('proj')!.route, 'integer');
    assert.equal(cov.get('fc1')!.route, 'integer+float');
    assert.ok(ie.integerLayer('dw')!.bias instanceof BigInt64Array, '16x8 layers carry an int64 bias');
    ie.dispose();
    const fq = createFakeQuantExecutor(graph, plan);
    const shapes = new Map<string, readonly number[]>();
    const fqTaps = new Map<string, Float32Array>();
    fq.run(calibration[0], { taps: 'all', onTap: (node, y) => { shapes.set(node.name, y.shape); fqTaps.set(node.name, Float32Array.from(y.dataSync())); } })
      .forEach((y) => y.dispose());
    fq.dispose();
    for (const name of ['dw', 'proj', 'fc1']) {
      const node = graph.nodes.find((n) => n.name === name)!;
      const sub = isolate(graph, node, shapes);
      const inputs = node.inputs.map((i) => tf.tensor(fqTaps.get(i)!, [...shapes.get(i)!]));
      const subPlan = { ...plan, layerPrecision: { [name]: 'int16' as const } };
      const a = createFakeQuantExecutor(sub, subPlan);
      const b = createIntegerExecutor(sub, subPlan);
      const [ya] = a.run(inputs);
      const [yb] = b.run(inputs);
      const scale = b.integerLayer(name)!.output.scale;
      const va = ya.dataSync();
      const vb = yb.dataSync();
      let max = 0;
      let count = 0;
      for (let i = 0; i < va.length; i++) {
        const d = Math.abs(Math.round(va[i] / scale) - Math.round(vb[i] / scale));
        max = Math.max(max, d);
        if (d > 0) count++;
      }
      t.diagnostic(`${name} (16x8) alone: ${(100 * count / va.length).toFixed(2)}% of int16 codes differ, at most by ${max}`);
      assert.ok(max <= 1, `${name}: ${max} int16 codes apart`);
      tf.dispose([ya, yb, ...inputs]);
      a.dispose();
      b.dispose();
    }
    tf.dispose(calibration);
  });
});
