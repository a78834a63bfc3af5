import { mbqmDouble, mbqmSingle, splitHigh, splitLow } from '../../fixedpoint/kernels';
import { quantizeMultiplier } from '../../fixedpoint/quantizeMultiplier';
import { requantize } from '../../fixedpoint/requantize';
import { windowGeometry, type WindowGeometry } from '../../integer/geometry';
import { averagePoolInt8, globalAveragePoolInt8, maxPoolInt8 } from '../../integer/pooling_int8';
import type { TensorQParams } from '../../qparams';
import { roundHalfToEven } from '../../rounding';
import { newCodes, sameGrid, sizeOf, type Codes } from './codes';
import type { IntegerProfile } from './linear_layer';

/** Pooling on int8 codes for the integer executor, following TFLite's or ONNX Runtime's kernels (`profile`). */

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
  const data = newCodes(out, sizeOf(shape));
  const c = g.channels;
  const ort = profile === 'onnxruntime';
  // Sums per output pixel and channel, over the window's taps in (ky, kx) order (the float32 sums keep that order
  // channel by channel), then one requantization per element; fround(s_in · (q − z_in)) is a table over the codes.
  const qmin = x.qp.qmin;
  const scaled = Float32Array.from({ length: x.qp.qmax - qmin + 1 }, (_, k) => sIn * (qmin + k - zIn));
  const pixels = g.batch * g.outHeight * g.outWidth;
  const sums = ort ? new Float32Array(pixels * c) : new Int32Array(pixels * c);
  const taps = new Int32Array(pixels);
  windowSums(x.data, g, poolSize, ort ? scaled : null, qmin, zIn, sums, taps);
  if (ort) {
    avgOrtLoop(sums as Float32Array, taps, c, sOut, out, data);
  } else {
    const multipliers = Array.from({ length: poolSize[0] * poolSize[1] + 1 }, (_, n) => (n === 0 ? null
      : quantizeMultiplier(sIn / (sOut * n), { singleRounding: single })));
    avgTfliteLoop(sums as Int32Array, taps, c, multipliers, single, out, data);
  }
  return { data, shape, qp: out };
}

/** Per output pixel: the number of in-bounds taps, and per channel Σ (x − z_in) or the float32 Σ table[x − qmin]. */
function windowSums(xd: Int8Array | Int16Array, g: WindowGeometry, poolSize: readonly [number, number],
  table: Float32Array | null, qmin: number, zIn: number, sums: Int32Array | Float32Array, taps: Int32Array): void {
  const c = g.channels;
  let pixel = 0;
  for (let n = 0; n < g.batch; n++) for (let oy = 0; oy < g.outHeight; oy++) for (let ox = 0; ox < g.outWidth; ox++) {
    const o = pixel * c;
    let count = 0;
    for (let ky = 0; ky < poolSize[0]; ky++) {
      const iy = oy * g.strideHeight - g.padTop + ky;
      if (iy < 0 || iy >= g.inHeight) continue;
      for (let kx = 0; kx < poolSize[1]; kx++) {
        const ix = ox * g.strideWidth - g.padLeft + kx;
        if (ix < 0 || ix >= g.inWidth) continue;
        const p = ((n * g.inHeight + iy) * g.inWidth + ix) * c;
        if (table) for (let ch = 0; ch < c; ch++) sums[o + ch] += table[xd[p + ch] - qmin];
        else for (let ch = 0; ch < c; ch++) sums[o + ch] += xd[p + ch] - zIn;
        count++;
      }
    }
    taps[pixel++] = count;
  }
}

/** QLinearAveragePool's float epilogue: nearbyint(fround(fround(sum / taps) / s_out)) + z_out, clamped. */
function avgOrtLoop(sums: Float32Array, taps: Int32Array, c: number, sOut: number, out: TensorQParams,
  data: Int8Array | Int16Array): void {
  const f = Math.fround;
  const { zeroPoint: zOut, qmin: lo, qmax: hi } = out;
  for (let i = 0, pixel = 0; pixel < taps.length; pixel++) {
    const n = taps[pixel];
    for (let ch = 0; ch < c; ch++, i++) {
      const r = roundHalfToEven(f(f(sums[i] / n) / sOut)) + zOut;
      data[i] = r < lo ? lo : r > hi ? hi : r;
    }
  }
}

/** One fixed-point requantization of each window sum with the multiplier of its tap count. */
function avgTfliteLoop(sums: Int32Array, taps: Int32Array, c: number,
  multipliers: Array<{ multiplier: number; shift: number } | null>, single: boolean, out: TensorQParams,
  data: Int8Array | Int16Array): void {
  const { zeroPoint: zOut, qmin: lo, qmax: hi } = out;
  for (let i = 0, pixel = 0; pixel < taps.length; pixel++) {
    const m = multipliers[taps[pixel]]!;
    const mh = splitHigh(m.multiplier);
    const ml = splitLow(m.multiplier);
    const left = 2 ** Math.max(m.shift, 0);
    const right = Math.max(-m.shift, 0);
    for (let ch = 0; ch < c; ch++, i++) {
      const r = (single ? mbqmSingle(sums[i], mh, ml, 31 - m.shift) : mbqmDouble(sums[i], mh, ml, left, right)) + zOut;
      data[i] = r < lo ? lo : r > hi ? hi : r;
    }
  }
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
  const xd = x.data;
  const zIn = x.qp.zeroPoint;
  for (let b = 0; b < batch; b++) for (let p = 0; p < n; p++) for (let ch = 0; ch < c; ch++) {
    acc[b * c + ch] += xd[(b * n + p) * c + ch] - zIn;
  }
  const scale = Math.fround(Math.fround(x.qp.scale) / Math.fround(Math.fround(out.scale) * n));
  const q = requantize(acc, { profile: 'onnxruntime', scale, zeroPoint: out.zeroPoint, qmin: out.qmin, qmax: out.qmax });
  const data = newCodes(out, q.length);
  data.set(q);
  return { data, shape, qp: out };
}
