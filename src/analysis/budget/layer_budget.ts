import type * as tf from '@tensorflow/tfjs-core';
import type { ActivationFn } from '../../graph/ir';
import { quantizeValues, type Codes } from '../../quant/integer/codes';
import { CLAMP_ACTIVATIONS, linearLayerCodes } from '../../quant/integer/linear_layer';
import { roundToGrid } from '../../rounding';
import type { ErrorSource } from '../../views/types';
import { wrapValue, type WrapStats } from './accumulator';
import { activateValues, CLAMPS, convolve, convolveValues, squaredError, type FloatReference } from './float_layer';
import { integerOutput, requantizeAlone, type QuantLayer } from './quant_layer';
import type { Scratch } from './scratch';

/**
 * The arithmetic of the error budget of one conv2d / depthwiseConv2d / dense layer on one batch of float inputs x
 * (taken from the float model, so the layer is measured alone). Each output is computed as a pipeline
 *
 *   pre = Σ x·w + b  →  requantization  →  activation f  →  output grid
 *
 * and each source is measured by quantizing it alone, everything else exact (float64, the convolutions in float32):
 *   weights         pre = conv(x, W̃) + b                 W̃ the plan's weight codes × their scales
 *   input           pre = conv(x̃, W) + b                 x̃ on the input grid (clip + round)
 *   bias            pre = conv(x, W) + b̃                 b̃ = q_b · s_in · s_w (int32, 16x8: int64)
 *   accumulator     pre = wrap(u) · s_in · s_w           u = (conv(x, W) + b) / (s_in · s_w) in a `bits` register
 *   requantization  pre · M̃ / M                          M̃ the profile's fixed-point (or float32) multiplier, M exact
 *   output          the float output rounded and clipped to the output grid
 * and the total is the fixed-point layer itself: integer input codes, integer sums wrapped to `bits`, the profile's
 * requantization (the integer executor's code), against the float output f(conv(x, W) + b). Differences are taken by
 * linearity (conv(x, W̃) = conv(x, W) + conv(x, W̃ − W)), so a source that is exact contributes exactly 0.
 */

/** Sums over the batches of one layer's budget: squared errors (float64) and counts. */
export interface BudgetSums {
  elements: number;
  total: number;
  readonly parts: Record<ErrorSource, number>;
  inputClipping: number;
  inputRounding: number;
  outputClipping: number;
  outputRounding: number;
  inputElements: number;
  inputClipped: number;
  outputClipped: number;
  overflows: number;
  accumulatorMin: number;
  accumulatorMax: number;
}

export function emptyBudgetSums(): BudgetSums {
  return {
    elements: 0, total: 0, parts: { weights: 0, input: 0, bias: 0, accumulator: 0, requantization: 0, output: 0 },
    inputClipping: 0, inputRounding: 0, outputClipping: 0, outputRounding: 0, inputElements: 0, inputClipped: 0,
    outputClipped: 0, overflows: 0, accumulatorMin: Infinity, accumulatorMax: -Infinity,
  };
}

