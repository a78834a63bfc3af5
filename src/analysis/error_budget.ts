import * as tf from '@tensorflow/tfjs-core';
import { addToHistogram, emptyHistogram, type StreamingHistogram } from '../calibration/histogram';
import { check, QuantscopeArgumentError } from '../errors';
import { checkInputs, createExecutor } from '../graph/execute';
import { findNode, type Graph, type GraphNode } from '../graph/ir';
import { nearestName } from '../graph/nearest_name';
import type { IntegerProfile } from '../quant/integer/linear_layer';
import type { QuantPlan } from '../quant/plan';
import { activationParamsLookup, precisionLookup, rangeTensorLookup } from '../quant/plan_params';
import { ERROR_SOURCES, type ErrorSource } from '../views/types';
import { maxAccumulatorBits, productBits, signedBits } from './budget/accumulator';
import { floatLayer, floatReference, type FloatLayer, type LinearOp } from './budget/float_layer';
import { addBatchBudget, addBatchTotal, emptyBudgetSums, type BudgetSums } from './budget/layer_budget';
import { quantLayer, type QuantLayer } from './budget/quant_layer';
import { scratch, type Scratch } from './budget/scratch';
import { applyPlanChange, recommend, type Recommendation } from './budget/recommend';

export { applyPlanChange, type MeasuredChange, type PlanChange, type Recommendation } from './budget/recommend';

/** Options of {@link errorBudget}. */
export interface ErrorBudgetOptions {
  /**
   * Accumulator width in bits, for every measured layer: from the width of one product (16 for int8, 23 for 16x8)
   * up to 32 for int8 layers (their requantization takes int32) and 64 for 16x8 layers. Default 32 (int8), 64 (16x8).
   */
  readonly accumulatorBits?: number;
  /** The layers to measure, by name or alias; default every conv2d, depthwiseConv2d and dense at int8 or int16. */
  readonly layers?: readonly string[];
  /** Whose requantization to reproduce; default 'tflite-double', as the integer executor. */
  readonly profile?: IntegerProfile;
  /** Measure each recommended plan change with a second pass over the batches; default true. */
  readonly measure?: boolean;
  readonly onBatch?: (progress: ErrorBudgetProgress) => void;
}

export interface ErrorBudgetProgress {
  readonly pass: 'budget' | 'recommendations';
  readonly batches: number;
  readonly samples: number;
}

/** Values outside the range (clipped) against values inside it (rounded), each measured alone, as MSE. */
export interface ErrorSplit {
  readonly clipping: number;
  readonly rounding: number;
  /** The fraction of the values that were clipped. */
  readonly clippedFraction: number;
}

export interface AccumulatorUse {
  readonly bits: number;
  /** The width of one product: the narrowest accumulator that holds a single term. */
  readonly productBits: number;
  /** Output sums (bias included) outside the accumulator: each wrapped around and came out wrong. */
  readonly overflows: number;
  readonly outputs: number;
  /** The width the largest exact sum seen needs. */
  readonly neededBits: number;
}

/** One layer's error budget, MSE in the output's units. */
export interface ErrorBudgetRow {
  /** The layer as the caller named it (a name or an alias), and the graph node it is. */
  readonly layer: string;
  readonly node: string;
  readonly op: LinearOp['kind'];
  readonly precision: 'int8' | 'int16';
  /** The fixed-point layer (every source quantized) against the float layer. */
  readonly total: number;
  /** Each source quantized alone, the rest exact. */
  readonly parts: Readonly<Record<ErrorSource, number>>;
  /** parts / total (0 when the total is 0). */
  readonly shares: Readonly<Record<ErrorSource, number>>;
  /** total − Σ parts: what the sources do together beyond their sum (negative when they partly cancel). */
  readonly interaction: number;
  /** The input part split (the two need not add up to it exactly: their errors add inside the convolution). */
  readonly input: ErrorSplit;
  /** The output part split (these add up to it: each value is either clipped or rounded). */
  readonly output: ErrorSplit;
  readonly accumulator: AccumulatorUse;
  /** The largest part (null when every part is 0). */
  readonly dominant: ErrorSource | null;
  readonly recommendation: Recommendation;
}

export interface ErrorBudgetReport {
  readonly model: string;
  readonly samples: number;
  readonly profile: IntegerProfile;
  readonly rows: readonly ErrorBudgetRow[];
}

const PROFILES: readonly IntegerProfile[] = ['tflite-double', 'tflite-single', 'onnxruntime'];
const LINEAR_OPS = new Set(['conv2d', 'depthwiseConv2d', 'dense']);

