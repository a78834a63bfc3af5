/**
 * BigInt transcriptions of the C code that src/fixedpoint reproduces, kept deliberately literal so a reviewer can
 * check them line by line against the sources:
 *   gemmlowp fixedpoint/fixedpoint.h           SaturatingRoundingDoublingHighMul, RoundingDivideByPOT
 *   tensorflow/lite/kernels/internal/common.cc MultiplyByQuantizedMultiplier (double and single rounding)
 *   tensorflow/lite/kernels/internal/quantization_util.cc  QuantizeMultiplier
 *   onnxruntime/core/mlas/lib/quantize.cpp     MlasRequantizeOutput (scalar path)
 * BigInt '/' truncates toward zero like C's, and BigInt '>>' is an arithmetic (flooring) shift like C's on int64.
 * Where C is undefined or only debug-checked, the reference applies the decision documented in src/fixedpoint
 * (saturate to int32) so that the fast code can be compared everywhere.
 * Nothing here shares code with src/fixedpoint: the float32 rounding is emulated from the bits.
 */

const INT32_MIN = -(1n << 31n);
const INT32_MAX = (1n << 31n) - 1n;

function sat32(x: bigint): bigint {
  return x > INT32_MAX ? INT32_MAX : x < INT32_MIN ? INT32_MIN : x;
}

/** static_cast<int32_t> of an int64: keeps the low 32 bits. */
function castInt32(x: bigint): bigint {
  return BigInt.asIntN(32, x);
}

export function srdhmRef(a: number, b: number): number {
  const overflow = a === b && a === -2147483648;
  const a64 = BigInt(a);
  const b64 = BigInt(b);
  const ab64 = a64 * b64;
  const nudge = ab64 >= 0n ? 1n << 30n : 1n - (1n << 30n);
  const abX2High32 = castInt32((ab64 + nudge) / (1n << 31n));
  return overflow ? 2147483647 : Number(abX2High32);
}

export function rdbpotRef(x: number, exponent: number): number {
  const xb = BigInt(x);
  const mask = castInt32((1n << BigInt(exponent)) - 1n);
  const remainder = xb & mask;
  const threshold = (mask >> 1n) + (xb < 0n ? 1n : 0n);
  return Number((xb >> BigInt(exponent)) + (remainder > threshold ? 1n : 0n));
}

export function mbqmDoubleRef(x: number, quantizedMultiplier: number, shift: number): number {
  const leftShift = shift > 0 ? shift : 0;
  const rightShift = shift > 0 ? 0 : -shift;
  // C: x * (1 << left_shift) in int32 (undefined on overflow); the documented decision is to saturate.
  const shifted = Number(sat32(BigInt(x) * (1n << BigInt(leftShift))));
  return rdbpotRef(srdhmRef(shifted, quantizedMultiplier), rightShift);
}

export function mbqmSingleRef(x: number, quantizedMultiplier: number, shift: number): number {
  const totalShift = BigInt(31 - shift);
  const round = 1n << (totalShift - 1n);
  let result = BigInt(x) * BigInt(quantizedMultiplier) + round;
  result = result >> totalShift;
  // C: TFLITE_DCHECK that the result fits int32; the documented decision is to saturate.
  return Number(sat32(result));
}

/** A finite double as an exact rational: value = mantissa · 2^exponent. */
function decompose(x: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n ? -1n : 1n;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  if (biased === 0) return { mantissa: sign * fraction, exponent: -1074 };
  return { mantissa: sign * (fraction | (1n << 52n)), exponent: biased - 1075 };
}

function bitLength(m: bigint): number {
  return m === 0n ? 0 : m.toString(2).length;
}

/** m / 2^k for m >= 0, k >= 0, rounded half up. */
function divPow2HalfUp(m: bigint, k: number): bigint {
  if (k === 0) return m;
  return (m + (1n << BigInt(k - 1))) >> BigInt(k);
}

/** m / 2^k rounded to nearest, ties to even (any sign of m, k >= 0). */
function divPow2HalfEven(m: bigint, k: number): bigint {
  if (k <= 0) return m << BigInt(-k);
  const d = 1n << BigInt(k);
  const f = m >> BigInt(k); // floor
  const rem = m - f * d; // in [0, d)
  const twice = 2n * rem;
  if (twice > d || (twice === d && (f & 1n) === 1n)) return f + 1n;
  return f;
}

