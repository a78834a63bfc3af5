import * as tf from '@tensorflow/tfjs-core';
import type { TfliteRequantizeParams } from '../../fixedpoint/requantize';
import { convLoop, depthwiseLoop } from '../../integer/conv_loops';
import { windowGeometry } from '../../integer/geometry';
import { reduceMultiplier } from '../../integer/int16x8';
import type { Codes } from '../../quant/integer/codes';
import {
  accumulate, accumulatorsToFloat, CLAMP_ACTIVATIONS, prepareLinearLayer, requantizeLayer, type IntegerLinearLayer,
  type IntegerProfile,
} from '../../quant/integer/linear_layer';
import { floatEpilogue } from '../../quant/integer/node_steps';
import type { QuantPlan } from '../../quant/plan';
import type { TensorQParams } from '../../qparams';
import type { RoundingProfile } from '../../rounding';
import { wrapAccumulators, type WrapStats } from './accumulator';
import { dotProductTerms, type FloatLayer } from './float_layer';
import type { Scratch } from './scratch';

/**
 * The fixed-point side of an error budget: a layer's integer form under one plan (from prepareLinearLayer, the
 * integer executor's own preparation), its output codes with a narrow accumulator, and its requantization multiplier.
 */

/** A layer under one plan: its integer form, accumulator width and the errors of its weights and bias. */
export interface QuantLayer {
  readonly float: FloatLayer;
  readonly precision: 'int8' | 'int16';
  readonly layer: IntegerLinearLayer;
  readonly accumulatorBits: number;
  readonly rounding: RoundingProfile;
  /** s_in · s_w,c: the real value of one accumulator unit, per output channel. */
  readonly unit: Float64Array;
  /** W̃ − W, on the backend. */
  readonly weightError: tf.Tensor;
  /** b̃ − b per output channel. */
  readonly biasError: Float64Array;
  /** Whether the int32 kernels' sums are exact: K · max|x − zp| · max|w| + max|bias| < 2^31. */
  readonly exactInt32: boolean;
}

/** The layer under `plan` at `precision`, with its input and output grids; weightError is the caller's to dispose. */
export function quantLayer(f: FloatLayer, plan: QuantPlan, precision: 'int8' | 'int16',
  grids: { input: TensorQParams; output: TensorQParams }, options: { profile: IntegerProfile; accumulatorBits: number }):
  QuantLayer {
  const layer = prepareLinearLayer(f.node, f.op, grids.input, grids.output,
    { bits: precision === 'int8' ? 8 : 16, plan, profile: options.profile });
  const w = f.op.kind === 'dense' ? f.op.kernel : f.op.filter;
  const C = f.channels;
  const unit = Float64Array.from(layer.weightScales, (s) => Math.fround(grids.input.scale) * s);
  const dw = new Float32Array(w.data.length);
  let maxW = 0;
  for (let i = 0; i < dw.length; i++) {
    dw[i] = layer.weights[i] * layer.weightScales[i % C] - w.data[i];
    maxW = Math.max(maxW, Math.abs(layer.weights[i]));
  }
  const biasError = new Float64Array(C);
  let maxBias = 0;
  for (let c = 0; c < C; c++) {
    const q = layer.bias ? Number(layer.bias[c]) : 0;
    biasError[c] = q * unit[c] - f.bias[c];
    maxBias = Math.max(maxBias, Math.abs(q));
  }
  const { zeroPoint, qmin, qmax } = grids.input;
  const bound = dotProductTerms(f) * Math.max(qmax - zeroPoint, zeroPoint - qmin) * maxW + maxBias;
  return {
    float: f, precision, layer, accumulatorBits: options.accumulatorBits, rounding: plan.rounding ?? 'tflite', unit,
    weightError: tf.tensor(dw, [...w.shape], 'float32'), biasError, exactInt32: bound < 2 ** 31,
  };
}

/**
 * The fixed-point layer's output codes on input codes: exact integer sums (the int32 kernels when
 * they cannot wrap, else the plain loops in float64), wrapped to the accumulator width, then the layer's
 * requantization with its clamp, or the float epilogue of a non-clamp activation, as the integer executor runs it.
 */
