/**
 * A slow, literal error budget of one conv2d / depthwise / dense layer with a linear, ReLU or ReLU6 activation, for
 * checking src/analysis/error_budget.ts. It shares no arithmetic with it: every variant is a whole float64
 * convolution of quantized operands (no linearity tricks), the fixed-point layer is a BigInt sum wrapped with
 * BigInt.asIntN and requantized by the BigInt transcriptions of TFLite's and MLAS's code. Only the layer's integer
 * parameters (weight codes and scales, bias codes, grids, multipliers) come from the library, from
 * prepareLinearLayer, which is tested on its own.
 */
import type { IntegerLinearLayer } from '../../src/quant/integer/linear_layer';
import { roundToGrid, type RoundingProfile } from '../../src/rounding';
import { mlasRef, requantizeTfliteRef } from './fixedpoint_bigint';
import { convReferenceBig, depthwiseAsGrouped, samePads, type RefGeometry } from './integer_conv_reference';
import { mbqm64Ref } from './integer_ops_reference';

export interface ReferenceOp {
  readonly kind: 'conv2d' | 'depthwiseConv2d' | 'dense';
  readonly weights: Float32Array;
  readonly bias: Float32Array | null;
  readonly activation: 'linear' | 'relu' | 'relu6';
  readonly strides?: [number, number];
  readonly dilations?: [number, number];
  readonly padding?: 'same' | 'valid';
}

/** Sums of squared errors against the float layer, per variant, and the count of outputs. */
export interface ReferenceBudget {
  readonly count: number;
  readonly total: number;
  readonly weights: number;
  readonly input: number;
  readonly bias: number;
  readonly accumulator: number;
  readonly requantization: number;
  readonly output: number;
  readonly inputClipping: number;
  readonly inputRounding: number;
  readonly outputClipping: number;
  readonly overflows: number;
}

const act = (fn: ReferenceOp['activation'], v: number) => (fn === 'linear' ? v : fn === 'relu' ? Math.max(0, v) : Math.min(6, Math.max(0, v)));

function geometry(op: ReferenceOp, shape: number[], wShape: readonly number[]): RefGeometry {
  const strides = op.strides ?? [1, 1];
  const dilations = op.dilations ?? [1, 1];
  const pads: RefGeometry['pads'] = op.padding === 'same'
    ? [samePads(shape[1], wShape[0], strides[0], dilations[0]), samePads(shape[2], wShape[1], strides[1], dilations[1])]
    : [[0, 0], [0, 0]];
  return { strides, dilations, pads };
}

/** Output sums Σ x·w + b in float64 (BigInt-free: the operands are not integers), with zero padding. */
function convFloat(op: ReferenceOp, x: ArrayLike<number>, shape: number[], w: ArrayLike<number>, wShape: readonly number[],
  bias: ArrayLike<number>): number[] {
  const dense = op.kind === 'dense';
  const s = dense ? [x.length / wShape[0], 1, 1, wShape[0]] : shape;
  const grouped = op.kind === 'depthwiseConv2d';
  // A depthwise filter [kh, kw, C, m] read as a grouped one [kh, kw, 1, C · m] has the same flat order.
  const fw = dense ? [1, 1, wShape[0], wShape[1]] : grouped ? [wShape[0], wShape[1], 1, wShape[2] * wShape[3]] : [...wShape];
  const g = dense ? { strides: [1, 1] as [number, number], dilations: [1, 1] as [number, number], pads: [[0, 0], [0, 0]] as RefGeometry['pads'] } : geometry(op, shape, wShape);
  const [n, h, wd, c] = s;
  const [kh, kw, cg, oc] = fw;
  const groups = grouped ? c : 1;
  const outH = Math.floor((h + g.pads[0][0] + g.pads[0][1] - ((kh - 1) * g.dilations[0] + 1)) / g.strides[0]) + 1;
  const outW = Math.floor((wd + g.pads[1][0] + g.pads[1][1] - ((kw - 1) * g.dilations[1] + 1)) / g.strides[1]) + 1;
  const out: number[] = [];
  for (let b = 0; b < n; b++) for (let oy = 0; oy < outH; oy++) for (let ox = 0; ox < outW; ox++) for (let o = 0; o < oc; o++) {
    const group = Math.floor(o / (oc / groups));
    let sum = bias[o];
    for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) for (let i = 0; i < cg; i++) {
      const iy = oy * g.strides[0] + ky * g.dilations[0] - g.pads[0][0];
      const ix = ox * g.strides[1] + kx * g.dilations[1] - g.pads[1][0];
      if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
      sum += x[((b * h + iy) * wd + ix) * c + group * cg + i] * w[((ky * kw + kx) * cg + i) * oc + o];
    }
    out.push(sum);
  }
  return out;
}

