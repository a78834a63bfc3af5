import { requantize, type RequantizeParams } from '../../fixedpoint/requantize';
import type { ActivationFn, GraphNode, Op, Padding } from '../../graph/ir';
import { conv2dInt8 } from '../../integer/conv2d_int8';
import { denseInt8 } from '../../integer/dense_int8';
import { depthwiseConv2dInt8 } from '../../integer/depthwise_conv2d_int8';
import { conv2dInt16x8, denseInt16x8, depthwiseConv2dInt16x8, requantize16x8 } from '../../integer/int16x8';
import { onnxRuntimeOutputScales, tfliteOutputMultipliers } from '../../integer/output_scales';
import {
  conv2dInt8Requantized, denseInt8Requantized, depthwiseConv2dInt8Requantized,
} from '../../integer/requantized_int8';
import { activationRange } from '../../integer/requantize_codes';
import type { TensorQParams } from '../../qparams';
import type { QuantPlan } from '../plan';
import { quantizeLayerBias, quantizeLayerWeight } from '../plan_params';
import { newCodes, type Codes } from './codes';

/** The integer arithmetic to reproduce. */
export type IntegerProfile = 'tflite-double' | 'tflite-single' | 'onnxruntime';

type LinearOp = Extract<Op, { kind: 'conv2d' | 'depthwiseConv2d' | 'dense' }>;

/**
 * A conv2d, depthwise conv2d or dense layer ready for the integer kernels: its weights as int8 codes (symmetric,
 * narrow range, per output channel or per tensor, exactly the codes the fake-quant executor rounds them to), its
 * bias in int32 (int8 layers) or int64 (16x8 layers) at inputScale · weightScale_c, and the requantization.
 */
export interface IntegerLinearLayer {
  readonly node: string;
  readonly kind: LinearOp['kind'];
  readonly bits: 8 | 16;
  /** Weight codes in the TF.js layout ([kh, kw, in, out], [kh, kw, in, multiplier] or [in, out]). */
  readonly weights: Int8Array;
  readonly weightShape: readonly number[];
  /** One scale per output channel (per-tensor weights repeat their one scale). */
  readonly weightScales: Float32Array;
  readonly bias: Int32Array | BigInt64Array | undefined;
  readonly input: TensorQParams;
  readonly output: TensorQParams;
  /** The fused activation; 'linear', 'relu' and 'relu6' are clamps of the output codes. */
  readonly activation: ActivationFn;
  /** Requantization of the accumulators (int8 layers), clamp included. */
  readonly requantize: RequantizeParams | null;
  /** 16x8 layers: TFLite's per-channel multipliers and the clamp. */
  readonly requantize16: { multiplier: Int32Array; shift: Int32Array; qmin: number; qmax: number } | null;
}

/** The fused activations that are clamps on the output grid; the others need a float epilogue. */
export const CLAMP_ACTIVATIONS: ReadonlySet<ActivationFn> = new Set(['linear', 'relu', 'relu6']);

/**
 * Quantizes a layer's weights and bias and derives its requantization (see {@link IntegerLinearLayer}):
 *   weight codes   w_q = clamp(round(w / s_w,c), −(2^(b−1) − 1), 2^(b−1) − 1), s_w,c = max|w_c| / (2^(b−1) − 1)
 *   bias           quantizeBias(bias, s_in, s_w): int32 for int8 layers, int64 for 16x8
 *   tflite-*       (m_c, shift_c) = QuantizeMultiplier(s_in · s_w,c / s_out)            (tfliteOutputMultipliers)
 *   onnxruntime    scale_c = fround(fround(s_in · s_w,c) / s_out)                        (onnxRuntimeOutputScales)
 *   clamp          activationRange('relu' | 'relu6' | 'none') on the output grid
 * 16x8 layers use TFLite's 64-bit multiply whatever the profile (ONNX Runtime has no 16x8 kernels).
 */
