import { quantizeBias } from '../bias';
import { perChannelMinMaxObserver } from '../calibration/per_channel_observer';
import { extent } from '../calibration/observer';
import { fp16RoundTrip, fp16RoundTripArray } from '../fp16';
import { createExecutor, type Executor } from '../graph/execute';
import type { Graph, GraphNode, Weight } from '../graph/ir';
import { qparamsFromChannelRanges, qparamsFromRange, type QParams, type TensorQParams } from '../qparams';
import { fakeQuantizeArray } from '../quantize/quantize_array';
import { fakeQuantize } from '../quantize/quantize_tensor';
import { int16Activations, int8Activations, intScheme } from '../scheme';
import { layerPrecisions, type LayerPrecision, type QuantPlan } from './plan';

/** Ops whose output takes its input's quantization parameters on the device (no requantization). */
const RANGE_PRESERVING = new Set(['maxPool', 'reshape', 'flatten', 'pad', 'transpose', 'identity']);

/**
 * An executor that simulates the quantized model in float32 ("fake quantization"): weights quantized once
 * (symmetric, narrow range, per channel or per tensor), bias in int32 (int64 for int16 layers) at
 * input scale x weight scale, every layer output rounded to its grid, and the inputs of an integer layer that come
 * from a float layer quantized on entry, as a runtime's Quantize op would. Layers in 'fp16' round weights and
 * activations to binary16; layers in 'float' run untouched. Range-preserving ops (max pool, reshape, flatten, pad)
 * keep their input's grid. Throws when a layer in the precision map or a needed range is missing, naming it.
 */
export function createFakeQuantExecutor(graph: Graph, plan: QuantPlan): Executor {
  const precisionOf = precisionLookup(graph, plan);
  const rounding = plan.rounding ?? 'tflite';
  const cache = new Map<string, TensorQParams>();
  const activationParams = (tensor: string, precision: 'int8' | 'int16'): TensorQParams => {
    const key = `${precision}:${tensor}`;
    let qp = cache.get(key);
    if (!qp) {
      const range = plan.activationRanges.get(tensor);
      if (!range) throw new Error(`createFakeQuantExecutor: no calibrated range for tensor '${tensor}' of graph '${graph.name}'; calibrate the model first`);
      qp = qparamsFromRange(range, precision === 'int8' ? int8Activations : int16Activations);
      cache.set(key, qp);
    }
    return qp;
  };
  const weightParams = new Map<string, QParams>();
  return createExecutor(graph, {
    weight(node, param, w) {
      const precision = precisionOf(node);
      if (precision === 'float') return w;
      if (precision === 'fp16') return { data: fp16RoundTripArray(w.data), shape: w.shape };
      if (param === 'filter' || param === 'kernel') {
        const { quantized, qp } = quantizeWeight(node, w, plan);
        weightParams.set(node.name, qp);
        return quantized;
      }
      if (param === 'bias') {
        const weightQp = weightParams.get(node.name);
        if (!weightQp) throw new Error(`createFakeQuantExecutor: the bias of '${node.name}' came before its weights`);
        const input = activationParams(node.inputs[0], precision);
        const q = quantizeBias(w.data, input.scale, weightQp.scale, { accumulatorBits: precision === 'int8' ? 32 : 64 });
        const scales = q.scale;
        return { data: Float32Array.from(q.values as ArrayLike<number | bigint>, (v, i) => Number(v) * scales[scales.length === 1 ? 0 : i]), shape: w.shape };
      }
      return w;
    },
    nodeInput(node, index, x) {
      const precision = precisionOf(node);
      if (precision === 'float') return x;
      if (precision === 'fp16') return fp16RoundTrip(x);
      return fakeQuantize(x, activationParams(node.inputs[index], precision), { rounding });
    },
    output(node, y) {
      const precision = precisionOf(node);
      if (precision === 'float' || RANGE_PRESERVING.has(node.op.kind)) return y;
      if (precision === 'fp16') return fp16RoundTrip(y);
      return fakeQuantize(y, activationParams(node.name, precision), { rounding });
    },
  });
}

/** Resolves each node's precision; unknown names in the map throw (a typo would silently keep a layer in int8). */
function precisionLookup(graph: Graph, plan: QuantPlan): (node: GraphNode) => LayerPrecision {
  const overrides = plan.layerPrecision ?? {};
  for (const [name, p] of Object.entries(overrides)) {
    if (!graph.nodes.some((n) => n.name === name || n.aliases.includes(name))) {
      throw new Error(`createFakeQuantExecutor: layer '${name}' in the precision map is not in graph '${graph.name}'; layers: ${graph.nodes.map((n) => n.name).join(', ')}`);
    }
    if (!layerPrecisions.includes(p)) throw new Error(`createFakeQuantExecutor: precision '${p}' of layer '${name}' is not one of ${layerPrecisions.join(', ')}`);
  }
  if (!layerPrecisions.includes(plan.defaultPrecision)) {
    throw new Error(`createFakeQuantExecutor: defaultPrecision '${plan.defaultPrecision}' is not one of ${layerPrecisions.join(', ')}`);
  }
  return (node) => overrides[node.name] ?? node.aliases.map((a) => overrides[a]).find((p) => p !== undefined) ?? plan.defaultPrecision;
}

/**
 * Symmetric narrow-range weights, one scale per output channel (conv [kh, kw, in, out] and dense [in, out]: the
 * last axis; depthwise [kh, kw, in, multiplier]: the flattened last two axes) or one per tensor.
 */
function quantizeWeight(node: GraphNode, w: Weight, plan: QuantPlan): { quantized: Weight; qp: QParams } {
  const channels = node.op.kind === 'depthwiseConv2d' ? w.shape[2] * w.shape[3] : w.shape[w.shape.length - 1];
  const bits = plan.weightBits ?? 8;
  if (plan.weightGranularity === 'per-tensor') {
    const qp = qparamsFromRange(extent(w.data), intScheme({ bits, symmetric: true, narrowRange: true }));
    return { quantized: { data: fakeQuantizeArray(w.data, qp, { rounding: plan.rounding }), shape: w.shape }, qp };
  }
  const shape = [w.data.length / channels, channels];
  const observer = perChannelMinMaxObserver({ axis: 1 });
  const ranges = observer.range(observer.collect(observer.empty(), { data: w.data, shape }));
  const qp = qparamsFromChannelRanges(ranges, intScheme({ bits, symmetric: true, narrowRange: true, axis: 1 }));
  return { quantized: { data: fakeQuantizeArray(w.data, qp, { shape, rounding: plan.rounding }), shape: w.shape }, qp };
}