interface Measured {
  readonly name: string;
  readonly float: FloatLayer;
  readonly quant: QuantLayer;
  readonly inputTensor: string;
  readonly sums: BudgetSums;
  inputSeen: StreamingHistogram;
  outputSeen: StreamingHistogram;
}

/**
 * The error budget of fixed-point layers (issue #8): for each conv2d, depthwiseConv2d and dense layer at int8 or
 * int16 under `plan`, on calibration batches whose float inputs come from the float model (so each layer is measured
 * alone), the MSE of its output split by source: weights, input activation, bias, accumulator width, requantization
 * and output rounding, each quantized alone with the rest exact (see src/analysis/budget/layer_budget.ts for the
 * arithmetic), with interaction = total − Σ parts. Accumulators wrap around like two's-complement registers (see
 * budget/accumulator.ts). Each row carries a recommendation from its dominant source; with `measure` (the default) the
 * plan changes it suggests are applied and the layer's total measured again in a second pass over `batches` (an array
 * is iterated twice; a one-shot iterable is read into an array first). Throws, naming it, on an unknown layer (with the
 * nearest name), a layer that is not conv/depthwise/dense or not integer under the plan, batches that do not fit the
 * model, an accumulator narrower than one product, asymmetric or wider-than-8-bit weights, or no batches.
 */
export function errorBudget(graph: Graph, plan: QuantPlan, batches: Iterable<tf.Tensor>, options: ErrorBudgetOptions = {}): ErrorBudgetReport {
  const fn = 'errorBudget';
  check(typeof options === 'object' && options !== null, fn, 'options', options, 'an object or undefined');
  const profile = options.profile ?? 'tflite-double';
  check(PROFILES.includes(profile), fn, 'options.profile', profile, PROFILES.map((p) => `'${p}'`).join(', '));
  check(options.measure === undefined || typeof options.measure === 'boolean', fn, 'options.measure', options.measure, 'a boolean or undefined');
  check(options.onBatch === undefined || typeof options.onBatch === 'function', fn, 'options.onBatch', options.onBatch, 'a function or undefined');
  check(plan.weightSymmetric !== false, fn, 'plan.weightSymmetric', plan.weightSymmetric, 'true or undefined: fixed-point kernels take symmetric weights');
  check((plan.weightBits ?? 8) <= 8, fn, 'plan.weightBits', plan.weightBits, 'at most 8: the kernels take int8 weights');
  const precisionOf = precisionLookup(graph, plan, fn);
  const nodes = selectLayers(fn, graph, options.layers, precisionOf);
  const bitsOf = (node: GraphNode, precision: 'int8' | 'int16') => accumulatorBits(fn, options.accumulatorBits, node, precision, plan.weightBits ?? 8);
  for (const { node, precision } of nodes) bitsOf(node, precision);
  const list = replayable(batches);
  const grid = activationParamsLookup(graph, plan, fn);
  const rangeTensor = rangeTensorLookup(graph);
  const floats = new Map<string, FloatLayer>();
  const quants: QuantLayer[] = [];
  const work = scratch();
  try {
    const measured: Measured[] = nodes.map(({ name, node, precision }) => {
      const float = floats.get(node.name) ?? floatLayer(node);
      floats.set(node.name, float);
      const quant = quantLayer(float, plan, precision, { input: grid(node.inputs[0], precision), output: grid(node.name, precision) },
        { profile, accumulatorBits: bitsOf(node, precision) });
      quants.push(quant);
      return { name, float, quant, inputTensor: rangeTensor(node.inputs[0]), sums: emptyBudgetSums(), inputSeen: emptyHistogram(), outputSeen: emptyHistogram() };
    });
    const samples = streamLayers(fn, graph, list, [...floats.keys()], 'budget', options.onBatch, (node, x) => {
      const ref = floatReference(floats.get(node)!, x, work);
      const xs = x.dataSync() as Float32Array;
      const y = work.f32('histogram', ref.y.length);
      y.set(ref.y);
      for (const m of measured.filter((e) => e.float.node.name === node)) {
        addBatchBudget(m.quant, x, xs, ref, m.sums, work);
        m.inputSeen = addToHistogram(m.inputSeen, xs);
        m.outputSeen = addToHistogram(m.outputSeen, y);
      }
    });
    const rows = measured.map((m) => budgetRow(m, plan, profile, options.accumulatorBits));
    if (options.measure === false) return { model: graph.name, samples, profile, rows };
    return { model: graph.name, samples, profile, rows: measureChanges(fn, graph, list, plan, profile, rows, measured, options, quants, work) };
  } finally {
    for (const f of floats.values()) f.weight.dispose();
    for (const q of quants) q.weightError.dispose();
  }
}

