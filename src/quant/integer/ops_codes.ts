import { quantizeMultiplier } from '../../fixedpoint/quantizeMultiplier';
import { mbqmDouble, mbqmSingle, splitHigh, splitLow } from '../../fixedpoint/kernels';
import { requantize } from '../../fixedpoint/requantize';
import { addInt8 } from '../../integer/add_int8';
import { concatInt8 } from '../../integer/concat_int8';
import { windowGeometry } from '../../integer/geometry';
import { averagePoolInt8, globalAveragePoolInt8, maxPoolInt8 } from '../../integer/pooling_int8';
import type { TensorQParams } from '../../qparams';
import { roundHalfToEven } from '../../rounding';
import { newCodes, sameGrid, sizeOf, type Codes } from './codes';
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
  // Row by row over the outer axes; the innermost axis is a contiguous copy or one repeated code.
  const inner = shape[rank - 1];
  const innerStride = strides[rank - 1];
  const rows = out.length / inner;
  const index = new Array<number>(rank - 1).fill(0);
  for (let r = 0, o = 0; r < rows; r++, o += inner) {
    let src = 0;
    for (let d = 0; d < rank - 1; d++) src += index[d] * strides[d];
    if (innerStride === 0) out.fill(x.data[src], o, o + inner);
    else out.set(x.data.subarray(src, src + inner), o);
    for (let d = rank - 2; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return { data: out, shape, qp: x.qp };
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

/** Elementwise add with rescale through src/integer's addInt8 (TFLite's ADD or ORT's QLinearAdd), broadcasting. */
export function addCodes(node: string, a: Codes, b: Codes, out: TensorQParams, profile: IntegerProfile): Codes {
  const shape = broadcastShape(node, a.shape, b.shape);
  const x = broadcastCodes(a, shape);
  const y = broadcastCodes(b, shape);
  const data = addInt8(x.data as Int8Array, x.qp, y.data as Int8Array, y.qp, out, { profile }) as Int8Array;
  return { data, shape, qp: out };
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
    const sa = f(x.qp.scale);
    const sb = f(y.qp.scale);
    const so = f(out.scale);
    for (let i = 0; i < data.length; i++) {
      const v = f(f(f(sa * (x.data[i] - za)) * f(sb * (y.data[i] - zb))) / so);
      const r = roundHalfToEven(v) + zo;
      data[i] = r < qmin ? qmin : r > qmax ? qmax : r;
    }
    return { data, shape, qp: out };
  }
  const single = profile === 'tflite-single';
  const q = quantizeMultiplier(Math.fround(x.qp.scale) * Math.fround(y.qp.scale) / Math.fround(out.scale),
    { singleRounding: single });
  const mh = splitHigh(q.multiplier);
  const ml = splitLow(q.multiplier);
  const left = 2 ** Math.max(q.shift, 0);
  const right = Math.max(-q.shift, 0);
  for (let i = 0; i < data.length; i++) {
    const p = (x.data[i] - za) * (y.data[i] - zb);
    const r = (single ? mbqmSingle(p, mh, ml, 31 - q.shift) : mbqmDouble(p, mh, ml, left, right)) + zo;
    data[i] = r < qmin ? qmin : r > qmax ? qmax : r;
  }
  return { data, shape, qp: out };
}

/** MAX_POOL_2D on codes (maxPoolInt8); the output keeps the input's grid, as in every runtime. */
export function maxPoolCodes(x: Codes, poolSize: readonly [number, number], strides: readonly [number, number],
  padding: 'same' | 'valid'): Codes {
  const g = windowGeometry('maxPool', x.shape, [poolSize[0], poolSize[1]], [strides[0], strides[1]], 1, padding);
  const data = maxPoolInt8(x.data as Int8Array, x.shape, [poolSize[0], poolSize[1]], { strides: [strides[0], strides[1]], padding }) as Int8Array;
  return { data, shape: [g.batch, g.outHeight, g.outWidth, g.channels], qp: x.qp };
}

/**
 * AVERAGE_POOL_2D over the in-bounds taps (TF's 'same' divides by the taps inside the image):
 *   same grid, tflite-*   TFLite's integer AveragePool (averagePoolInt8): rounded mean of the codes
 *   other grids, tflite-* (TFLite's converter never produces this: it gives AVERAGE_POOL_2D equal grids) one
 *                          fixed-point requantization of the window sum s = Σ(x − z_in) over n taps:
 *                          out = MBQM(s, QuantizeMultiplier(s_in / (s_out · n))) + z_out, in double as TFLite derives
 *                          its multipliers (one rounding, unlike MEAN's multiply-then-divide)
 *   onnxruntime           ORT's QLinearAveragePool, in float: mean = fround(Σ fround(s_in · (x − z_in)) / n),
 *                          out = nearbyint(fround(mean / s_out)) + z_out
 */
export function avgPoolCodes(x: Codes, poolSize: readonly [number, number], strides: readonly [number, number],
  padding: 'same' | 'valid', out: TensorQParams, profile: IntegerProfile): Codes {
  const g = windowGeometry('avgPool', x.shape, [poolSize[0], poolSize[1]], [strides[0], strides[1]], 1, padding);
  const shape = [g.batch, g.outHeight, g.outWidth, g.channels];
  if (profile !== 'onnxruntime' && sameGrid(x.qp, out)) {
    const data = averagePoolInt8(x.data as Int8Array, x.shape, [poolSize[0], poolSize[1]],
      { strides: [strides[0], strides[1]], padding }) as Int8Array;
    return { data, shape, qp: out };
  }
  const f = Math.fround;
  const sIn = f(x.qp.scale);
  const sOut = f(out.scale);
  const zIn = x.qp.zeroPoint;
  const single = profile === 'tflite-single';
  const multipliers = new Map<number, { mh: number; ml: number; shift: number }>();
  const multiplierFor = (n: number) => {
    let m = multipliers.get(n);
    if (!m) {
      const q = quantizeMultiplier(sIn / (sOut * n), { singleRounding: single });
      m = { mh: splitHigh(q.multiplier), ml: splitLow(q.multiplier), shift: q.shift };
      multipliers.set(n, m);
    }
    return m;
  };
  const data = newCodes(out, sizeOf(shape));
  const c = g.channels;
  let o = 0;
  for (let n = 0; n < g.batch; n++) for (let oy = 0; oy < g.outHeight; oy++) for (let ox = 0; ox < g.outWidth; ox++) {
    for (let ch = 0; ch < c; ch++) {
      let sum = 0;
      let fsum = 0;
      let taps = 0;
      for (let ky = 0; ky < poolSize[0]; ky++) {
        const iy = oy * g.strideHeight - g.padTop + ky;
        if (iy < 0 || iy >= g.inHeight) continue;
        for (let kx = 0; kx < poolSize[1]; kx++) {
          const ix = ox * g.strideWidth - g.padLeft + kx;
          if (ix < 0 || ix >= g.inWidth) continue;
          const v = x.data[((n * g.inHeight + iy) * g.inWidth + ix) * c + ch] - zIn;
          sum += v;
          fsum = f(fsum + f(sIn * v));
          taps++;
        }
      }
      let r: number;
      if (profile === 'onnxruntime') {
        r = roundHalfToEven(f(f(fsum / taps) / sOut));
      } else {
        const { mh, ml, shift } = multiplierFor(taps);
        r = single ? mbqmSingle(sum, mh, ml, 31 - shift)
          : mbqmDouble(sum, mh, ml, 2 ** Math.max(shift, 0), Math.max(-shift, 0));
      }
      r += out.zeroPoint;
      data[o++] = r < out.qmin ? out.qmin : r > out.qmax ? out.qmax : r;
    }
  }
  return { data, shape, qp: out };
}

/**
 * Global average pooling over height and width:
 *   tflite-*     TFLite's int8 MEAN (globalAveragePoolInt8)
 *   onnxruntime  ORT's QLinearGlobalAveragePool (MlasQLinearGlobalAveragePoolNhwc): acc = Σ(x − z_in),
 *                scale = fround(s_in / fround(s_out · n)), out = MLAS requantization of acc (ties to even)
 */
export function globalAvgPoolCodes(x: Codes, keepDims: boolean, out: TensorQParams, profile: IntegerProfile): Codes {
  const [batch, h, w, c] = x.shape;
  const shape = keepDims ? [batch, 1, 1, c] : [batch, c];
  if (profile !== 'onnxruntime') {
    const data = globalAveragePoolInt8(x.data as Int8Array, x.shape, x.qp, out, profile);
    return { data, shape, qp: out };
  }
  const n = h * w;
  const acc = new Int32Array(batch * c);
  for (let b = 0; b < batch; b++) for (let p = 0; p < n; p++) for (let ch = 0; ch < c; ch++) {
    acc[b * c + ch] += x.data[(b * n + p) * c + ch] - x.qp.zeroPoint;
  }
  const scale = Math.fround(Math.fround(x.qp.scale) / Math.fround(Math.fround(out.scale) * n));
  const q = requantize(acc, { profile: 'onnxruntime', scale, zeroPoint: out.zeroPoint, qmin: out.qmin, qmax: out.qmax });
  const data = newCodes(out, q.length);
  data.set(q);
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