export function prepareLinearLayer(node: GraphNode, op: LinearOp, input: TensorQParams, output: TensorQParams,
  options: { bits: 8 | 16; plan: QuantPlan; profile: IntegerProfile }): IntegerLinearLayer {
  const w = op.kind === 'dense' ? op.kernel : op.filter;
  const channels = op.kind === 'depthwiseConv2d' ? w.shape[2] * w.shape[3] : w.shape[w.shape.length - 1];
  const q = quantizeLayerWeight(node, w, options.plan);
  const perTensor = q.qp.kind === 'per-tensor';
  const weightScales = typeof q.qp.scale === 'number' ? new Float32Array(channels).fill(q.qp.scale) : q.qp.scale;
  const precision = options.bits === 8 ? 'int8' : 'int16';
  const bias = op.bias === null ? undefined
    : quantizeLayerBias(op.bias, input, q.qp, precision).quantized.values as Int32Array | BigInt64Array;
  const clamp = clampOf(op.activation, output, options.bits, options.profile);
  let requant: RequantizeParams | null = null;
  let requant16: IntegerLinearLayer['requantize16'] = null;
  const scalesForMultipliers = perTensor ? weightScales[0] : weightScales;
  if (options.bits === 16) {
    const m = tfliteOutputMultipliers(input.scale, scalesForMultipliers, output.scale);
    requant16 = { ...m, ...clamp };
  } else if (options.profile === 'onnxruntime') {
    const scale = onnxRuntimeOutputScales(input.scale, scalesForMultipliers, output.scale);
    requant = { profile: 'onnxruntime', scale: perTensor ? scale[0] : scale, zeroPoint: output.zeroPoint, ...clamp };
  } else {
    const m = tfliteOutputMultipliers(input.scale, scalesForMultipliers, output.scale,
      options.profile === 'tflite-single');
    // Per-tensor weights give one multiplier: a scalar, which the fused kernels take for every channel.
    requant = { profile: options.profile, multiplier: perTensor ? m.multiplier[0] : m.multiplier,
      shift: perTensor ? m.shift[0] : m.shift, zeroPoint: output.zeroPoint, ...clamp };
  }
  return {
    node: node.name, kind: op.kind, bits: options.bits, weights: Int8Array.from(q.codes), weightShape: w.shape,
    weightScales, bias, input, output, activation: op.activation, requantize: requant, requantize16: requant16,
  };
}

function clampOf(fn: ActivationFn, out: TensorQParams, bits: 8 | 16, profile: IntegerProfile): { qmin: number; qmax: number } {
  if (bits === 16) {
    if (fn === 'relu') return { qmin: Math.max(out.qmin, out.zeroPoint), qmax: out.qmax };
    if (fn === 'relu6') {
      const v = Math.fround(6 / Math.fround(out.scale));
      return { qmin: Math.max(out.qmin, out.zeroPoint), qmax: Math.min(out.qmax, out.zeroPoint + Math.round(v)) };
    }
    return { qmin: out.qmin, qmax: out.qmax };
  }
  const activation = fn === 'relu' || fn === 'relu6' ? fn : 'none';
  return activationRange(activation, out.scale, out.zeroPoint, 'int8', profile === 'onnxruntime' ? 'onnxruntime' : 'tflite');
}

/**
 * The layer's int32 (int8) or int64-in-float64 (16x8) accumulators for input codes on the layer's input grid:
 * acc = bias + Σ (x − zp) · w, exact. Dense inputs of rank > 2 are read as [−1, inUnits].
 */
export function accumulate(layer: IntegerLinearLayer, x: Codes, padding: Padding | null,
  strides: readonly [number, number] | null, dilations: readonly [number, number] | null):
  { values: Int32Array | Float64Array; shape: number[] } {
  const geometry = { strides: strides ?? undefined, dilations: dilations ?? undefined, padding: padding ?? undefined };
  if (layer.kind === 'dense') {
    const inUnits = layer.weightShape[0];
    const rows = x.data.length / inUnits;
    const outShape = [...x.shape.slice(0, -1), layer.weightShape[1]];
    const acc = layer.bits === 8
      ? denseInt8(x.data as Int8Array, [rows, inUnits], x.qp.zeroPoint, layer.weights, layer.weightShape,
        { bias: layer.bias as Int32Array | undefined })
      : denseInt16x8(x.data as Int16Array, [rows, inUnits], layer.weights, layer.weightShape,
        { bias: layer.bias as BigInt64Array | undefined });
    return { values: acc.values, shape: outShape };
  }
  const conv = layer.kind === 'conv2d';
  if (layer.bits === 8) {
    const run = conv ? conv2dInt8 : depthwiseConv2dInt8;
    return run(x.data as Int8Array, x.shape, x.qp.zeroPoint, layer.weights, layer.weightShape,
      { ...geometry, bias: layer.bias as Int32Array | undefined });
  }
  const run16 = conv ? conv2dInt16x8 : depthwiseConv2dInt16x8;
  return run16(x.data as Int16Array, x.shape, layer.weights, layer.weightShape,
    { ...geometry, bias: layer.bias as BigInt64Array | undefined });
}

