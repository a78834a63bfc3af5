import * as tf from '@tensorflow/tfjs-core';
import type { Executor, RunOptions } from '../graph/execute';
import { checkInputs, tapSet, weightsOf } from '../graph/execute';
import type { Graph, GraphNode } from '../graph/ir';
import { applyOp, type NodeWeights } from '../graph/ops';
import { fp16RoundTrip, fp16RoundTripArray } from '../fp16';
import type { TensorQParams } from '../qparams';
import type { LayerPrecision, QuantPlan } from './plan';
import { quantizeValues, regrid, type Codes } from './integer/codes';
import { prepareLinearLayer, type IntegerLinearLayer, type IntegerProfile } from './integer/linear_layer';
import {
  codesTensor, runFloatFallback, runInteger, runIntegerFloatEpilogue, runLookup, type IntegerStep,
} from './integer/node_steps';
import { integerRoute, type CoverageEntry, type IntegerRoute } from './integer/route';
import { activationParamsLookup, precisionLookup, RANGE_PRESERVING } from './plan_params';

export type { CoverageEntry, IntegerRoute } from './integer/route';
export type { IntegerLinearLayer, IntegerProfile } from './integer/linear_layer';

/** Options of {@link createIntegerExecutor}. */
export interface IntegerExecutorOptions {
  /** Whose integer arithmetic to reproduce; default 'tflite-double' (TFLite's default build). */
  readonly profile?: IntegerProfile;
}

/** An executor over int8 codes, with a report of how each node ran. */
export interface IntegerExecutor extends Executor {
  readonly profile: IntegerProfile;
  /** Every node in graph order: its precision, its route and, when it is not fully integer, why. */
  integerCoverage(): CoverageEntry[];
  /** The quantized weights, bias and requantization of a conv/depthwise/dense node (by name or alias). */
  integerLayer(name: string): IntegerLinearLayer | undefined;
}

const PROFILES: readonly IntegerProfile[] = ['tflite-double', 'tflite-single', 'onnxruntime'];

interface Step {
  readonly node: GraphNode;
  readonly precision: LayerPrecision;
  readonly route: IntegerRoute;
  readonly reason: string;
  readonly bits: 8 | 16 | null;
  readonly inputGrids: TensorQParams[];
  readonly int: IntegerStep | null;
  readonly weights: NodeWeights;
}

type Value = { readonly codes: Codes } | { readonly tensor: tf.Tensor; readonly owned: boolean };

/**
 * Runs a quantized graph the way an integer runtime does, with the fake-quant executor's quantization decisions
 * (both take them from src/quant/plan_params.ts): the same weight codes, int32 (16x8: int64) bias at input × weight
 * scale, activation grids from the plan's ranges (range-preserving ops keep their input's), and a float tensor
 * quantized on entry to an integer layer (graph inputs, outputs of float/fp16 layers), as a Quantize op would. Each node then runs on codes (see {@link IntegerRoute}): conv/depthwise/dense through src/integer's
 * int8 kernels (int32 accumulators, WebAssembly SIMD) or 16x8 kernels (int64), requantized by `profile` with
 * ReLU/ReLU6 as clamps; add, mul, concat and pooling by TFLite's or ONNX Runtime's integer arithmetic; elementwise
 * activations through lookup tables; layout ops on codes. 'float' and 'fp16' layers run in float on dequantized
 * inputs; nodes with no integer kernel fall back to float and are listed by {@link IntegerExecutor.integerCoverage}.
 *
 * `run` returns, and taps see, the dequantized outputs as float32 tensors (values scale · (q − zeroPoint), so they
 * compare directly with the float and fake-quant executors). Weights are quantized once here. Throws at creation,
 * naming it, on a missing range, an unknown layer or precision in the plan, or an unknown profile.
 */