/** The layer's budget on float inputs x (shape NHWC, or [rows, in] for dense), everything as MSE sums. */
export function errorBudgetReference(op: ReferenceOp, layer: IntegerLinearLayer, x: Float32Array, shape: number[],
  options: { rounding: RoundingProfile; accumulatorBits: number; profile: 'tflite-double' | 'tflite-single' | 'onnxruntime' }): ReferenceBudget {
  const wShape = layer.weightShape;
  const C = layer.weightScales.length;
  const sIn = layer.input.scale;
  const unit = (c: number) => sIn * layer.weightScales[c];
  const b = Array.from({ length: C }, (_, c) => (op.bias ? op.bias[c] : 0));
  const bq = Array.from({ length: C }, (_, c) => (layer.bias ? Number(layer.bias[c]) * unit(c) : 0));
  const wq = Array.from(layer.weights, (q, i) => q * layer.weightScales[i % C]);
  const inGrid = layer.input;
  const xCodes = Array.from(x, (v) => Math.min(inGrid.qmax, Math.max(inGrid.qmin, roundToGrid(v, sIn, options.rounding) + inGrid.zeroPoint)));
  const xq = xCodes.map((q) => (q - inGrid.zeroPoint) * sIn);
  const clipped = Array.from(x, (v) => {
    const r = roundToGrid(v, sIn, options.rounding) + inGrid.zeroPoint;
    return r < inGrid.qmin || r > inGrid.qmax;
  });
  const pre0 = convFloat(op, x, shape, op.weights, wShape, b);
  const y0 = pre0.map((v) => act(op.activation, v));
  const err = (pre: number[]) => pre.reduce((s, v, i) => s + (act(op.activation, v) - y0[i]) ** 2, 0);
  const weights = err(convFloat(op, x, shape, wq, wShape, b));
  const input = err(convFloat(op, xq, shape, op.weights, wShape, b));
  const inputClipping = err(convFloat(op, Array.from(x, (v, i) => (clipped[i] ? xq[i] : v)), shape, op.weights, wShape, b));
  const inputRounding = err(convFloat(op, Array.from(x, (v, i) => (clipped[i] ? v : xq[i])), shape, op.weights, wShape, b));
  const bias = err(convFloat(op, x, shape, op.weights, wShape, bq));
  const half = 2 ** (options.accumulatorBits - 1);
  const full = 2 * half;
  const accumulator = err(pre0.map((v, i) => {
    const u = v / unit(i % C);
    if (u >= -half && u < half) return v;
    const m = (u + half) - full * Math.floor((u + half) / full);
    return (m - half) * unit(i % C);
  }));
  const out = layer.output;
  const multiplier = (c: number) => {
    if (layer.requantize16) {
      const m = layer.requantize16.multiplier[c % layer.requantize16.multiplier.length];
      const reduced = m < 0x7fff0000 ? Number((BigInt(m) + (1n << 15n)) >> 16n) : 0x7fff;
      return reduced * 2 ** (layer.requantize16.shift[c % layer.requantize16.shift.length] - 15);
    }
    const r = layer.requantize!;
    if (r.profile === 'onnxruntime') throw new Error('multiplier: onnxruntime has a float scale');
    const at = (v: number | Int32Array) => (typeof v === 'number' ? v : v[c % v.length]);
    return at(r.multiplier) * 2 ** (at(r.shift) - 31);
  };
  const requantization = err(pre0.map((v, i) => {
    const c = i % C;
    const r = layer.requantize;
    if (r?.profile === 'onnxruntime') {
      const scale = typeof r.scale === 'number' ? r.scale : r.scale[c % r.scale.length];
      return Math.fround(Math.fround(v / unit(c)) * scale) * out.scale;
    }
    return v * multiplier(c) / (unit(c) / out.scale);
  }));
  let output = 0;
  let outputClipping = 0;
  y0.forEach((v) => {
    const r = roundToGrid(v, out.scale, options.rounding) + out.zeroPoint;
    const q = Math.min(out.qmax, Math.max(out.qmin, r));
    const e = ((q - out.zeroPoint) * out.scale - v) ** 2;
    output += e;
    if (q !== r) outputClipping += e;
  });
  // The fixed-point layer: exact BigInt sums, wrapped to the register, requantized by the BigInt references.
  const dense = op.kind === 'dense';
  const grouped = op.kind === 'depthwiseConv2d' ? depthwiseAsGrouped(layer.weights, [...wShape]) : null;
  const sums = convReferenceBig(xCodes, dense ? [x.length / wShape[0], 1, 1, wShape[0]] : shape, inGrid.zeroPoint,
    grouped ? grouped.w : layer.weights, dense ? [1, 1, wShape[0], wShape[1]] : grouped ? grouped.wShape : [...wShape],
    grouped ? shape[3] : 1, dense ? { strides: [1, 1], dilations: [1, 1], pads: [[0, 0], [0, 0]] } : geometry(op, shape, wShape),
    layer.bias ? Array.from(layer.bias as ArrayLike<number | bigint>, (v) => BigInt(v)) : undefined);
  let overflows = 0;
  let total = 0;
  sums.values.forEach((s, i) => {
    const c = i % C;
    const wrapped = BigInt.asIntN(options.accumulatorBits, s);
    if (wrapped !== s) overflows++;
    let code: number;
    if (layer.requantize16) {
      const { multiplier: m, shift, qmin, qmax } = layer.requantize16;
      code = Math.min(qmax, Math.max(qmin, mbqm64Ref(wrapped, m[c % m.length], shift[c % shift.length])));
    } else {
      const r = layer.requantize!;
      if (r.profile === 'onnxruntime') {
        code = mlasRef(Number(wrapped), typeof r.scale === 'number' ? r.scale : r.scale[c % r.scale.length], r.zeroPoint, r.qmin, r.qmax);
      } else {
        const at = (v: number | Int32Array) => (typeof v === 'number' ? v : v[c % v.length]);
        code = requantizeTfliteRef(Number(wrapped), at(r.multiplier), at(r.shift), r.profile === 'tflite-single', r.zeroPoint, r.qmin, r.qmax);
      }
    }
    total += ((code - out.zeroPoint) * out.scale - y0[i]) ** 2;
  });
  return {
    count: y0.length, total, weights, input, bias, accumulator, requantization, output, inputClipping, inputRounding,
    outputClipping, overflows,
  };
}
