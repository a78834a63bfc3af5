import { quantizeMultiplier } from '../../fixedpoint/quantizeMultiplier';
import { mbqmDouble, splitHigh, splitLow } from '../../fixedpoint/kernels';
import { requantize } from '../../fixedpoint/requantize';
import { addInt8 } from '../../integer/add_int8';
import { concatInt8 } from '../../integer/concat_int8';
import type { TensorQParams } from '../../qparams';
import { ROUND_MAGIC } from '../../rounding';
import { newCodes, sizeOf, type Codes } from './codes';
import type { IntegerProfile } from './linear_layer';

/**
 * Integer versions of the graph's non-linear-layer ops, on int8 codes. Each follows one runtime's kernel (named in
 * its comment); where TFLite and ONNX Runtime differ, `profile` picks which.
 */

/** `x` broadcast to `shape` (numpy rules, equal ranks after left-padding with 1). */
export function broadcastCodes(x: Codes, shape: readonly number[]): Codes {
  if (x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  const rank = shape.length;
  const from = [...Array(rank - x.shape.length).fill(1), ...x.shape];
  const strides = new Array<number>(rank);
  for (let d = rank - 1, s = 1; d >= 0; d--) {
    strides[d] = from[d] === 1 ? 0 : s;
    s *= from[d];
  }
  const out = newCodes(x.qp, sizeOf(shape));
  broadcastRows(x.data, out, shape, strides);
  return { data: out, shape, qp: x.qp };
}

// The element loops below are small functions of their own: a hot loop inside a large function is compiled on stack
// replacement, and the compiled code then deoptimizes on the function's colder code, call after call.

/** Row by row over the outer axes of `shape`; the innermost axis is a contiguous copy or one repeated code. */
function broadcastRows(xd: Int8Array | Int16Array, out: Int8Array | Int16Array, shape: readonly number[],
  strides: readonly number[]): void {
  const rank = shape.length;
  const inner = shape[rank - 1];
  const innerStride = strides[rank - 1];
  const rows = out.length / inner;
  const index = new Int32Array(rank - 1);
  for (let r = 0, o = 0; r < rows; r++, o += inner) {
    let src = 0;
    for (let d = 0; d < rank - 1; d++) src += index[d] * strides[d];
    if (innerStride === 0) out.fill(xd[src], o, o + inner);
    else if (inner < 64) for (let k = 0; k < inner; k++) out[o + k] = xd[src + k]; // cheaper than a subarray
    else out.set(xd.subarray(src, src + inner), o);
    for (let d = rank - 2; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
}

/** data[i] = clamp(nearbyint(fround(fround(ta[x − amin] · tb[y − bmin]) / so)) + zo, qmin, qmax) (QLinearMul). */
function mulOrtLoop(xd: Int8Array | Int16Array, yd: Int8Array | Int16Array, ta: Float32Array, tb: Float32Array,
  amin: number, bmin: number, so: number, zo: number, qmin: number, qmax: number, data: Int8Array | Int16Array): void {
  const f = Math.fround;
  for (let i = 0; i < data.length; i++) {
    const v = f(f(ta[xd[i] - amin] * tb[yd[i] - bmin]) / so);
    // nearbyint, ties to even (a |v| beyond 2^51 is far outside the clamp either way)
    const r = v + ROUND_MAGIC - ROUND_MAGIC + zo;
    data[i] = r < qmin ? qmin : r > qmax ? qmax : r;
  }
}

/** p[i] = (x[i] − za) · (y[i] − zb), exact. */
function productsLoop(xd: Int8Array | Int16Array, za: number, yd: Int8Array | Int16Array, zb: number, p: Int32Array):
  void {
  for (let i = 0; i < p.length; i++) p[i] = (xd[i] - za) * (yd[i] - zb);
}

/** The broadcast shape of two shapes (numpy rules); throws naming the node when they do not broadcast. */
export function broadcastShape(node: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const pa = [...Array(rank - a.length).fill(1), ...a];
  const pb = [...Array(rank - b.length).fill(1), ...b];
  return pa.map((d, i) => {
    if (d === pb[i] || pb[i] === 1) return d;
    if (d === 1) return pb[i];
    throw new Error(`integer executor: node '${node}' cannot broadcast shapes [${a.join(', ')}] and [${b.join(', ')}]`);
  });
}

/** TFLite's requirement for its int8 ADD: 2 · max(s_a, s_b) / (2^20 · s_out) < 1. */
export function tfliteAddSupported(a: TensorQParams, b: TensorQParams, out: TensorQParams): boolean {
  return 2 * Math.max(Math.fround(a.scale), Math.fround(b.scale)) / (2 ** 20 * Math.fround(out.scale)) < 1;
}

/**
 * Elementwise add with rescale through src/integer's addInt8 (TFLite's ADD or ORT's QLinearAdd), broadcasting.
 * Under 'onnxruntime' the add runs on uint8 codes (int8 + 128, zero points + 128), as ORT runs the QDQ export
 * (see exportQdqOnnx): QLinearAdd folds the zero points into a float offset, so the shift changes its rounding.
 */
export function addCodes(node: string, a: Codes, b: Codes, out: TensorQParams, profile: IntegerProfile): Codes {
  const shape = broadcastShape(node, a.shape, b.shape);
  const x = broadcastCodes(a, shape);
  const y = broadcastCodes(b, shape);
  if (profile !== 'onnxruntime') {
    const data = addInt8(x.data as Int8Array, x.qp, y.data as Int8Array, y.qp, out, { profile }) as Int8Array;
    return { data, shape, qp: out };
  }
  const shifted = (qp: TensorQParams) => ({ scale: qp.scale, zeroPoint: qp.zeroPoint + 128 });
  const sum = addInt8(toUint8(x.data), shifted(x.qp), toUint8(y.data), shifted(y.qp), shifted(out), { profile });
  const data = newCodes(out, sum.length);
  for (let i = 0; i < sum.length; i++) data[i] = sum[i] - 128;
  return { data, shape, qp: out };
}

/** int8 codes + 128 as uint8 (plain loop: a mapping `Uint8Array.from` is an order of magnitude slower). */
function toUint8(codes: Codes['data']): Uint8Array {
  const u = new Uint8Array(codes.length);
  for (let i = 0; i < u.length; i++) u[i] = codes[i] + 128;
  return u;
}

/**
 * Elementwise multiply (squeeze-excite), broadcasting:
 *   tflite-*     TFLite's int8 MUL (reference_integer_ops::MulElementwise): real = s_a · s_b / s_out in double,
 *                (m, shift) = QuantizeMultiplier(real), out = clamp(MBQM((a − z_a) · (b − z_b), m, shift) + z_out)
 *   onnxruntime  ORT's QLinearMul (MLAS qlmul): out = clamp(nearbyint(fround(fround(fround(s_a·(a − z_a)) ·
 *                fround(s_b·(b − z_b))) / s_out)) + z_out)
 */
export function mulCodes(node: string, a: Codes, b: Codes, out: TensorQParams, profile: IntegerProfile): Codes {
  const shape = broadcastShape(node, a.shape, b.shape);
  const x = broadcastCodes(a, shape);
  const y = broadcastCodes(b, shape);
  const data = newCodes(out, x.data.length);
  const { zeroPoint: zo, qmin, qmax } = out;
  const za = x.qp.zeroPoint;
  const zb = y.qp.zeroPoint;
  if (profile === 'onnxruntime') {
    const f = Math.fround;
    const so = f(out.scale);
    // fround(s · (q − z)) depends on one code: float32 tables over each input's code range.
    const ta = Float32Array.from({ length: x.qp.qmax - x.qp.qmin + 1 }, (_, k) => f(x.qp.scale) * (x.qp.qmin + k - za));
    const tb = Float32Array.from({ length: y.qp.qmax - y.qp.qmin + 1 }, (_, k) => f(y.qp.scale) * (y.qp.qmin + k - zb));
    mulOrtLoop(x.data, y.data, ta, tb, x.qp.qmin, y.qp.qmin, so, zo, qmin, qmax, data);
    return { data, shape, qp: out };
  }
  // The product of two codes is exact and small (|p| <= 65025); MBQM + zero point + clamp is requantize's TFLite
  // epilogue with one multiplier, so it runs there (WebAssembly for large tensors).
  const q = quantizeMultiplier(Math.fround(x.qp.scale) * Math.fround(y.qp.scale) / Math.fround(out.scale),
    { singleRounding: profile === 'tflite-single' });
  const p = new Int32Array(data.length);
  productsLoop(x.data, za, y.data, zb, p);
  if (q.shift <= 30) {
    requantize(p, { profile, multiplier: q.multiplier, shift: q.shift, zeroPoint: zo, qmin, qmax }, p);
    data.set(p);
    return { data, shape, qp: out };
  }
  // A real multiplier of 2^30 or more (double rounding only): the unchecked kernel saturates every nonzero product.
  const mh = splitHigh(q.multiplier);
  const ml = splitLow(q.multiplier);
  for (let i = 0; i < data.length; i++) {
    const r = mbqmDouble(p[i], mh, ml, 2 ** q.shift, 0) + zo;
    data[i] = r < qmin ? qmin : r > qmax ? qmax : r;
  }
  return { data, shape, qp: out };
}

/** Concatenation with each input requantized to the output grid (concatInt8: TFLite's or ORT's arithmetic). */
export function concatCodes(inputs: readonly Codes[], axis: number, out: TensorQParams, profile: IntegerProfile): Codes {
  const rank = inputs[0].shape.length;
  const a = axis < 0 ? rank + axis : axis;
  const r = concatInt8(inputs.map((x) => ({ data: x.data as Int8Array, shape: [...x.shape], scale: x.qp.scale,
    zeroPoint: x.qp.zeroPoint })), a, out, profile === 'onnxruntime' ? 'onnxruntime' : 'tflite');
  return { data: r.data as Int8Array, shape: r.shape, qp: out };
}

/** Zero padding of height and width with the zero point's code (a real 0), as TFLite's PAD and ORT's Pad do. */
export function padCodes(x: Codes, paddings: readonly [readonly [number, number], readonly [number, number]]): Codes {
  const [n, h, w, c] = x.shape;
  const [[top, bottom], [left, right]] = paddings;
  const oh = h + top + bottom;
  const ow = w + left + right;
  const data = newCodes(x.qp, n * oh * ow * c).fill(x.qp.zeroPoint);
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) {
    const src = ((b * h + y) * w) * c;
    const dst = ((b * oh + y + top) * ow + left) * c;
    data.set(x.data.subarray(src, src + w * c), dst);
  }
  return { data, shape: [n, oh, ow, c], qp: x.qp };
}

/** Transposition of the codes by `perm` (every axis, batch included). */
export function transposeCodes(x: Codes, perm: readonly number[]): Codes {
  const rank = x.shape.length;
  const shape = perm.map((p) => x.shape[p]);
  const inStrides = new Array<number>(rank);
  for (let d = rank - 1, s = 1; d >= 0; d--) { inStrides[d] = s; s *= x.shape[d]; }
  const strides = perm.map((p) => inStrides[p]);
  const data = newCodes(x.qp, x.data.length);
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < data.length; i++) {
    let src = 0;
    for (let d = 0; d < rank; d++) src += index[d] * strides[d];
    data[i] = x.data[src];
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return { data, shape, qp: x.qp };
}

/** The same codes under a new shape (flatten, reshape), checking the element count. */
export function reshapeCodes(node: string, x: Codes, shape: readonly number[]): Codes {
  const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const resolved = shape.map((d) => (d === -1 ? x.data.length / known : d));
  if (sizeOf(resolved) !== x.data.length || !resolved.every(Number.isInteger)) {
    throw new Error(`integer executor: node '${node}' reshapes [${x.shape.join(', ')}] to [${shape.join(', ')}], which holds a different number of elements`);
  }
  return { data: x.data, shape: resolved, qp: x.qp };
}