export function createIntegerExecutor(graph: Graph, plan: QuantPlan, options: IntegerExecutorOptions = {}): IntegerExecutor {
  const fn = 'createIntegerExecutor';
  const profile = options.profile ?? 'tflite-double';
  if (!PROFILES.includes(profile)) throw new Error(`${fn}: options.profile was '${String(profile)}'; expected one of ${PROFILES.join(', ')}`);
  const rounding = plan.rounding ?? 'tflite';
  const precisionOf = precisionLookup(graph, plan, fn);
  const grid = activationParamsLookup(graph, plan, fn);
  const steps: Step[] = [];
  try {
    for (const node of graph.nodes) steps.push(prepareStep(node));
  } catch (e) {
    for (const s of steps) tf.dispose(Object.values(s.weights));
    throw e;
  }
  const uses = new Map<string, number>();
  for (const node of graph.nodes) for (const i of node.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  let disposed = false;

  function prepareStep(node: GraphNode): Step {
    const precision = precisionOf(node);
    if (precision === 'float' || precision === 'fp16') {
      const weights = uploadWeights(node, precision === 'fp16');
      return { node, precision, route: precision, reason: '', bits: null, inputGrids: [], int: null, weights };
    }
    const bits = precision === 'int8' ? 8 : 16;
    const inputGrids = node.inputs.map((name) => grid(name, precision));
    const output = RANGE_PRESERVING.has(node.op.kind) ? inputGrids[0] : grid(node.name, precision);
    const { route, reason } = integerRoute(node, bits, { inputs: inputGrids, output }, profile);
    const op = node.op;
    const linear = op.kind === 'conv2d' || op.kind === 'depthwiseConv2d' || op.kind === 'dense'
      ? prepareLinearLayer(node, op, inputGrids[0], output, { bits, plan, profile })
      : null;
    const weights = linear ? {} : uploadWeights(node, false);
    const int: IntegerStep = { node, output, linear, profile, rounding, weights, tables: new Map() };
    return { node, precision, route, reason, bits, inputGrids, int, weights };
  }

  return {
    graph,
    profile,
    integerCoverage: () => steps.map((s) => ({ node: s.node.name, op: s.node.op.kind, precision: s.precision, route: s.route, reason: s.reason })),
    integerLayer: (name) => steps.find((s) => s.node.name === name || s.node.aliases.includes(name))?.int?.linear ?? undefined,
    run(inputs, runOptions: RunOptions = {}) {
      if (disposed) throw new Error(`run: the integer executor of graph '${graph.name}' was disposed`);
      const given = inputs instanceof tf.Tensor ? [inputs] : inputs;
      checkInputs(graph, given);
      const tapped = tapSet(graph, runOptions.taps);
      const live = new Map<string, Value>();
      const converted = new Map<string, Codes>();
      const remaining = new Map(uses);
      const outputs = new Set(graph.outputs);
      graph.inputs.forEach((input, k) => live.set(input.name, { tensor: given[k], owned: false }));
      const read = (node: GraphNode, name: string): Value => {
        const v = live.get(name);
        if (v === undefined) throw new Error(`run: node '${node.name}' reads '${name}', which no earlier node produced`);
        return v;
      };
      const asCodes = (node: GraphNode, name: string, qp: TensorQParams): Codes => {
        const key = `${name}|${qp.scale}|${qp.zeroPoint}|${qp.qmax}`;
        let c = converted.get(key);
        if (!c) {
          const v = read(node, name);
          c = 'codes' in v ? regrid(v.codes, qp, rounding)
            : quantizeValues(v.tensor.dataSync() as Float32Array, v.tensor.shape, qp, rounding, name);
          converted.set(key, c);
        }
        return c;
      };
      const release = (v: Value) => { if ('tensor' in v && v.owned) v.tensor.dispose(); };
      try {
        for (const step of steps) {
          const { node } = step;
          let value: Value;
          if (step.int) {
            const xs = node.inputs.map((name, k) => asCodes(node, name, step.inputGrids[k]));
            const codes = step.route === 'integer' || step.route === 'codes' ? runInteger(step.int, xs)
              : step.route === 'integer+float' ? runIntegerFloatEpilogue(step.int, xs[0])
                : step.route === 'lut' ? runLookup(step.int, xs[0]) : runFloatFallback(step.int, xs);
            value = { codes };
          } else {
            const fp16 = step.precision === 'fp16';
            const tensor = tf.tidy(() => {
              const xs = node.inputs.map((name) => {
                const v = read(node, name);
                const t = 'codes' in v ? codesTensor(v.codes) : v.tensor;
                return fp16 ? fp16RoundTrip(t) : t;
              });
              const y = applyOp(node.op, xs, step.weights);
              return fp16 ? fp16RoundTrip(y) : y;
            });
            value = { tensor, owned: true };
          }
          live.set(node.name, value);
          if (tapped.has(node.name) && runOptions.onTap) {
            const t = 'codes' in value ? codesTensor(value.codes) : value.tensor;
            try { runOptions.onTap(node, t); } finally { if ('codes' in value) t.dispose(); }
          }
          for (const name of node.inputs) {
            const left = remaining.get(name)! - 1;
            remaining.set(name, left);
            if (left === 0 && !outputs.has(name)) {
              release(live.get(name)!);
              live.delete(name);
              for (const key of [...converted.keys()]) if (key.startsWith(`${name}|`)) converted.delete(key);
            }
          }
        }
        const result = graph.outputs.map((name) => {
          const v = live.get(name)!;
          if ('codes' in v) return codesTensor(v.codes);
          return v.owned ? v.tensor : v.tensor.clone();
        });
        for (const name of graph.outputs) live.delete(name);
        return result;
      } finally {
        for (const v of live.values()) release(v);
      }
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const s of steps) tf.dispose(Object.values(s.weights));
    },
  };
}

function uploadWeights(node: GraphNode, fp16: boolean): NodeWeights {
  const out: Record<string, tf.Tensor> = {};
  for (const [param, w] of Object.entries(weightsOf(node.op))) {
    if (w === null) continue;
    out[param] = tf.tensor(fp16 ? fp16RoundTripArray(w.data) : w.data, [...w.shape], 'float32');
  }
  return out;
}

