import { check } from '../errors';
import { quantizeMultiplier } from '../fixedpoint/quantizeMultiplier';
import { mbqmDouble, mbqmSingle, splitHigh, splitLow } from '../fixedpoint/kernels';
import { checkActivationCodes, checkLength, checkShape, checkZeroPoint, codeRange, type ActivationCodes } from './checks';
import { windowGeometry, type Padding, type Pair, type WindowGeometry } from './geometry';

/** Options of {@link averagePoolInt8} and {@link maxPoolInt8}. */
export interface PoolInt8Options {
  readonly strides?: Pair;
  /** Default 'valid'. Padded taps are left out of the window (TFLite), not counted as zero. */
  readonly padding?: Padding;
  /** Output clamp (fused activation) inside the code type; default the type's range. */
  readonly qmin?: number;
  readonly qmax?: number;
}

function pool(fn: string, input: ActivationCodes, inputShape: readonly number[], filter: readonly [number, number],
  options: PoolInt8Options, mode: 'average' | 'max'): ActivationCodes {
  checkActivationCodes(fn, 'input', input);
  checkShape(fn, 'inputShape', inputShape, 4, '[batch, height, width, channels]');
  checkLength(fn, 'input', input, inputShape);
  const { qmin: lo, qmax: hi } = codeRange(input);
  const qmin = options.qmin ?? lo;
  const qmax = options.qmax ?? hi;
  check(Number.isInteger(qmin) && Number.isInteger(qmax) && lo <= qmin && qmin <= qmax && qmax <= hi, fn,
    'options.qmin', qmin, `integers with ${lo} <= qmin <= qmax <= ${hi} (qmax ${qmax})`);
  check(Array.isArray(filter) && filter.length === 2 && filter.every((k) => Number.isInteger(k) && k > 0), fn,
    'filterSize', filter, '[height, width] of positive integers');
  const g = windowGeometry(fn, inputShape, [filter[0], filter[1]], options.strides, 1, options.padding);
  const c = g.channels;
  const out = input instanceof Int8Array ? new Int8Array(g.batch * g.outHeight * g.outWidth * c)
    : new Uint8Array(g.batch * g.outHeight * g.outWidth * c);
  poolLoops(input, g, filter, mode === 'average', qmin, qmax, out);
  return out;
}

/**
 * The pooling loops of {@link pool} (a function of its own so they are compiled as such): per output pixel, the
 * window's in-bounds rectangle [y0, y1) × [x0, x1), reduced pixel by pixel into one value per channel (the channels
 * of a pixel are contiguous), then finished per channel.
 */
function poolLoops(input: ActivationCodes, g: WindowGeometry, filter: readonly [number, number], average: boolean,
  qmin: number, qmax: number, out: ActivationCodes): void {
  const c = g.channels;
  const acc = new Int32Array(c);
  const rowStride = g.inWidth * c;
  let o = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let oy = 0; oy < g.outHeight; oy++) {
      const top = oy * g.strideHeight - g.padTop;
      const y0 = Math.max(top, 0);
      const y1 = Math.min(top + filter[0], g.inHeight);
      for (let ox = 0; ox < g.outWidth; ox++) {
        const left = ox * g.strideWidth - g.padLeft;
        const x0 = Math.max(left, 0);
        const x1 = Math.min(left + filter[1], g.inWidth);
        const count = Math.max(y1 - y0, 0) * Math.max(x1 - x0, 0);
        if (count === 0) {
          // An all-padding window (explicit padding only): the mean is 0/0, stored as 0; the max of nothing clamps to qmin.
          out.fill(average ? 0 : qmin, o, o + c);
          o += c;
          continue;
        }
        acc.fill(average ? 0 : -2147483648);
        for (let iy = y0; iy < y1; iy++) {
          for (let ix = x0; ix < x1; ix++) {
            const p = (n * g.inHeight + iy) * rowStride + ix * c;
            if (average) for (let ch = 0; ch < c; ch++) acc[ch] += input[p + ch];
            else for (let ch = 0; ch < c; ch++) if (input[p + ch] > acc[ch]) acc[ch] = input[p + ch];
          }
        }
        const half = Math.floor(count / 2);
        for (let ch = 0; ch < c; ch++) {
          const a = acc[ch];
          const y = average ? Math.trunc(a > 0 ? (a + half) / count : (a - half) / count) : a;
          out[o++] = y < qmin ? qmin : y > qmax ? qmax : y;
        }
      }
    }
  }
}

