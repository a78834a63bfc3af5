import { check, checkFinite, QuantscopeArgumentError } from './errors';
import type { ChannelRanges, Range } from './range';
import { roundHalfToEven } from './rounding';
import { quantRange, type IntScheme } from './scheme';

/** One scale and zero point for a whole tensor. `scale` is a float32 value, as every runtime stores it. */
export interface TensorQParams {
  readonly kind: 'per-tensor';
  readonly scale: number;
  readonly zeroPoint: number;
  readonly qmin: number;
  readonly qmax: number;
}

/** One scale and zero point per slice of the tensor along `axis`. */
export interface AxisQParams {
  readonly kind: 'per-axis';
  readonly axis: number;
  readonly scale: Float32Array;
  readonly zeroPoint: Int32Array;
  readonly qmin: number;
  readonly qmax: number;
}

export type QParams = TensorQParams | AxisQParams;

/**
 * Scale and zero point for one range under an integer scheme. The range is first widened to contain 0, so 0 is
 * exactly representable (it maps to the integer zeroPoint):
 *   lo = min(min, 0), hi = max(max, 0)
 *   symmetric:  scale = max(-lo, hi) / ((qmax - qmin) / 2), zeroPoint = ceil((qmin + qmax) / 2)
 *   asymmetric: scale = (hi - lo) / (qmax - qmin),          zeroPoint = clamp(qmin - round(lo / scale), qmin, qmax)
 * with every step in float32 and round half to even (the arithmetic of PyTorch's observers and ONNX Runtime's
 * quantizer). Edge cases: min == max == 0 gives scale 1 (nothing to resolve; 0 stays exact); NaN, Inf and min > max
 * throw; a range so small or large that the float32 scale would underflow to 0 or overflow to Inf throws.
 * Unlike PyTorch, the scale is not floored at float32 epsilon: tiny ranges keep their resolution.
 */
export function qparamsFromRange(range: Range, scheme: IntScheme): TensorQParams {
  const { scale, zeroPoint } = scaleAndZeroPoint('qparamsFromRange', 'range', range.min, range.max, scheme);
  const { qmin, qmax } = quantRange(scheme);
  return { kind: 'per-tensor', scale, zeroPoint, qmin, qmax };
}

/** {@link qparamsFromRange} for each channel of per-channel ranges; the formula and edge cases are the same. */
export function qparamsFromChannelRanges(ranges: ChannelRanges, scheme: IntScheme): AxisQParams {
  const fn = 'qparamsFromChannelRanges';
  check(ranges.min.length === ranges.max.length && ranges.min.length > 0, fn, 'ranges', ranges.min,
    `min and max of the same non-zero length (max has ${ranges.max.length})`);
  const n = ranges.min.length;
  const scale = new Float32Array(n);
  const zeroPoint = new Int32Array(n);
  for (let c = 0; c < n; c++) {
    const qp = scaleAndZeroPoint(fn, `ranges[${c}]`, ranges.min[c], ranges.max[c], scheme);
    scale[c] = qp.scale;
    zeroPoint[c] = qp.zeroPoint;
  }
  const { qmin, qmax } = quantRange(scheme);
  return { kind: 'per-axis', axis: ranges.axis, scale, zeroPoint, qmin, qmax };
}

/** Checks user-built quantization parameters (positive finite float32 scales, zero points inside [qmin, qmax]). */
export function validateQParams(fn: string, arg: string, qp: QParams): void {
  check(Number.isInteger(qp.qmin) && Number.isInteger(qp.qmax) && qp.qmin < qp.qmax, fn, `${arg}.qmin`, qp.qmin,
    `integers qmin < qmax (qmax is ${qp.qmax})`);
  const scales = qp.kind === 'per-tensor' ? [qp.scale] : qp.scale;
  const zeroPoints = qp.kind === 'per-tensor' ? [qp.zeroPoint] : qp.zeroPoint;
  check(scales.length === zeroPoints.length && scales.length > 0, fn, `${arg}.zeroPoint`, zeroPoints,
    `one zero point per scale (${scales.length} scales)`);
  for (let i = 0; i < scales.length; i++) {
    const s = scales[i];
    check(Number.isFinite(s) && s > 0, fn, `${arg}.scale[${i}]`, s, 'a positive finite number');
    const z = zeroPoints[i];
    check(Number.isInteger(z) && z >= qp.qmin && z <= qp.qmax, fn, `${arg}.zeroPoint[${i}]`, z,
      `an integer in ${qp.qmin}..${qp.qmax}`);
  }
}

function scaleAndZeroPoint(fn: string, arg: string, min: number, max: number, scheme: IntScheme) {
  checkFinite(fn, `${arg}.min`, min);
  checkFinite(fn, `${arg}.max`, max);
  check(min <= max, fn, arg, `[${min}, ${max}]`, 'min <= max');
  const { qmin, qmax } = quantRange(scheme);
  const lo = Math.fround(Math.min(min, 0));
  const hi = Math.fround(Math.max(max, 0));
  if (lo === 0 && hi === 0) {
    return { scale: 1, zeroPoint: scheme.symmetric ? midCode(qmin, qmax) : qmin };
  }
  let scale: number;
  let zeroPoint: number;
  if (scheme.symmetric) {
    scale = Math.fround(Math.max(-lo, hi) / Math.fround((qmax - qmin) / 2));
    zeroPoint = midCode(qmin, qmax);
  } else {
    scale = Math.fround(Math.fround(hi - lo) / (qmax - qmin));
    zeroPoint = Math.min(qmax, Math.max(qmin, qmin - roundHalfToEven(Math.fround(lo / scale))));
  }
  if (!(scale > 0 && Number.isFinite(scale))) {
    throw new QuantscopeArgumentError(fn, arg, `[${min}, ${max}]`,
      `a range whose float32 scale is positive and finite (got ${scale})`);
  }
  return { scale, zeroPoint };
}

/** The middle code ceil((qmin + qmax) / 2), normalised so the signed case gives 0 rather than -0. */
function midCode(qmin: number, qmax: number): number {
  return Math.ceil((qmin + qmax) / 2) + 0;
}