/** Adds one batch (x and its values xs): every source alone, the input and output split, and the fixed-point layer. */
export function addBatchBudget(q: QuantLayer, x: tf.Tensor, xs: Float32Array, ref: FloatReference, sums: BudgetSums,
  work: Scratch): void {
  const f = q.float;
  const input = quantizeInput(q, xs, x.shape, work);
  addTotal(sums, integerOutput(q, input.codes), ref.y);
  const p = ref.pre;
  const n = p.length;
  const C = f.channels;
  const v = work.f64('variant', n);
  const clamp = CLAMPS[f.op.activation];
  // Σ (f(pre + δ) − y0)², δ per element or per channel (`channels` 0: per element), one pass for a clamp.
  const shifted = (delta: ArrayLike<number>, channels: number): number => {
    if (clamp) return clampShiftedError(p, delta, channels, clamp, ref.y);
    for (let i = 0, c = 0; i < n; i++) {
      v[i] = p[i] + delta[channels ? c : i];
      if (++c === channels) c = 0;
    }
    return aloneError(f.op.activation, v, ref, work);
  };
  sums.parts.weights += shifted(convolve(f, x, q.weightError).values, 0);
  const dX = convolveValues(f, input.error, x.shape);
  const inputPart = shifted(dX, 0);
  sums.parts.input += inputPart;
  if (input.clipError) {
    const dClip = convolveValues(f, input.clipError, x.shape);
    sums.inputClipping += shifted(dClip, 0);
    const rounded = work.f32('roundError', n);
    for (let i = 0; i < n; i++) rounded[i] = dX[i] - dClip[i];
    sums.inputRounding += shifted(rounded, 0);
  } else {
    // Without clipped values the whole input error is rounding.
    sums.inputRounding += inputPart;
  }
  sums.parts.bias += shifted(q.biasError, C);
  sums.parts.accumulator += accumulatorAloneError(q, ref, v, work);
  requantizeAlone(q, p, v, work);
  sums.parts.requantization += aloneError(f.op.activation, v, ref, work);
  addOutputRounding(q, ref.y, sums);
  sums.inputElements += xs.length;
  sums.inputClipped += input.clipped;
}

/** Adds one batch's total only (the fixed-point layer against the float output): for measuring a plan change. */
export function addBatchTotal(q: QuantLayer, xs: Float32Array, shape: readonly number[], ref: FloatReference, sums: BudgetSums): void {
  const codes = quantizeValues(xs, shape, q.layer.input, q.rounding, q.float.node.inputs[0]);
  const op = q.float.op;
  // An int32 accumulator that cannot overflow: the fused kernels, which never materialize the sums.
  if (q.precision === 'int8' && q.exactInt32 && q.accumulatorBits === 32 && CLAMP_ACTIVATIONS.has(op.activation)) {
    const out = op.kind === 'dense' ? linearLayerCodes(q.layer, codes, null, null, null)
      : linearLayerCodes(q.layer, codes, op.padding, op.strides, op.dilations);
    sums.elements += ref.y.length;
    sums.total += codesError(out, ref.y);
    return;
  }
  addTotal(sums, integerOutput(q, codes), ref.y);
}

function addTotal(sums: BudgetSums, all: { out: Codes; wrap: WrapStats }, y0: Float64Array): void {
  sums.elements += y0.length;
  sums.total += codesError(all.out, y0);
  sums.overflows += all.wrap.overflows;
  sums.accumulatorMin = Math.min(sums.accumulatorMin, all.wrap.min);
  sums.accumulatorMax = Math.max(sums.accumulatorMax, all.wrap.max);
}

/** Σ (scale · (q − zeroPoint) − y0)² of output codes against the float output. */
function codesError(out: Codes, y0: Float64Array): number {
  const { scale, zeroPoint } = out.qp;
  const data = out.data;
  let s = 0;
  for (let i = 0; i < y0.length; i++) {
    const d = (data[i] - zeroPoint) * scale - y0[i];
    s += d * d;
  }
  return s;
}

/** Σ (clamp(pre + δ) − y0)², δ per element (`channels` 0) or per channel. */
function clampShiftedError(pre: Float64Array, delta: ArrayLike<number>, channels: number, [lo, hi]: readonly [number, number],
  y0: Float64Array): number {
  let s = 0;
  if (channels === 0) {
    for (let i = 0; i < pre.length; i++) {
      const v = pre[i] + delta[i];
      const d = (v < lo ? lo : v > hi ? hi : v) - y0[i];
      s += d * d;
    }
    return s;
  }
  for (let i = 0, c = 0; i < pre.length; i++) {
    const v = pre[i] + delta[c];
    const d = (v < lo ? lo : v > hi ? hi : v) - y0[i];
    s += d * d;
    if (++c === channels) c = 0;
  }
  return s;
}

