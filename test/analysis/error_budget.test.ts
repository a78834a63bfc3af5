import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { errorBudget, type ErrorBudgetRow } from '../../src/analysis/error_budget';
import { histogramObserver } from '../../src/calibration/histogram_observer';
import { rangeMethods } from '../../src/calibration/methods';
import { createExecutor } from '../../src/graph/execute';
import type { ActivationFn, Graph, Op } from '../../src/graph/ir';
import { prepareLinearLayer, type IntegerProfile } from '../../src/quant/integer/linear_layer';
import { createIntegerExecutor } from '../../src/quant/integer_executor';
import type { QuantPlan } from '../../src/quant/plan';
import { qparamsFromRange } from '../../src/qparams';
import type { Range } from '../../src/range';
import { int16Activations, int8Activations } from '../../src/scheme';
import { errorBudgetText, errorBudgetView } from '../../src/views/error_budget_view';
import { parseView } from '../../src/views/parse';
import { ERROR_SOURCES } from '../../src/views/types';
import { calibrate, kitchenSinkGraph } from '../quant/support';
import { errorBudgetReference, type ReferenceBudget, type ReferenceOp } from '../reference/error_budget_reference';
import { useBackend, withoutLeaks } from '../support/backends';
import { normals, uniforms } from '../support/random';

type LinearKind = 'conv2d' | 'depthwiseConv2d' | 'dense';

/** A graph of one layer reading graph input 'x'. */
function oneLayer(kind: LinearKind, inputShape: (number | null)[], weights: Float32Array, wShape: number[], bias: Float32Array | null,
  activation: ActivationFn = 'linear'): Graph {
  const w = { data: weights, shape: wShape };
  const b = bias ? { data: bias, shape: [bias.length] } : null;
  const op: Op = kind === 'dense' ? { kind, kernel: w, bias: b, activation, folded: null }
    : { kind, filter: w, bias: b, strides: [1, 1], padding: 'same', dilations: [1, 1], activation, folded: null };
  return { name: `one_${kind}`, format: 'tfjs-layers', inputs: [{ name: 'x', shape: inputShape }], outputs: ['layer'],
    nodes: [{ name: 'layer', source: 'Test', aliases: ['layer_alias'], inputs: ['x'], op }] };
}

function plan(ranges: ReadonlyMap<string, Range>, extra: Partial<QuantPlan> = {}): QuantPlan {
  return { defaultPrecision: 'int8', weightGranularity: 'per-channel', activationRanges: ranges, ...extra };
}

/** The slow reference for the single layer of `graph` under `p`, on the float input x. */
function reference(graph: Graph, p: QuantPlan, x: tf.Tensor, options: { profile?: IntegerProfile; accumulatorBits?: number; precision?: 'int8' | 'int16' } = {}): ReferenceBudget {
  const node = graph.nodes[0];
  const op = node.op as Extract<Op, { kind: LinearKind }>;
  const precision = options.precision ?? 'int8';
  const scheme = precision === 'int8' ? int8Activations : int16Activations;
  const profile = options.profile ?? 'tflite-double';
  const layer = prepareLinearLayer(node, op, qparamsFromRange(p.activationRanges.get('x')!, scheme),
    qparamsFromRange(p.activationRanges.get('layer')!, scheme), { bits: precision === 'int8' ? 8 : 16, plan: p, profile });
  const w = op.kind === 'dense' ? op.kernel : op.filter;
  const refOp: ReferenceOp = {
    kind: op.kind, weights: w.data, bias: op.bias?.data ?? null, activation: op.activation as ReferenceOp['activation'],
    padding: op.kind === 'dense' ? undefined : op.padding as 'same',
  };
  return errorBudgetReference(refOp, layer, x.dataSync() as Float32Array, x.shape,
    { rounding: p.rounding ?? 'tflite', accumulatorBits: options.accumulatorBits ?? (precision === 'int8' ? 32 : 64), profile });
}