export function integerOutput(q: QuantLayer, codes: Codes): { out: Codes; wrap: WrapStats } {
  const { layer } = q;
  const op = q.float.op;
  let acc: { values: Int32Array | Float64Array; shape: number[] } = q.precision === 'int8' && !q.exactInt32
    ? exactInt8Sums(q, codes)
    : op.kind === 'dense' ? accumulate(layer, codes, null, null, null) : accumulate(layer, codes, op.padding, op.strides, op.dilations);
  const wrap = wrapAccumulators(acc.values, q.accumulatorBits);
  if (q.precision === 'int8' && acc.values instanceof Float64Array) acc = { values: Int32Array.from(acc.values), shape: acc.shape };
  const out = CLAMP_ACTIVATIONS.has(layer.activation) ? requantizeLayer(layer, acc) : floatEpilogue(layer, acc, q.rounding);
  return { out, wrap };
}

/** Exact sums of an int8 layer whose int32 sums may wrap, in float64 (the kernels' plain loops). */
function exactInt8Sums(q: QuantLayer, x: Codes): { values: Float64Array; shape: number[] } {
  const { layer } = q;
  const op = q.float.op;
  const fn = 'errorBudget';
  const bias = layer.bias as Int32Array | undefined;
  const zp = x.qp.zeroPoint;
  if (op.kind === 'dense') {
    const [inUnits, units] = layer.weightShape;
    const rows = x.data.length / inUnits;
    const values = new Float64Array(rows * units);
    convLoop(x.data, zp, windowGeometry(fn, [rows, 1, 1, inUnits], [1, 1]), layer.weights, units, bias, values);
    return { values, shape: [...x.shape.slice(0, -1), units] };
  }
  const [kh, kw, , last] = layer.weightShape;
  const g = windowGeometry(fn, x.shape, [kh, kw], op.strides, op.dilations, op.padding);
  const outC = op.kind === 'conv2d' ? last : g.channels * last;
  const values = new Float64Array(g.batch * g.outHeight * g.outWidth * outC);
  if (op.kind === 'conv2d') convLoop(x.data, zp, g, layer.weights, last, bias, values);
  else depthwiseLoop(x.data, zp, g, layer.weights, last, bias, values);
  return { values, shape: [g.batch, g.outHeight, g.outWidth, outC] };
}

/**
 * The pre-activation with only the requantization's multiplier inexact, no rounding: TFLite's m · 2^(shift − 31)
 * (16x8: the 15-bit m' · 2^(shift − 15)) against the exact s_in · s_w / s_out; ONNX Runtime's
 * fround(fround(acc) · fround(s_in · s_w / s_out)); a float epilogue's fround(acc · fround(s_in · s_w)).
 */
export function requantizeAlone(q: QuantLayer, pre: Float64Array, out: Float64Array, work: Scratch): void {
  const { layer, unit } = q;
  const C = unit.length;
  const accumulators = (i: number, c: number) => pre[i] / unit[c];
  if (!CLAMP_ACTIVATIONS.has(layer.activation)) {
    const values = work.f64('accumulators', pre.length);
    for (let i = 0; i < pre.length; i++) values[i] = accumulators(i, i % C);
    out.set(accumulatorsToFloat(layer, { values }));
    return;
  }
  const sOut = Math.fround(layer.output.scale);
  const r = layer.requantize;
  if (r?.profile === 'onnxruntime') {
    for (let i = 0, c = 0; i < pre.length; i++) {
      out[i] = Math.fround(Math.fround(accumulators(i, c)) * channelValue(r.scale, c)) * sOut;
      if (++c === C) c = 0;
    }
    return;
  }
  const ratio = Float64Array.from(unit, (u, c) => {
    const m16 = layer.requantize16;
    const m32 = r as TfliteRequantizeParams;
    const effective = m16 ? reduceMultiplier(channelValue(m16.multiplier, c)) * 2 ** (channelValue(m16.shift, c) - 15)
      : channelValue(m32.multiplier, c) * 2 ** (channelValue(m32.shift, c) - 31);
    return effective / (u / sOut);
  });
  for (let i = 0, c = 0; i < pre.length; i++) {
    out[i] = pre[i] * ratio[c];
    if (++c === C) c = 0;
  }
}

function channelValue(v: number | ArrayLike<number>, c: number): number {
  return typeof v === 'number' ? v : v[v.length === 1 ? 0 : c];
}
