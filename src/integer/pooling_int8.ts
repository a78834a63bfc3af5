import { check } from '../errors';
import { quantizeMultiplier } from '../fixedpoint/quantizeMultiplier';
import { mbqmDouble, mbqmSingle, splitHigh, splitLow } from '../fixedpoint/kernels';
import { checkActivationCodes, checkLength, checkShape, checkZeroPoint, codeRange, type ActivationCodes } from './checks';
import { windowGeometry, type Padding, type Pair } from './geometry';

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
  options: PoolInt8Options, reduce: (codes: ActivationCodes, indices: number[]) => number): ActivationCodes {
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
  const indices: number[] = [];
  let o = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let oy = 0; oy < g.outHeight; oy++) {
      for (let ox = 0; ox < g.outWidth; ox++) {
        for (let ch = 0; ch < c; ch++) {
          indices.length = 0;
          for (let ky = 0; ky < filter[0]; ky++) {
            const iy = oy * g.strideHeight - g.padTop + ky;
            if (iy < 0 || iy >= g.inHeight) continue;
            for (let kx = 0; kx < filter[1]; kx++) {
              const ix = ox * g.strideWidth - g.padLeft + kx;
              if (ix >= 0 && ix < g.inWidth) indices.push(((n * g.inHeight + iy) * g.inWidth + ix) * c + ch);
            }
          }
          const y = reduce(input, indices);
          out[o++] = y < qmin ? qmin : y > qmax ? qmax : y;
        }
      }
    }
  }
  return out;
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
  return pool('averagePoolInt8', input, inputShape, filterSize, options, (x, idx) => {
    let acc = 0;
    for (const i of idx) acc += x[i];
    const n = idx.length;
    const half = Math.floor(n / 2);
    return Math.trunc(acc > 0 ? (acc + half) / n : (acc - half) / n);
  });
}

/** TFLite's integer MAX_POOL_2D: the largest in-bounds code of each window, clamped to [qmin, qmax]. */
export function maxPoolInt8(input: ActivationCodes, inputShape: readonly number[],
  filterSize: readonly [number, number], options: PoolInt8Options = {}): ActivationCodes {
  return pool('maxPoolInt8', input, inputShape, filterSize, options, (x, idx) => {
    let m = -Infinity;
    for (const i of idx) if (x[i] > m) m = x[i];
    return m;
  });
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
  for (let b = 0; b < batch; b++) {
    for (let ch = 0; ch < c; ch++) {
      let acc = 0;
      for (let p = 0; p < n; p++) acc += input[(b * n + p) * c + ch] - inputQuant.zeroPoint;
      acc = single ? mbqmSingle(acc, mh, ml, 31 - q.shift)
        : mbqmDouble(acc, mh, ml, 2 ** Math.max(q.shift, 0), Math.max(-q.shift, 0));
      acc = Math.trunc(acc > 0 ? (acc + half) / n : (acc - half) / n) + outputQuant.zeroPoint;
      out[b * c + ch] = acc < -128 ? -128 : acc > 127 ? 127 : acc;
    }
  }
  return out;
}
