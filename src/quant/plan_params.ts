import { quantizeBias } from '../bias';
import { extent } from '../calibration/observer';
import { perChannelMinMaxObserver } from '../calibration/per_channel_observer';
import { requireNode, type Graph, type GraphNode, type Weight } from '../graph/ir';
import { qparamsFromChannelRanges, qparamsFromRange, type QParams, type TensorQParams } from '../qparams';
import { dequantizeArray, quantizeArray } from '../quantize/quantize_array';
import { int16Activations, int8Activations, intScheme } from '../scheme';
import { layerPrecisions, type LayerPrecision, type QuantPlan } from './plan';

/**
 * The quantization decisions a plan implies, in one place, so the fake-quant executor, the integer executor and
 * the exporters cannot disagree: each layer's precision, each activation tensor's parameters, and each layer's
 * weight and bias codes.
 */

/** Resolves each node's precision; unknown names in the map throw (a typo would silently keep a layer in int8). */
export function precisionLookup(graph: Graph, plan: QuantPlan, fn: string): (node: GraphNode) => LayerPrecision {
  const overrides = plan.layerPrecision ?? {};
  for (const [name, p] of Object.entries(overrides)) {
    requireNode(graph, name, `${fn} (layerPrecision)`);
    if (!layerPrecisions.includes(p)) throw new Error(`${fn}: precision '${p}' of layer '${name}' is not one of ${layerPrecisions.join(', ')}`);
  }
  if (!layerPrecisions.includes(plan.defaultPrecision)) {
    throw new Error(`${fn}: defaultPrecision '${plan.defaultPrecision}' is not one of ${layerPrecisions.join(', ')}`);
  }
  return (node) => overrides[node.name] ?? node.aliases.map((a) => overrides[a]).find((p) => p !== undefined) ?? plan.defaultPrecision;
}

/** Ops whose output takes its input's quantization parameters on the device (no requantization). */
export const RANGE_PRESERVING: ReadonlySet<string> = new Set(['maxPool', 'reshape', 'flatten', 'pad', 'transpose', 'identity']);

/**
 * Activation parameters by tensor name: int8 asymmetric or int16 symmetric over the calibrated range (cached). The
 * output of a range-preserving op (max pool, reshape, ...) takes its input's parameters, as on the device, so a
 * consumer never re-quantizes values that are already on a grid to a different one.
 */
export function activationParamsLookup(graph: Graph, plan: QuantPlan, fn: string): (tensor: string, precision: 'int8' | 'int16') => TensorQParams {
  const cache = new Map<string, TensorQParams>();
  const rangeTensor = rangeTensorLookup(graph);
  return (requested, precision) => {
    const tensor = rangeTensor(requested);
    const key = `${precision}:${tensor}`;
    let qp = cache.get(key);
    if (!qp) {
      const range = plan.activationRanges.get(tensor);
      if (!range) throw new Error(`${fn}: no calibrated range for tensor '${tensor}' of graph '${graph.name}'; calibrate the model first`);
      qp = qparamsFromRange(range, precision === 'int8' ? int8Activations : int16Activations);
      cache.set(key, qp);
    }
    return qp;
  };
}

/**
 * The tensor whose calibrated range (the key into `plan.activationRanges`) sets a tensor's grid: itself, or for the
 * output of a range-preserving op, the tensor that op passes on.
 */
export function rangeTensorLookup(graph: Graph): (tensor: string) => string {
  const producers = new Map(graph.nodes.map((n) => [n.name, n]));
  return (requested) => {
    let tensor = requested;
    for (let node = producers.get(tensor); node && RANGE_PRESERVING.has(node.op.kind); node = producers.get(tensor)) tensor = node.inputs[0];
    return tensor;
  };
}

/**
 * True when `tensor` already holds values on its `precision` grid: it is the output of a layer of that precision
 * that requantizes (or of a range-preserving op fed by one). Consumers of that precision need not quantize it again.
 */
export function onGridLookup(graph: Graph, precisionOf: (node: GraphNode) => LayerPrecision): (tensor: string, precision: LayerPrecision) => boolean {
  const producers = new Map(graph.nodes.map((n) => [n.name, n]));
  const onGrid = (tensor: string, precision: LayerPrecision): boolean => {
    const node = producers.get(tensor);
    if (!node || precisionOf(node) !== precision) return false;
    return !RANGE_PRESERVING.has(node.op.kind) || onGrid(node.inputs[0], precision);
  };
  return onGrid;
}

/** A layer's quantized weight: parameters, integer codes, the dequantized values, and the [rest, channels] view. */
export interface QuantizedWeight {
  readonly qp: QParams;
  readonly codes: Int32Array;
  readonly dequantized: Weight;
}

/**
 * Weights of `plan.weightBits` bits, symmetric narrow range (default) or asymmetric, one scale per output channel (conv [kh, kw, in, out]
 * and dense [in, out]: the last axis; depthwise [kh, kw, in, multiplier]: the flattened last two axes) or one per
 * tensor, rounded with the plan's rounding.
 */
export function quantizeLayerWeight(node: GraphNode, w: Weight, plan: QuantPlan): QuantizedWeight {
  const channels = node.op.kind === 'depthwiseConv2d' ? w.shape[2] * w.shape[3] : w.shape[w.shape.length - 1];
  const bits = plan.weightBits ?? 8;
  const symmetric = plan.weightSymmetric ?? true;
  const rounding = plan.rounding;
  let qp: QParams;
  let shape: number[] | undefined;
  if (plan.weightGranularity === 'per-tensor') {
    qp = qparamsFromRange(extent(w.data), intScheme({ bits, symmetric, narrowRange: symmetric }));
  } else {
    shape = [w.data.length / channels, channels];
    const observer = perChannelMinMaxObserver({ axis: 1 });
    qp = qparamsFromChannelRanges(observer.range(observer.collect(observer.empty(), { data: w.data, shape })),
      intScheme({ bits, symmetric, narrowRange: symmetric, axis: 1 }));
  }
  const codes = quantizeArray(w.data, qp, { shape, rounding });
  return { qp, codes, dequantized: { data: dequantizeArray(codes, qp, { shape }), shape: w.shape } };
}

/** A layer's bias in int32 (int64 for int16 layers) at input scale x weight scale, and its dequantized values. */
export function quantizeLayerBias(bias: Weight, input: TensorQParams, weight: QParams, precision: 'int8' | 'int16') {
  const q = quantizeBias(bias.data, input.scale, weight.scale, { accumulatorBits: precision === 'int8' ? 32 : 64 });
  const scales = q.scale;
  const dequantized: Weight = {
    data: Float32Array.from(q.values as ArrayLike<number | bigint>, (v, i) => Number(v) * scales[scales.length === 1 ? 0 : i]),
    shape: bias.shape,
  };
  return { quantized: q, dequantized };
}
