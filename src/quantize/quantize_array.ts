import { check, QuantscopeArgumentError } from '../errors';
import { validateQParams, type QParams } from '../qparams';
import { roundingProfiles, roundToGrid, type RoundingProfile } from '../rounding';
import { channelLayout, type ChannelLayout } from './layout';

/** Options shared by the typed-array quantizers. */
export interface ArrayQuantizeOptions {
  /** Row-major shape of the data; required for per-axis parameters. */
  readonly shape?: readonly number[];
  /** Which runtime's rounding to reproduce; default 'tflite'. */
  readonly rounding?: RoundingProfile;
}

/**
 * Integer codes q = clamp(round(x / scale) + zeroPoint, qmin, qmax), the rounding and float32 arithmetic of
 * `options.rounding` (see {@link RoundingProfile}). NaN and +-Inf throw, naming the first index: a runtime would
 * turn them into an arbitrary code and hide the bug upstream. Empty input gives empty output.
 */
export function quantizeArray(x: Float32Array, qp: QParams, options: ArrayQuantizeOptions = {}): Int32Array {
  const out = new Int32Array(x.length);
  forEachCode('quantizeArray', x, qp, options, (i, q) => { out[i] = q; });
  return out;
}

/** Real values scale * (q - zeroPoint), rounded to float32. Codes outside [qmin, qmax] throw. */
export function dequantizeArray(q: Int32Array, qp: QParams, options: { readonly shape?: readonly number[] } = {}): Float32Array {
  const fn = 'dequantizeArray';
  validateQParams(fn, 'qparams', qp);
  const out = new Float32Array(q.length);
  forEachElement(channelLayout(fn, q.length, qp, options.shape), qp, (i, scale, zeroPoint) => {
    const v = q[i];
    if (v < qp.qmin || v > qp.qmax) {
      throw new QuantscopeArgumentError(fn, 'q', q, `codes in ${qp.qmin}..${qp.qmax}, found ${v} at index ${i}`);
    }
    out[i] = (v - zeroPoint) * scale;
  });
  return out;
}

/**
 * dequantize(quantize(x)) without materialising the codes: the float32 values a quantized runtime would see.
 * Inside [scale * (qmin - zeroPoint), scale * (qmax - zeroPoint)] the result is within scale / 2 of x.
 */
export function fakeQuantizeArray(x: Float32Array, qp: QParams, options: ArrayQuantizeOptions = {}): Float32Array {
  const out = new Float32Array(x.length);
  forEachCode('fakeQuantizeArray', x, qp, options, (i, q, scale, zeroPoint) => { out[i] = (q - zeroPoint) * scale; });
  return out;
}

function forEachCode(
  fn: string,
  x: Float32Array,
  qp: QParams,
  options: ArrayQuantizeOptions,
  emit: (i: number, q: number, scale: number, zeroPoint: number) => void,
): void {
  validateQParams(fn, 'qparams', qp);
  const rounding = options.rounding ?? 'tflite';
  check(roundingProfiles.includes(rounding), fn, 'options.rounding', rounding, `one of ${roundingProfiles.join(', ')}`);
  const { qmin, qmax } = qp;
  forEachElement(channelLayout(fn, x.length, qp, options.shape), qp, (i, scale, zeroPoint) => {
    const v = x[i];
    if (v - v !== 0) throw new QuantscopeArgumentError(fn, 'x', x, `finite values, found ${v} at index ${i}`);
    const q = roundToGrid(v, scale, rounding) + zeroPoint;
    emit(i, q < qmin ? qmin : q > qmax ? qmax : q, scale, zeroPoint);
  });
}

/** Visits every flat index with the scale and zero point of its channel. */
function forEachElement(layout: ChannelLayout, qp: QParams, visit: (i: number, scale: number, zeroPoint: number) => void): void {
  let i = 0;
  for (let o = 0; o < layout.outer; o++) {
    for (let c = 0; c < layout.channels; c++) {
      const scale = qp.kind === 'per-tensor' ? qp.scale : qp.scale[c];
      const zeroPoint = qp.kind === 'per-tensor' ? qp.zeroPoint : qp.zeroPoint[c];
      for (const end = i + layout.inner; i < end; i++) visit(i, scale, zeroPoint);
    }
  }
}