/** Every part, the splits and the total of a row agree with the reference's (as MSE) to float32-convolution accuracy. */
function assertMatches(row: ErrorBudgetRow, ref: ReferenceBudget): void {
  const n = ref.count;
  const floor = 1e-9 * ref.total / n;
  const close = (what: string, got: number, want: number) =>
    assert.ok(Math.abs(got - want) <= 1e-3 * Math.abs(want) + floor, `${what}: ${got} vs reference ${want}`);
  close('total', row.total, ref.total / n);
  for (const s of ERROR_SOURCES) close(s, row.parts[s], ref[s] / n);
  close('input clipping', row.input.clipping, ref.inputClipping / n);
  close('input rounding', row.input.rounding, ref.inputRounding / n);
  close('output clipping', row.output.clipping, ref.outputClipping / n);
  assert.equal(row.accumulator.overflows, ref.overflows);
  // The parts and the interaction add up to the total.
  const sum = ERROR_SOURCES.reduce((a, s) => a + row.parts[s], 0) + row.interaction;
  assert.ok(Math.abs(sum - row.total) <= 1e-12 * Math.max(row.total, 1e-30), `${sum} vs ${row.total}`);
}

function mse(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - y[i]) ** 2;
  return s / x.length;
}

describe('errorBudget', () => {
  it('weights dominate a layer whose one huge weight sets the per-tensor scale; per-channel weights fix it, measured', async () => {
    await useBackend('cpu');
    const filter = normals(1, 3 * 3 * 4 * 8, 0, 0.1);
    // One weight of output channel 0 sets the per-tensor step at 10 / 127, coarser than most weights.
    filter[0] = 10;
    const graph = oneLayer('conv2d', [null, 8, 8, 4], filter, [3, 3, 4, 8], normals(2, 8, 0, 0.1));
    const x = tf.tensor4d(normals(3, 4 * 8 * 8 * 4), [4, 8, 8, 4]);
    const p = plan(calibrate(graph, [x]), { weightGranularity: 'per-tensor' });
    const report = await withoutLeaks(() => errorBudget(graph, p, [x]));
    const row = report.rows[0];
    assertMatches(row, reference(graph, p, x));
    assert.equal(row.dominant, 'weights');
    assert.ok(row.shares.weights > 0.5, `weights share ${row.shares.weights}`);
    const [change] = row.recommendation.changes;
    assert.deepEqual(change.change, { kind: 'weight-granularity', granularity: 'per-channel' });
    assert.equal(change.before, row.total);
    // The measured effect is the budget's own total under the changed plan.
    const after = errorBudget(graph, { ...p, weightGranularity: 'per-channel' }, [x], { measure: false }).rows[0].total;
    assert.equal(change.after, after);
    assert.ok(after < row.total / 2, `${row.total} -> ${after}`);
    x.dispose();
  });

  describe('an input with a far outlier', () => {
    const setup = () => {
      const values = normals(4, 4 * 8 * 8 * 4);
      values[17] = 1000;
      const graph = oneLayer('conv2d', [null, 8, 8, 4], normals(5, 3 * 3 * 4 * 4, 0, 0.3), [3, 3, 4, 4], null);
      const x = tf.tensor4d(values, [4, 8, 8, 4]);
      return { graph, x, ranges: calibrate(graph, [x]) };
    };

    it('under min/max: the coarse step makes input rounding dominate; int16 and a percentile range are measured', async () => {
      await useBackend('cpu');
      const { graph, x, ranges } = setup();
      const p = plan(ranges);
      const row = errorBudget(graph, p, [x]).rows[0];
      assertMatches(row, reference(graph, p, x));
      assert.equal(row.dominant, 'input');
      assert.equal(row.recommendation.cause, 'input rounding');
      assert.equal(row.input.clipping, 0);
      assert.equal(row.input.clippedFraction, 0);
      // The MSE range keeps a lone outlier (clipping it costs its whole square); the 99.9th percentile drops it, and
      // the measurement shows that clipping 1000 to about 3 costs far more than the rounding it saves.
      const [narrower, int16] = row.recommendation.changes;
      assert.ok(narrower.change.kind === 'activation-range' && narrower.change.tensor === 'x' && narrower.change.method === 'percentile');
      assert.ok(narrower.change.range.max < 4, JSON.stringify(narrower.change.range));
      assert.ok(narrower.after! > row.total, `${row.total} -> ${narrower.after}`);
      assert.deepEqual(int16.change, { kind: 'layer-precision', layer: 'layer', precision: 'int16' });
      // int16 leaves the weights' error (8-bit weights) and little else.
      assert.ok(int16.after! < 1.1 * row.parts.weights, `${row.total} -> ${int16.after}`);
      x.dispose();
    });

    it('under a tight percentile: clipping dominates; widening to the observed min/max is measured', async () => {
      await useBackend('cpu');
      const { graph, x, ranges } = setup();
      const observer = histogramObserver({ method: rangeMethods.percentile(99) });
      const tight = observer.range(observer.collect(observer.empty(), x));
      const p = plan(new Map([...ranges, ['x', tight]]));
      const row = errorBudget(graph, p, [x]).rows[0];
      assertMatches(row, reference(graph, p, x));
      assert.equal(row.dominant, 'input');
      assert.equal(row.recommendation.cause, 'input clipping');
      assert.ok(row.input.clipping > 10 * row.input.rounding, JSON.stringify(row.input));
      assert.ok(row.input.clippedFraction > 0.005 && row.input.clippedFraction < 0.03, `${row.input.clippedFraction}`);
      const [widen] = row.recommendation.changes;
      assert.ok(widen.change.kind === 'activation-range' && widen.change.range.max === 1000 && widen.change.method === 'min/max');
      assert.ok(widen.after! < row.total, `${row.total} -> ${widen.after}`);
      x.dispose();
    });
  });

  it('a tight output range makes output clipping dominate (split exactly); widening it to the observed min/max is measured', async () => {
    await useBackend('cpu');
    const graph = oneLayer('conv2d', [null, 8, 8, 4], normals(14, 3 * 3 * 4 * 4, 0, 0.3), [3, 3, 4, 4], null, 'relu');
    const x = tf.tensor4d(normals(15, 4 * 8 * 8 * 4), [4, 8, 8, 4]);
    const ranges = calibrate(graph, [x]);
    const p = plan(new Map([...ranges, ['layer', { min: 0, max: ranges.get('layer')!.max / 3 }]]));
    const row = errorBudget(graph, p, [x]).rows[0];
    assertMatches(row, reference(graph, p, x));
    assert.equal(row.recommendation.cause, 'output clipping');
    assert.ok(row.output.clippedFraction > 0 && row.output.clipping > 10 * row.output.rounding, JSON.stringify(row.output));
    assert.ok(Math.abs(row.output.clipping + row.output.rounding - row.parts.output) <= 1e-12 * row.parts.output);
    const [widen] = row.recommendation.changes;
    assert.ok(widen.change.kind === 'activation-range' && widen.change.tensor === 'layer' && widen.change.range.max === ranges.get('layer')!.max);
    assert.ok(widen.after! < row.total / 10, `${row.total} -> ${widen.after}`);
    x.dispose();
  });

  it('a 512-term dot product overflows an int16 accumulator (wrapping, counted as the BigInt reference does) and not an int32 one', async () => {
    await useBackend('cpu');
    const graph = oneLayer('dense', [null, 512], uniforms(6, 512 * 4, 0, 0.1), [512, 4], Float32Array.of(0.5, -0.5, 0, 1), 'relu');
    const x = tf.tensor2d(uniforms(7, 8 * 512, 0, 1), [8, 512]);
    const p = plan(calibrate(graph, [x]));
    const narrow = errorBudget(graph, p, [x], { accumulatorBits: 16 }).rows[0];
    assertMatches(narrow, reference(graph, p, x, { accumulatorBits: 16 }));
    assert.ok(narrow.accumulator.overflows > 0);
    assert.equal(narrow.accumulator.bits, 16);
    assert.equal(narrow.accumulator.productBits, 16);
    assert.equal(narrow.dominant, 'accumulator');
    assert.ok(narrow.accumulator.neededBits > 16 && narrow.accumulator.neededBits <= 32);
    assert.match(narrow.recommendation.text, new RegExp(`needs ${narrow.accumulator.neededBits} bits`));
    const wide = errorBudget(graph, p, [x]).rows[0];
    assertMatches(wide, reference(graph, p, x));
    assert.equal(wide.accumulator.overflows, 0);
    assert.equal(wide.accumulator.bits, 32);
    assert.equal(wide.parts.accumulator, 0);
    x.dispose();
  });

  it('an int8 sum longer than int32 holds (70,000 terms) is counted from exact sums and wraps at 32 bits', async () => {
    await useBackend('cpu');
    const graph = oneLayer('dense', [null, 70000], new Float32Array(70000).fill(0.01), [70000, 1], null);
    const x = tf.tensor2d(new Float32Array(70000).fill(1), [1, 70000]);
    const ranges = new Map<string, Range>([['x', { min: 0, max: 1 }], ['layer', { min: 0, max: 700 }]]);
    const row = errorBudget(graph, plan(ranges), [x], { measure: false }).rows[0];
    const ref = reference(graph, plan(ranges), x);
    assert.equal(ref.overflows, 1);
    assertMatches(row, ref);
    x.dispose();
  });

  it("is exactly 0 for every part when every source is exact (on-grid weights, inputs, bias, a power-of-two multiplier)", async () => {
    await useBackend('cpu');
    const s = (k: number, e: number) => k * 2 ** e;
    // Input grid step 2^-4 (range [-8, 7.9375], zero point 0), weight step 2^-6, output step 2^-10 = s_in · s_w.
    const kernel = Float32Array.of(s(127, -6), 0, 0, 0, 0, 0, 0, s(-127, -6));
    const graph = oneLayer('dense', [null, 4], kernel, [4, 2], Float32Array.of(0, s(-1, -10)));
    const x = tf.tensor2d(Float32Array.from(uniforms(8, 64 * 4), (u) => s(Math.floor(u * 3) - 1, -4)), [64, 4]);
    const ranges = new Map<string, Range>([['x', { min: -8, max: 7.9375 }], ['layer', { min: s(-128, -10), max: s(127, -10) }]]);
    const row = errorBudget(graph, plan(ranges), [x]).rows[0];
    for (const src of ERROR_SOURCES) assert.equal(row.parts[src], 0, src);
    assert.equal(row.total, 0);
    assert.equal(row.interaction, 0);
    assert.equal(row.dominant, null);
    assert.deepEqual(row.recommendation.changes, []);
    x.dispose();
  });

  for (const [profile, precision] of [['tflite-double', 'int8'], ['onnxruntime', 'int8'], ['tflite-double', 'int16']] as const) {
    it(`${precision} (${profile}): the total is the integer executor's error, and every part matches the reference`, async () => {
      await useBackend('wasm');
      const graph = oneLayer('depthwiseConv2d', [null, 10, 10, 6], normals(9, 3 * 3 * 6 * 2, 0, 0.4), [3, 3, 6, 2], normals(10, 12, 0, 0.2), 'relu6');
      const x = tf.tensor4d(normals(11, 3 * 10 * 10 * 6), [3, 10, 10, 6]);
      const p = plan(calibrate(graph, [x]), { defaultPrecision: precision, rounding: profile === 'onnxruntime' ? 'onnx' : 'tflite' });
      const row = errorBudget(graph, p, [x], { profile, measure: false }).rows[0];
      assertMatches(row, reference(graph, p, x, { profile, precision }));
      const float = createExecutor(graph);
      const integer = createIntegerExecutor(graph, p, { profile });
      const [yf] = float.run(x);
      const [yi] = integer.run(x);
      const executorError = mse(yi, yf);
      assert.ok(Math.abs(row.total - executorError) <= 1e-4 * executorError, `${row.total} vs ${executorError}`);
      tf.dispose([x, yf, yi]);
      float.dispose();
      integer.dispose();
    });
  }

  it('covers every integer conv, depthwise and dense of a graph with non-clamp activations, streaming batches twice without leaks', async () => {
    await useBackend('wasm');
    const graph = await kitchenSinkGraph();
    const batches = [1, 2].map((k) => tf.tensor4d(uniforms(20 + k, 3 * 16 * 16 * 3, -1, 1), [3, 16, 16, 3]));
    const linear = graph.nodes.filter((n) => n.op.kind === 'conv2d' || n.op.kind === 'depthwiseConv2d' || n.op.kind === 'dense');
    const p = plan(calibrate(graph, batches), { layerPrecision: { [linear[0].name]: 'float' } });
    const progress: string[] = [];
    // A generator can be read only once: the budget keeps the batches for its second pass.
    function* stream() { yield* batches; }
    const report = await withoutLeaks(() => errorBudget(graph, p, stream(), { onBatch: (b) => progress.push(`${b.pass} ${b.batches} ${b.samples}`) }));
    assert.deepEqual(progress, ['budget 1 3', 'budget 2 6', 'recommendations 1 3', 'recommendations 2 6']);
    assert.equal(report.samples, 6);
    assert.deepEqual(report.rows.map((r) => r.node), linear.slice(1).map((n) => n.name));
    for (const row of report.rows) {
      for (const s of ERROR_SOURCES) assert.ok(row.parts[s] >= 0 && Number.isFinite(row.parts[s]), `${row.layer} ${s}`);
      const sum = ERROR_SOURCES.reduce((a, s) => a + row.parts[s], 0) + row.interaction;
      assert.ok(Math.abs(sum - row.total) <= 1e-12 * row.total, row.layer);
      assert.ok(row.total > 0, row.layer);
      for (const c of row.recommendation.changes) assert.ok(c.after !== null && c.after >= 0, `${row.layer}: ${c.description}`);
    }
    tf.dispose(batches);
  });

  it('the view carries every row as finite JSON, and the text names each layer with its shares and recommendation', async () => {
    await useBackend('cpu');
    const graph = oneLayer('conv2d', [null, 6, 6, 2], normals(12, 3 * 3 * 2 * 3, 0, 0.3), [3, 3, 2, 3], null, 'relu');
    const x = tf.tensor4d(normals(13, 2 * 6 * 6 * 2), [2, 6, 6, 2]);
    const report = errorBudget(graph, plan(calibrate(graph, [x])), [x], { layers: ['layer_alias'] });
    const shown = errorBudgetView(report);
    const view = shown.view;
    assert.equal(view.kind, 'error-budget');
    assert.deepEqual(parseView(JSON.stringify(view)), { ok: true, view });
    assert.equal(view.rows[0].layer, 'layer_alias');
    assert.equal(view.rows[0].total, report.rows[0].total);
    assert.deepEqual(JSON.parse(JSON.stringify(view)), view);
    const text = errorBudgetText(report);
    assert.match(text, /layer_alias\s+conv2d\s+int8/);
    assert.match(text, /Recommendations:\n {2}layer_alias: /);
    const share = (100 * report.rows[0].parts.output / report.rows[0].total).toFixed(1);
    assert.ok(text.includes(`${share}%`), text);
    x.dispose();
  });

  it('rejects bad input with errors that name the layer, the argument or the batch', async () => {
    await useBackend('cpu');
    const graph = await kitchenSinkGraph();
    const x = tf.tensor4d(uniforms(30, 2 * 16 * 16 * 3, -1, 1), [2, 16, 16, 3]);
    const p = plan(calibrate(graph, [x]));
    const conv = graph.nodes.find((n) => n.op.kind === 'conv2d')!.name;
    assert.throws(() => errorBudget(graph, p, [x], { layers: [`${conv}x`] }), new RegExp(`no layer named '${conv}x'; did you mean '${conv}'\\?`));
    assert.throws(() => errorBudget(graph, p, [x], { layers: ['max_pool'] }), /layer 'max_pool' .* is a maxPool \(MaxPooling2D\); the error budget covers conv2d/);
    assert.throws(() => errorBudget(graph, { ...p, layerPrecision: { [conv]: 'float' } }, [x], { layers: [conv] }), new RegExp(`'${conv}' .* runs in float`));
    assert.throws(() => errorBudget(graph, p, [x], { accumulatorBits: 12 }), /argument 'options.accumulatorBits' was 12; expected an integer from 16 \(the width of one int8 product/);
    assert.throws(() => errorBudget(graph, p, [x], { accumulatorBits: 40 }), /'options.accumulatorBits' was 40; expected an integer from 16 .* to 32/);
    assert.throws(() => errorBudget(graph, { ...p, defaultPrecision: 'int16' }, [x], { accumulatorBits: 20 }), /from 23 \(the width of one 16x8 product/);
    const wrong = tf.tensor4d(new Float32Array(2 * 8 * 8 * 3), [2, 8, 8, 3]);
    assert.throws(() => errorBudget(graph, p, [wrong]), /errorBudget: calibration batch 0 does not fit graph 'kitchen_sink': input 'image' .* has shape \[2, 8, 8, 3\]/);
    assert.throws(() => errorBudget(graph, p, [x, 5 as unknown as tf.Tensor]), /argument 'batches\[1\]' was 5; expected a tf.Tensor/);
    assert.throws(() => errorBudget(graph, p, []), /no calibration batches/);
    assert.throws(() => errorBudget(graph, { ...p, weightSymmetric: false }, [x]), /'plan.weightSymmetric' was false/);
    assert.throws(() => errorBudget(graph, p, [x], { profile: 'tflite' as IntegerProfile }), /'options.profile' was "tflite"/);
    tf.dispose([x, wrong]);
  });
});
