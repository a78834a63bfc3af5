import * as tf from '@tensorflow/tfjs-core';
import { check } from './errors';
import { roundHalfToEven } from './rounding';

const float64View = new DataView(new ArrayBuffer(8));

/**
 * The IEEE 754 binary16 bit pattern nearest to x (round half to even), computed exactly from the double value:
 * - |x| >= 65520 (halfway between the largest half, 65504, and 2^16) overflows to +-Inf;
 * - |x| < 2^-14 becomes a subnormal k * 2^-24 (k rounded half to even; below 2^-25 it flushes to +-0);
 * - NaN becomes the quiet NaN 0x7e00 (sign kept), -0 stays -0.
 */
export function float16Bits(x: number): number {
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (Number.isNaN(x)) return sign | 0x7e00;
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) return sign | roundHalfToEven(a * 2 ** 24); // exact: a power-of-two scaling
  const exponent = binaryExponent(a); // a in [2^e, 2^(e+1)), e in -14..15
  const mantissa = roundHalfToEven(a * 2 ** (10 - exponent)); // in [1024, 2048]
  // A mantissa that rounds up to 2048 carries into the exponent; the bit layout makes that an addition.
  return sign | (((exponent + 15) << 10) + (mantissa - 1024));
}

/** The value of a binary16 bit pattern (0..0xffff), exactly. */
export function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  return sign * (1024 + fraction) * 2 ** (exponent - 25);
}

/** Bit patterns of every element, as a Uint16Array (the storage of an fp16 tensor). */
export function toFloat16(x: Float32Array): Uint16Array {
  const out = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = float16Bits(x[i]);
  return out;
}

/** float32 values of binary16 bit patterns (every half is exactly representable in float32). */
export function fromFloat16(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = float16Value(bits[i]);
  return out;
}

/**
 * x rounded to the nearest binary16 value and back to float32: the values an fp16 runtime computes with.
 * Overflow gives +-Inf and underflow +-0, as on the device.
 */
export function fp16RoundTripArray(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = float16Value(float16Bits(x[i]));
  return out;
}

/** {@link fp16RoundTripArray} over a float32 tensor; returns a new tensor the caller disposes. */
export function fp16RoundTrip(x: tf.Tensor): tf.Tensor {
  check(x instanceof tf.Tensor && x.dtype === 'float32', 'fp16RoundTrip', 'x', x instanceof tf.Tensor ? `a ${x.dtype} tensor` : x,
    'a float32 tf.Tensor');
  return tf.tensor(fp16RoundTripArray(x.dataSync() as Float32Array), x.shape, 'float32');
}

/** floor(log2(a)) for a positive finite double, read from its bits (Math.log2 can be off by one near powers of 2). */
function binaryExponent(a: number): number {
  float64View.setFloat64(0, a);
  const biased = (float64View.getUint32(0) >>> 20) & 0x7ff;
  return biased - 1023; // a >= 2^-14 here, so never a double subnormal
}