function budgetRow(m: Measured, plan: QuantPlan, profile: IntegerProfile, requestedBits: number | undefined): ErrorBudgetRow {
  const { sums, quant } = m;
  const n = Math.max(1, sums.elements);
  const mse = (s: number) => s / n;
  const parts = Object.fromEntries(ERROR_SOURCES.map((s) => [s, mse(sums.parts[s])])) as Record<ErrorSource, number>;
  const total = mse(sums.total);
  const interaction = total - ERROR_SOURCES.reduce((a, s) => a + parts[s], 0);
  const largest = ERROR_SOURCES.reduce((a, s) => (parts[s] > parts[a] ? s : a), ERROR_SOURCES[0]);
  const dominant = parts[largest] > 0 ? largest : null;
  const precision = quant.precision;
  const weightBits = plan.weightBits ?? 8;
  const rangeOf = (tensor: string) => plan.activationRanges.get(tensor)!;
  const advice = recommend({
    float: m.float, precision, plan, profile, sums, parts, dominant, interaction, accumulatorBits: quant.accumulatorBits,
    int16Allowed: precision === 'int8' && (requestedBits ?? 64) >= productBits('int16', weightBits),
    input: { tensor: m.inputTensor, grid: quant.layer.input, range: rangeOf(m.inputTensor), seen: m.inputSeen },
    output: { grid: quant.layer.output, range: rangeOf(m.float.node.name), seen: m.outputSeen },
  });
  return {
    layer: m.name, node: m.float.node.name, op: m.float.op.kind, precision, total, parts,
    shares: Object.fromEntries(ERROR_SOURCES.map((s) => [s, total > 0 ? parts[s] / total : 0])) as Record<ErrorSource, number>,
    interaction,
    input: { clipping: sums.inputClipping / n, rounding: sums.inputRounding / n, clippedFraction: sums.inputClipped / Math.max(1, sums.inputElements) },
    output: { clipping: sums.outputClipping / n, rounding: sums.outputRounding / n, clippedFraction: sums.outputClipped / n },
    accumulator: {
      bits: quant.accumulatorBits, productBits: productBits(precision, weightBits), overflows: sums.overflows, outputs: sums.elements,
      neededBits: sums.elements > 0 ? signedBits(sums.accumulatorMin, sums.accumulatorMax) : 0,
    },
    dominant,
    recommendation: { ...advice, changes: advice.changes.map((c) => ({ ...c, before: total, after: null })) },
  };
}

/** The second pass: each suggested plan change applied, and the layer's total measured under it. */
function measureChanges(fn: string, graph: Graph, batches: readonly tf.Tensor[], plan: QuantPlan, profile: IntegerProfile,
  rows: ErrorBudgetRow[], measured: Measured[], options: ErrorBudgetOptions, quants: QuantLayer[], work: Scratch): ErrorBudgetRow[] {
  const trials: { row: number; change: number; quant: QuantLayer; sums: BudgetSums }[] = [];
  rows.forEach((row, r) => row.recommendation.changes.forEach((c, k) => {
    const changed = applyPlanChange(plan, c.change);
    const precision = precisionLookup(graph, changed, fn)(measured[r].float.node) as 'int8' | 'int16';
    const grid = activationParamsLookup(graph, changed, fn);
    const node = measured[r].float.node;
    const quant = quantLayer(measured[r].float, changed, precision, { input: grid(node.inputs[0], precision), output: grid(node.name, precision) },
      { profile, accumulatorBits: options.accumulatorBits ?? maxAccumulatorBits(precision) });
    quants.push(quant);
    trials.push({ row: r, change: k, quant, sums: emptyBudgetSums() });
  }));
  if (trials.length === 0) return rows;
  const layers = [...new Set(trials.map((t) => t.quant.float.node.name))];
  streamLayers(fn, graph, batches, layers, 'recommendations', options.onBatch, (node, x) => {
    const mine = trials.filter((t) => t.quant.float.node.name === node);
    const ref = floatReference(mine[0].quant.float, x, work);
    const xs = x.dataSync() as Float32Array;
    for (const t of mine) addBatchTotal(t.quant, xs, x.shape, ref, t.sums);
  });
  return rows.map((row, r) => ({
    ...row,
    recommendation: {
      ...row.recommendation,
      changes: row.recommendation.changes.map((c, k) => {
        const t = trials.find((e) => e.row === r && e.change === k)!;
        return { ...c, after: t.sums.total / Math.max(1, t.sums.elements) };
      }),
    },
  }));
}