/**
 * QuantizeMultiplier from the exact value: real = M · 2^E with M of b bits has frexp shift b + E and
 * q · 2^31 = M · 2^(31 − b), rounded half away from zero (half up: real >= 0).
 */
export function quantizeMultiplierRef(real: number, singleRounding = false): { multiplier: number; shift: number } {
  if (real === 0) return { multiplier: 0, shift: 0 };
  const { mantissa, exponent } = decompose(real);
  const b = bitLength(mantissa);
  let shift = b + exponent;
  let qFixed = b <= 31 ? mantissa << BigInt(31 - b) : divPow2HalfUp(mantissa, b - 31);
  if (qFixed === 1n << 31n) {
    qFixed /= 2n;
    shift += 1;
  }
  if (shift < -31) {
    shift = 0;
    qFixed = 0n;
  }
  if (singleRounding && shift > 30) {
    shift = 30;
    qFixed = (1n << 31n) - 1n;
  }
  return { multiplier: Number(qFixed), shift };
}

/** An exact rational M · 2^E rounded to float32 (nearest, ties to even), returned as a rational or ±Infinity. */
function roundToFloat32(m: bigint, e: number): { mantissa: bigint; exponent: number } | number {
  if (m === 0n) return { mantissa: 0n, exponent: 0 };
  const negative = m < 0n;
  const mag = negative ? -m : m;
  const b = bitLength(mag);
  // The unit in the last place: 24 significant bits, but never finer than the subnormal step 2^-149.
  const ulpExponent = Math.max(e + b - 24, -149);
  let mantissa = mag;
  let exponent = e;
  if (e < ulpExponent) {
    mantissa = divPow2HalfEven(mag, ulpExponent - e);
    exponent = ulpExponent;
  }
  // Rounding may carry into a 25th bit; the value is still exact. Largest float32 is (2^24 − 1) · 2^104.
  if (mantissa !== 0n && bitLength(mantissa) + exponent > 128) return negative ? -Infinity : Infinity;
  return { mantissa: negative ? -mantissa : mantissa, exponent };
}

/**
 * MlasRequantizeOutput's scalar path for one value, on exact rationals:
 *   float FloatValue = float(IntegerValue); FloatValue *= ScaleValue;
 *   FloatValue = std::max(FloatValue, MinimumValue); FloatValue = std::min(FloatValue, MaximumValue);
 *   IntegerValue = round-to-nearest-even(FloatValue); Output = OutputType(IntegerValue + ZeroPoint)
 * with the final saturating store modelled as a clamp to [qmin, qmax].
 */
export function mlasRef(acc: number, scale: number, zeroPoint: number, qmin: number, qmax: number): number {
  const a = roundToFloat32(BigInt(acc), 0);
  const s0 = decompose(scale);
  const s = roundToFloat32(s0.mantissa, s0.exponent);
  const lo = BigInt(qmin - zeroPoint);
  const hi = BigInt(qmax - zeroPoint);
  let rounded: bigint;
  if (typeof a === 'number' || typeof s === 'number') throw new Error('mlasRef: non-finite operand');
  const p = roundToFloat32(a.mantissa * s.mantissa, a.exponent + s.exponent);
  if (typeof p === 'number') {
    rounded = p > 0 ? hi : lo;
  } else {
    // Bounds are integers, so rounding first and clamping after equals MLAS's clamp-then-round.
    rounded = divPow2HalfEven(p.mantissa, -p.exponent);
    rounded = rounded < lo ? lo : rounded > hi ? hi : rounded;
  }
  const y = rounded + BigInt(zeroPoint);
  const qminB = BigInt(qmin);
  const qmaxB = BigInt(qmax);
  return Number(y < qminB ? qminB : y > qmaxB ? qmaxB : y);
}

/** TFLite's per-channel epilogue: clamp(MultiplyByQuantizedMultiplier(acc) + output_offset, act_min, act_max). */
export function requantizeTfliteRef(acc: number, multiplier: number, shift: number, single: boolean,
  zeroPoint: number, qmin: number, qmax: number): number {
  const y = (single ? mbqmSingleRef(acc, multiplier, shift) : mbqmDoubleRef(acc, multiplier, shift)) + zeroPoint;
  return Math.min(Math.max(y, qmin), qmax);
}