/**
 * Output codes of a clamp-activation layer, requantize(accumulate(...)): int8 layers through the fused kernels
 * (src/integer/requantized_int8.ts, the same codes without the int32 round trip), 16x8 layers through
 * {@link accumulate} and {@link requantizeLayer}.
 */
export function linearLayerCodes(layer: IntegerLinearLayer, x: Codes, padding: Padding | null,
  strides: readonly [number, number] | null, dilations: readonly [number, number] | null): Codes {
  if (layer.bits !== 8) return requantizeLayer(layer, accumulate(layer, x, padding, strides, dilations));
  const params = layer.requantize!;
  const bias = layer.bias as Int32Array | undefined;
  const zp = x.qp.zeroPoint;
  let codes: { values: Int8Array | Int16Array; shape: number[] };
  if (layer.kind === 'dense') {
    const inUnits = layer.weightShape[0];
    const rows = x.data.length / inUnits;
    const r = denseInt8Requantized(x.data as Int8Array, [rows, inUnits], zp, layer.weights, layer.weightShape, params,
      { bias, out: newCodes(layer.output, rows * layer.weightShape[1]) });
    codes = { values: r.values, shape: [...x.shape.slice(0, -1), layer.weightShape[1]] };
  } else {
    const run = layer.kind === 'conv2d' ? conv2dInt8Requantized : depthwiseConv2dInt8Requantized;
    codes = run(x.data as Int8Array, x.shape, zp, layer.weights, layer.weightShape, params,
      { strides: strides ?? undefined, dilations: dilations ?? undefined, padding: padding ?? undefined, bias });
  }
  if (!(codes.values instanceof (layer.output.qmax > 127 ? Int16Array : Int8Array))) {
    const data = newCodes(layer.output, codes.values.length);
    data.set(codes.values);
    return { data, shape: codes.shape, qp: layer.output };
  }
  return { data: codes.values, shape: codes.shape, qp: layer.output };
}

/** Output codes of a clamp-activation layer: the profile's requantization of the accumulators, clamped. */
export function requantizeLayer(layer: IntegerLinearLayer, acc: { values: Int32Array | Float64Array; shape: number[] }): Codes {
  if (layer.requantize16) {
    const { multiplier, shift, qmin, qmax } = layer.requantize16;
    const data = requantize16x8(acc.values as Float64Array, { multiplier, shift, zeroPoint: 0, qmin, qmax });
    return { data, shape: acc.shape, qp: layer.output };
  }
  const q = requantize(acc.values as Int32Array, layer.requantize!);
  const data = newCodes(layer.output, q.length);
  data.set(q);
  return { data, shape: acc.shape, qp: layer.output };
}

/**
 * The accumulators as real values for a float epilogue (fused sigmoid, tanh, swish, hard_swish, softmax, whose
 * pre-activation range the plan does not hold): y = fround(acc · fround(s_in · s_w,c)), exactly the float32 value
 * of the integer sum (up to one float32 rounding).
 */
export function accumulatorsToFloat(layer: IntegerLinearLayer, acc: { values: Int32Array | Float64Array }): Float32Array {
  const channels = layer.weightScales.length;
  const scales = Float32Array.from(layer.weightScales, (s) => Math.fround(layer.input.scale) * s);
  const out = new Float32Array(acc.values.length);
  for (let i = 0, c = 0; i < out.length; i++) {
    out[i] = acc.values[i] * scales[c];
    if (++c === channels) c = 0;
  }
  return out;
}
