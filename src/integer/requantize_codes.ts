import { check } from '../errors';
import { requantize, type RequantizeParams } from '../fixedpoint/requantize';

/** The code types of a requantized int8 path. */
export type CodeType = 'int8' | 'uint8';

/** A fused activation that TFLite and ONNX Runtime apply as a clamp of the output codes. */
export type FusedActivation = 'none' | 'relu' | 'relu6';

/** Rounding used to place 6.0 on the output grid: TFLite's TfLiteRound (half away) or ONNX's QuantizeLinear (half even). */
export type ActivationRounding = 'tflite' | 'onnxruntime';

/**
 * The clamp [qmin, qmax] of a fused activation on the output grid (TFLite's CalculateActivationRangeQuantized):
 *
 *   'none'   [typeMin, typeMax]
 *   'relu'   [max(typeMin, zp), typeMax]
 *   'relu6'  [max(typeMin, zp), min(typeMax, zp + round(fround(6 / scale)))]
 *
 * with round half away from zero ('tflite') or half to even ('onnxruntime': a Clip(0, 6) between DequantizeLinear and
 * QuantizeLinear lands on Q(6) = rne(6 / scale) + zp). Throws on a non-positive scale or a zero point outside the
 * type's range.
 */
export function activationRange(activation: FusedActivation, scale: number, zeroPoint: number, type: CodeType,
  rounding: ActivationRounding = 'tflite'): { qmin: number; qmax: number } {
  const fn = 'activationRange';
  check(activation === 'none' || activation === 'relu' || activation === 'relu6', fn, 'activation', activation,
    "'none', 'relu' or 'relu6'");
  check(type === 'int8' || type === 'uint8', fn, 'type', type, "'int8' or 'uint8'");
  check(Number.isFinite(scale) && scale > 0, fn, 'scale', scale, 'a positive finite number');
  const typeMin = type === 'int8' ? -128 : 0;
  const typeMax = type === 'int8' ? 127 : 255;
  check(Number.isInteger(zeroPoint) && zeroPoint >= typeMin && zeroPoint <= typeMax, fn, 'zeroPoint', zeroPoint,
    `an integer in ${typeMin}..${typeMax}`);
  check(rounding === 'tflite' || rounding === 'onnxruntime', fn, 'rounding', rounding, "'tflite' or 'onnxruntime'");
  if (activation === 'none') return { qmin: typeMin, qmax: typeMax };
  const qmin = Math.max(typeMin, zeroPoint);
  if (activation === 'relu') return { qmin, qmax: typeMax };
  const v = Math.fround(6 / Math.fround(scale));
  const r = rounding === 'tflite' ? Math.sign(v) * Math.round(Math.abs(v)) : roundHalfEven(v);
  return { qmin, qmax: Math.max(qmin, Math.min(typeMax, zeroPoint + r)) };
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
}

/**
 * Requantizes int32 accumulators to output codes with src/fixedpoint's `requantize` (any profile; channels are the
 * innermost axis) and stores them as the code type: out = clamp(requantize(acc), qmin, qmax) as Int8Array/Uint8Array.
 * `params.qmin`/`qmax` must lie inside the type's range (use {@link activationRange} for fused ReLU/ReLU6).
 * Throws on the errors of `requantize` and on a clamp outside the type.
 */
export function requantizeToCodes(acc: Int32Array, params: RequantizeParams, type: 'int8'): Int8Array;
export function requantizeToCodes(acc: Int32Array, params: RequantizeParams, type: 'uint8'): Uint8Array;
export function requantizeToCodes(acc: Int32Array, params: RequantizeParams, type: CodeType): Int8Array | Uint8Array;
export function requantizeToCodes(acc: Int32Array, params: RequantizeParams, type: CodeType): Int8Array | Uint8Array {
  const fn = 'requantizeToCodes';
  check(type === 'int8' || type === 'uint8', fn, 'type', type, "'int8' or 'uint8'");
  const lo = type === 'int8' ? -128 : 0;
  const hi = type === 'int8' ? 127 : 255;
  check(typeof params === 'object' && params !== null && params.qmin >= lo && params.qmax <= hi, fn, 'params', params,
    `qmin and qmax inside ${lo}..${hi}`);
  const codes = requantize(acc, params);
  return type === 'int8' ? new Int8Array(codes) : new Uint8Array(codes);
}