/** Runs the float model over the batches, handing each listed layer's float input to `visit`; returns the samples. */
function streamLayers(fn: string, graph: Graph, batches: readonly tf.Tensor[], layers: string[], pass: ErrorBudgetProgress['pass'],
  onBatch: ErrorBudgetOptions['onBatch'], visit: (node: string, x: tf.Tensor) => void): number {
  const float = createExecutor(graph);
  let samples = 0;
  try {
    batches.forEach((x, k) => {
      if (!(x instanceof tf.Tensor)) throw new QuantscopeArgumentError(fn, `batches[${k}]`, x, 'a tf.Tensor of float32 inputs');
      try {
        checkInputs(graph, [x]);
      } catch (e) {
        throw new Error(`${fn}: calibration batch ${k} does not fit graph '${graph.name}': ${(e as Error).message.replace(/^run: /, '')}`);
      }
      tf.dispose(float.run(x, { taps: layers, onTap: (node, _y, inputs) => visit(node.name, inputs![0]) }));
      samples += x.shape[0] ?? 1;
      onBatch?.({ pass, batches: k + 1, samples });
    });
  } finally {
    float.dispose();
  }
  if (samples === 0) throw new Error(`${fn}: no calibration batches were given for graph '${graph.name}'`);
  return samples;
}

/** The layers to measure: the named ones (checked), or every integer conv2d, depthwiseConv2d and dense. */
function selectLayers(fn: string, graph: Graph, names: readonly string[] | undefined,
  precisionOf: (node: GraphNode) => string): { name: string; node: GraphNode; precision: 'int8' | 'int16' }[] {
  const integer = (node: GraphNode) => precisionOf(node) === 'int8' || precisionOf(node) === 'int16';
  if (names === undefined) {
    const all = graph.nodes.filter((n) => LINEAR_OPS.has(n.op.kind) && integer(n));
    if (all.length === 0) throw new Error(`${fn}: graph '${graph.name}' has no conv2d, depthwiseConv2d or dense layer at int8 or int16 under this plan`);
    return all.map((node) => ({ name: node.name, node, precision: precisionOf(node) as 'int8' | 'int16' }));
  }
  check(Array.isArray(names) && names.length > 0 && names.every((n) => typeof n === 'string'), fn, 'options.layers', names,
    'a non-empty array of layer names');
  return [...new Set(names)].map((name) => {
    const node = findNode(graph, name);
    if (!node) {
      const nearest = nearestName(name, graph.nodes.filter((n) => LINEAR_OPS.has(n.op.kind)).flatMap((n) => [n.name, ...n.aliases]));
      throw new Error(`${fn}: graph '${graph.name}' has no layer named '${name}'${nearest === null ? '' : `; did you mean '${nearest}'?`}`);
    }
    if (!LINEAR_OPS.has(node.op.kind)) {
      throw new Error(`${fn}: layer '${name}' of graph '${graph.name}' is a ${node.op.kind} (${node.source}); the error budget covers conv2d, depthwiseConv2d and dense layers`);
    }
    if (!integer(node)) throw new Error(`${fn}: layer '${name}' of graph '${graph.name}' runs in ${precisionOf(node)} under this plan; the error budget covers int8 and int16 layers`);
    return { name, node, precision: precisionOf(node) as 'int8' | 'int16' };
  });
}

function accumulatorBits(fn: string, requested: number | undefined, node: GraphNode, precision: 'int8' | 'int16', weightBits: number): number {
  const min = productBits(precision, weightBits);
  const max = maxAccumulatorBits(precision);
  const bits = requested ?? max;
  check(Number.isInteger(bits) && bits >= min && bits <= max, fn, 'options.accumulatorBits', requested,
    `an integer from ${min} (the width of one ${precision === 'int8' ? 'int8' : '16x8'} product, so one term fits) to ${max} for layer '${node.name}' (${precision})`);
  return bits;
}

/** The batches as an array, so a second pass can read them again (a generator can be iterated only once). */
function replayable(batches: Iterable<tf.Tensor>): readonly tf.Tensor[] {
  check(batches !== null && typeof batches === 'object' && typeof (batches as Iterable<tf.Tensor>)[Symbol.iterator] === 'function',
    'errorBudget', 'batches', batches, 'an iterable of tf.Tensor batches');
  return Array.isArray(batches) ? batches : Array.from(batches);
}
