/**
 * Obviously-correct references for the elementwise and pooling integer ops, transcribed literally from TFLite's
 * reference kernels with BigInt where C uses 64 bits (the multiplies go through test/reference/fixedpoint_bigint).
 */
import { mbqmDoubleRef, mbqmSingleRef, quantizeMultiplierRef } from './fixedpoint_bigint';

/** TFLite's int8 ADD, element by element (reference_integer_ops::AddElementwise with add.cc's parameters). */
export function addTfliteRef(a: number, zA: number, sA: number, b: number, zB: number, sB: number, zOut: number,
  sOut: number, single: boolean, qmin: number, qmax: number): number {
  const twiceMax = 2 * Math.max(Math.fround(sA), Math.fround(sB));
  const qa = quantizeMultiplierRef(Math.fround(sA) / twiceMax, single);
  const qb = quantizeMultiplierRef(Math.fround(sB) / twiceMax, single);
  const qo = quantizeMultiplierRef(twiceMax / ((1 << 20) * Math.fround(sOut)), single);
  const mul = (x: number, m: { multiplier: number; shift: number }) =>
    single ? mbqmSingleRef(x, m.multiplier, m.shift) : mbqmDoubleRef(x, m.multiplier, m.shift);
  const input1Val = a - zA;
  const input2Val = b - zB;
  const shifted1 = input1Val * (1 << 20);
  const shifted2 = input2Val * (1 << 20);
  const rawSum = mul(shifted1, qa) + mul(shifted2, qb);
  const rawOutput = mul(rawSum, qo) + zOut;
  return Math.min(qmax, Math.max(qmin, rawOutput));
}

/** C's int32 '/' (truncating), on BigInt. */
function cdiv(a: bigint, b: bigint): bigint {
  return a / b;
}

/** TFLite's reference_integer_ops::AveragePool for one window: the in-bounds codes and the clamp. */
export function averagePoolRef(codes: number[], qmin: number, qmax: number): number {
  let acc = 0n;
  for (const c of codes) acc += BigInt(c);
  const count = BigInt(codes.length);
  acc = acc > 0n ? cdiv(acc + count / 2n, count) : cdiv(acc - count / 2n, count);
  const v = Number(acc);
  return Math.min(qmax, Math.max(qmin, v));
}

/** TFLite's reference_integer_ops::Mean over one channel's H·W codes. */
export function meanRef(codes: number[], zIn: number, zOut: number, sIn: number, sOut: number, single: boolean): number {
  const q = quantizeMultiplierRef(Math.fround(sIn) / Math.fround(sOut), single);
  let acc = 0;
  for (const c of codes) acc += c - zIn;
  let r = BigInt(single ? mbqmSingleRef(acc, q.multiplier, q.shift) : mbqmDoubleRef(acc, q.multiplier, q.shift));
  const n = BigInt(codes.length);
  r = r > 0n ? cdiv(r + n / 2n, n) : cdiv(r - n / 2n, n);
  return Math.min(127, Math.max(-128, Number(r) + zOut));
}

/**
 * TFLite's 64-bit MultiplyByQuantizedMultiplier (kernels/internal/common.cc, int64_t x overload), literally:
 * reduced = m < 0x7FFF0000 ? (m + 2^15) >> 16 : 0x7FFF; total = 15 − shift;
 * result = (x · reduced + 2^(total − 1)) >> total, kept as int32 (saturated: the documented decision).
 */
export function mbqm64Ref(x: bigint, multiplier: number, shift: number): number {
  const reduced = multiplier < 0x7fff0000 ? (BigInt(multiplier) + (1n << 15n)) >> 16n : 0x7fffn;
  const total = BigInt(15 - shift);
  const result = (x * reduced + (1n << (total - 1n))) >> total;
  const max = (1n << 31n) - 1n;
  const min = -(1n << 31n);
  return Number(result > max ? max : result < min ? min : result);
}