/**
 * TFLite's integer AVERAGE_POOL_2D (reference_integer_ops::AveragePool): the codes themselves are averaged (input
 * and output share scale and zero point), over the in-bounds taps only, with C's rounding:
 *   acc = Σ codes;  n = number of in-bounds taps
 *   avg = acc > 0 ? trunc((acc + floor(n/2)) / n) : trunc((acc − floor(n/2)) / n)     (half away from zero)
 *   out = clamp(avg, qmin, qmax)
 * filterSize is [height, width]. Throws on bad shapes, clamps or geometry. Returns a new array of the input's type.
 */
export function averagePoolInt8(input: ActivationCodes, inputShape: readonly number[],
  filterSize: readonly [number, number], options: PoolInt8Options = {}): ActivationCodes {
  return pool('averagePoolInt8', input, inputShape, filterSize, options, 'average');
}

/** TFLite's integer MAX_POOL_2D: the largest in-bounds code of each window, clamped to [qmin, qmax]. */
export function maxPoolInt8(input: ActivationCodes, inputShape: readonly number[],
  filterSize: readonly [number, number], options: PoolInt8Options = {}): ActivationCodes {
  return pool('maxPoolInt8', input, inputShape, filterSize, options, 'max');
}

/**
 * TFLite's int8 global average pooling, the MEAN op over height and width (reference_integer_ops::Mean, with
 * reduce.cc's multiplier from double(inputScale) / double(outputScale) through QuantizeMultiplier):
 *   acc = Σ_{h, w} (x − zIn)
 *   acc = MBQM(acc, multiplier, shift)                          double- or single-rounding build
 *   acc = acc > 0 ? trunc((acc + floor(n/2)) / n) : trunc((acc − floor(n/2)) / n),   n = H · W
 *   out = clamp(acc + zOut, −128, 127)
 * Returns Int8Array [batch, channels]. int8 only (TFLite's kernel is int8). Throws on bad shapes, scales or zero points.
 */
export function globalAveragePoolInt8(input: Int8Array, inputShape: readonly number[],
  inputQuant: { scale: number; zeroPoint: number }, outputQuant: { scale: number; zeroPoint: number },
  profile: 'tflite-double' | 'tflite-single' = 'tflite-double'): Int8Array {
  const fn = 'globalAveragePoolInt8';
  check(input instanceof Int8Array, fn, 'input', input, 'an Int8Array of codes');
  checkShape(fn, 'inputShape', inputShape, 4, '[batch, height, width, channels]');
  checkLength(fn, 'input', input, inputShape);
  checkZeroPoint(fn, 'inputQuant.zeroPoint', inputQuant.zeroPoint, input);
  checkZeroPoint(fn, 'outputQuant.zeroPoint', outputQuant.zeroPoint, input);
  for (const [arg, s] of [['inputQuant.scale', inputQuant.scale], ['outputQuant.scale', outputQuant.scale]] as const) {
    check(Number.isFinite(s) && s > 0, fn, arg, s, 'a positive finite number');
  }
  check(profile === 'tflite-double' || profile === 'tflite-single', fn, 'profile', profile,
    "'tflite-double' or 'tflite-single'");
  const single = profile === 'tflite-single';
  const q = quantizeMultiplier(Math.fround(inputQuant.scale) / Math.fround(outputQuant.scale), { singleRounding: single });
  check(q.shift <= 30, fn, 'outputQuant.scale', outputQuant.scale, 'a scale giving an input/output ratio below 2^30');
  const mh = splitHigh(q.multiplier);
  const ml = splitLow(q.multiplier);
  const [batch, h, w, c] = inputShape;
  const n = h * w;
  const half = Math.floor(n / 2);
  const out = new Int8Array(batch * c);
  const zIn = inputQuant.zeroPoint;
  const sums = new Int32Array(c);
  for (let b = 0; b < batch; b++) {
    sums.fill(0);
    for (let p = 0; p < n; p++) {
      const base = (b * n + p) * c;
      for (let ch = 0; ch < c; ch++) sums[ch] += input[base + ch];
    }
    for (let ch = 0; ch < c; ch++) {
      let acc = sums[ch] - n * zIn; // Σ (x − zIn), exact while H · W < 2^24 (int32 sums of int8 codes)
      acc = single ? mbqmSingle(acc, mh, ml, 31 - q.shift)
        : mbqmDouble(acc, mh, ml, 2 ** Math.max(q.shift, 0), Math.max(-q.shift, 0));
      acc = Math.trunc(acc > 0 ? (acc + half) / n : (acc - half) / n) + outputQuant.zeroPoint;
      out[b * c + ch] = acc < -128 ? -128 : acc > 127 ? 127 : acc;
    }
  }
  return out;
}
