import { fp16RoundTrip, fp16RoundTripArray } from '../fp16';
import { createExecutor, type ExecutorHooks, type GraphExecutor } from '../graph/execute';
import type { Graph } from '../graph/ir';
import type { QParams } from '../qparams';
import { fakeQuantize } from '../quantize/quantize_tensor';
import type { QuantPlan } from './plan';
import { activationParamsLookup, onGridLookup, precisionLookup, quantizeLayerBias, quantizeLayerWeight, RANGE_PRESERVING } from './plan_params';

/**
 * An executor that simulates the quantized model in float32 ("fake quantization"): weights quantized once
 * (symmetric, narrow range, per channel or per tensor), bias in int32 (int64 for int16 layers) at
 * input scale x weight scale, every layer output rounded to its grid, and the inputs of an integer layer that come
 * from a float layer quantized on entry, as a runtime's Quantize op would. Layers in 'fp16' round weights and
 * activations to binary16; layers in 'float' run untouched. Range-preserving ops (max pool, reshape, flatten, pad)
 * keep their input's grid. Throws when a layer in the precision map or a needed range is missing, naming it.
 */
export function createFakeQuantExecutor(graph: Graph, plan: QuantPlan): GraphExecutor {
  return createExecutor(graph, fakeQuantHooks(graph, plan, 'createFakeQuantExecutor'));
}

/** The tensor roundings a fake-quant model applies; quantization-aware training swaps in straight-through ones. */
export interface FakeQuantRoundings {
  readonly fakeQuantize: typeof fakeQuantize;
  readonly fp16RoundTrip: typeof fp16RoundTrip;
}

/**
 * The executor hooks of {@link createFakeQuantExecutor}: the plan's decisions about every weight, layer input and
 * layer output, in one place. `weight` keeps state between a layer's weights and its bias (the bias scale is input
 * scale x weight scale), so call it for a node's 'filter' or 'kernel' before its 'bias'. `roundings` replaces the
 * tensor roundings (quantization-aware training passes versions with straight-through gradients).
 */
export function fakeQuantHooks(graph: Graph, plan: QuantPlan, fn: string, roundings: FakeQuantRoundings = { fakeQuantize, fp16RoundTrip }): ExecutorHooks {
  const precisionOf = precisionLookup(graph, plan, fn);
  const activationParams = activationParamsLookup(graph, plan, fn);
  const onGrid = onGridLookup(graph, precisionOf);
  // The executor checks its inputs for NaN/Inf once per batch; re-checking every layer would sync every layer.
  const options = { rounding: plan.rounding ?? 'tflite', checkFinite: false };
  const weightParams = new Map<string, QParams>();
  return {
    weight(node, param, w) {
      const precision = precisionOf(node);
      if (precision === 'float') return w;
      if (precision === 'fp16') return { data: fp16RoundTripArray(w.data), shape: w.shape };
      if (param === 'filter' || param === 'kernel') {
        const { dequantized, qp } = quantizeLayerWeight(node, w, plan);
        weightParams.set(node.name, qp);
        return dequantized;
      }
      if (param === 'bias') {
        const weightQp = weightParams.get(node.name);
        if (!weightQp) throw new Error(`${fn}: the bias of '${node.name}' came before its weights`);
        return quantizeLayerBias(w, activationParams(node.inputs[0], precision), weightQp, precision).dequantized;
      }
      return w;
    },
    nodeInput(node, index, x) {
      const precision = precisionOf(node);
      if (precision === 'float') return x;
      if (precision === 'fp16') return roundings.fp16RoundTrip(x);
      if (onGrid(node.inputs[index], precision)) return x;
      return roundings.fakeQuantize(x, activationParams(node.inputs[index], precision), options);
    },
    output(node, y) {
      const precision = precisionOf(node);
      if (precision === 'float' || RANGE_PRESERVING.has(node.op.kind)) return y;
      if (precision === 'fp16') return roundings.fp16RoundTrip(y);
      return roundings.fakeQuantize(y, activationParams(node.name, precision), options);
    },
  };
}