/**
 * The accumulator alone: each exact real sum u = pre / (s_in · s_w) wrapped into the register. A sum inside the
 * register is unchanged, so a batch with none outside costs one read-only pass.
 */
function accumulatorAloneError(q: QuantLayer, ref: FloatReference, v: Float64Array, work: Scratch): number {
  const p = ref.pre;
  const C = q.unit.length;
  const half = 2 ** (q.accumulatorBits - 1);
  const limit = Float64Array.from(q.unit, (u) => half * u);
  let outside = false;
  for (let i = 0, c = 0; i < p.length && !outside; i++) {
    outside = p[i] < -limit[c] || p[i] >= limit[c];
    if (++c === C) c = 0;
  }
  if (!outside) return 0;
  for (let i = 0, c = 0; i < p.length; i++) {
    v[i] = p[i] < -limit[c] || p[i] >= limit[c] ? wrapValue(p[i] / q.unit[c], q.accumulatorBits) * q.unit[c] : p[i];
    if (++c === C) c = 0;
  }
  return aloneError(q.float.op.activation, v, ref, work);
}

/** Σ (f(pre) − y0)² over a batch: clamps fused into the sum, other activations through activateValues. */
function aloneError(fn: ActivationFn, pre: Float64Array, ref: FloatReference, work: Scratch): number {
  const clamp = CLAMPS[fn];
  if (!clamp) return squaredError(activateValues(fn, pre, ref.shape, work.f64('activated', pre.length)), ref.y);
  const [lo, hi] = clamp;
  const y0 = ref.y;
  let s = 0;
  for (let i = 0; i < pre.length; i++) {
    const v = pre[i];
    const d = (v < lo ? lo : v > hi ? hi : v) - y0[i];
    s += d * d;
  }
  return s;
}

/** The float output rounded to the output grid: errors of values outside the grid (clipped) and inside (rounded). */
function addOutputRounding(q: QuantLayer, y0: Float64Array, sums: BudgetSums): void {
  const { scale, zeroPoint, qmin, qmax } = q.layer.output;
  let clipping = 0;
  let rounding = 0;
  let clipped = 0;
  for (let i = 0; i < y0.length; i++) {
    const r = roundToGrid(y0[i], scale, q.rounding) + zeroPoint;
    const code = r < qmin ? qmin : r > qmax ? qmax : r;
    const e = (code - zeroPoint) * scale - y0[i];
    if (code !== r) {
      clipping += e * e;
      clipped++;
    } else {
      rounding += e * e;
    }
  }
  sums.parts.output += clipping + rounding;
  sums.outputClipping += clipping;
  sums.outputRounding += rounding;
  sums.outputClipped += clipped;
}

/** Input codes as the integer executor makes them, the error x̃ − x, and that error on clipped elements only. */
function quantizeInput(q: QuantLayer, x: Float32Array, shape: readonly number[], work: Scratch):
  { codes: Codes; error: Float32Array; clipError: Float32Array | null; clipped: number } {
  const grid = q.layer.input;
  const codes = quantizeValues(x, shape, grid, q.rounding, q.float.node.inputs[0]);
  const { scale, zeroPoint, qmin, qmax } = grid;
  const error = work.f32('inputError', x.length);
  let clipError: Float32Array | null = null;
  let clipped = 0;
  for (let i = 0; i < x.length; i++) {
    const code = codes.data[i];
    const e = (code - zeroPoint) * scale - x[i];
    error[i] = e;
    if (code === qmin || code === qmax) {
      const r = roundToGrid(x[i], scale, q.rounding) + zeroPoint;
      if (r < qmin || r > qmax) {
        clipError ??= work.f32('clipError', x.length).fill(0);
        clipError[i] = e;
        clipped++;
      }
    }
  }
  return { codes, error, clipError, clipped };
}
