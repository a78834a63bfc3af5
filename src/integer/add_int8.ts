import { check } from '../errors';
import { fma32 } from '../fma32';
import { ROUND_MAGIC } from '../rounding';
import { quantizeMultiplier } from '../fixedpoint/quantizeMultiplier';
import { mbqmDouble, mbqmSingle, splitHigh, splitLow } from '../fixedpoint/kernels';
import { requantize } from '../fixedpoint/requantize';
import { codeRange, type ActivationCodes } from './checks';

/** Quantization of one operand of an add: its float32 scale and zero point. */
export interface AddOperand {
  readonly scale: number;
  readonly zeroPoint: number;
}

/** Options of {@link addInt8}. */
export interface AddInt8Options {
  /** 'tflite-double' (default), 'tflite-single' or 'onnxruntime'. */
  readonly profile?: 'tflite-double' | 'tflite-single' | 'onnxruntime';
  /** Output clamp inside the code type (fused ReLU/ReLU6, see activationRange); default the type's range. */
  readonly qmin?: number;
  readonly qmax?: number;
}

/**
 * Elementwise add of two quantized tensors of the same shape and code type, requantized to the output's grid.
 *
 * 'tflite-double' / 'tflite-single' — TFLite's int8/uint8 ADD (add.cc PrepareGeneralSubOp and
 * reference_integer_ops::AddElementwise), with left_shift = 20 and every scale a float32 widened to double:
 *   twiceMax = 2 · max(sA, sB);  realA = sA / twiceMax;  realB = sB / twiceMax;  realOut = twiceMax / (2^20 · sOut)
 *   (mA, shA), (mB, shB), (mOut, shOut) = QuantizeMultiplier(realA), (realB), (realOut)
 *   a' = MBQM((a − zA) · 2^20, mA, shA);  b' = MBQM((b − zB) · 2^20, mB, shB)
 *   out = clamp(MBQM(a' + b', mOut, shOut) + zOut, qmin, qmax)
 * with MBQM the double- or single-rounding MultiplyByQuantizedMultiplier (TFLite's
 * MultiplyByQuantizedMultiplierSmallerThanOneExp is the double-rounding one for shifts <= 0).
 *
 * 'onnxruntime' — com.microsoft QLinearAdd as x86-64 ONNX Runtime runs it on AVX2 machines, MLAS's
 * MlasQLinearAdd{S8,U8}KernelAvx2 (lib/intrinsics/avx2/qladd_avx2.cpp), all float32 with fused multiply-adds:
 *   rA = fround(sA / sOut), rB = fround(sB / sOut), fixed = fround(zOut − fma(rA, zA, fround(rB · zB)))
 *   out = saturate(roundHalfToEven(fma(a, rA, fma(b, rB, fixed))))
 * then clamped to [qmin, qmax]. (The compiler contracts rA · zA + rB · zB into one fma: pinned by exhaustive code
 * pairs on 30 random scale/zero-point sets. MLAS's SSE2 kernel, the same formula without fma, rounds a few pairs
 * in 65,536 one code apart from this.)
 *
 * Throws, naming the argument, when a and b are not the same code type and length, a scale is not positive and
 * finite, a zero point is outside the type's range, TFLite's realOut is not below 1 (TFLite rejects that too) or
 * the clamp is outside the type. Returns a new array of the inputs' type.
 */
export function addInt8(a: ActivationCodes, aQuant: AddOperand, b: ActivationCodes, bQuant: AddOperand,
  outQuant: AddOperand, options: AddInt8Options = {}): ActivationCodes {
  const fn = 'addInt8';
  check(a instanceof Int8Array || a instanceof Uint8Array, fn, 'a', a, 'an Int8Array or a Uint8Array of codes');
  check(b instanceof a.constructor && b.length === a.length, fn, 'b', b, `a ${a.constructor.name} of length ${a.length}`);
  const { qmin: typeMin, qmax: typeMax } = codeRange(a);
  for (const [arg, q] of [['aQuant', aQuant], ['bQuant', bQuant], ['outQuant', outQuant]] as const) {
    check(typeof q === 'object' && q !== null && Number.isFinite(q.scale) && q.scale > 0, fn, `${arg}.scale`,
      q?.scale, 'a positive finite number');
    check(Number.isInteger(q.zeroPoint) && q.zeroPoint >= typeMin && q.zeroPoint <= typeMax, fn, `${arg}.zeroPoint`,
      q.zeroPoint, `an integer in ${typeMin}..${typeMax}`);
  }
  const profile = options.profile ?? 'tflite-double';
  check(profile === 'tflite-double' || profile === 'tflite-single' || profile === 'onnxruntime', fn, 'options.profile',
    profile, "'tflite-double', 'tflite-single' or 'onnxruntime'");
  const qmin = options.qmin ?? typeMin;
  const qmax = options.qmax ?? typeMax;
  check(Number.isInteger(qmin) && Number.isInteger(qmax) && typeMin <= qmin && qmin <= qmax && qmax <= typeMax, fn,
    'options.qmin', qmin, `integers with ${typeMin} <= qmin <= qmax <= ${typeMax} (qmax is ${qmax})`);
  const out = a instanceof Int8Array ? new Int8Array(a.length) : new Uint8Array(a.length);
  if (profile === 'onnxruntime') {
    addOrt(a, aQuant, b, bQuant, outQuant, typeMin, typeMax, qmin, qmax, out);
    return out;
  }
  const sA = Math.fround(aQuant.scale);
  const sB = Math.fround(bQuant.scale);
  const sOut = Math.fround(outQuant.scale);
  const twiceMax = 2 * Math.max(sA, sB);
  const realOut = twiceMax / (2 ** 20 * sOut);
  check(realOut < 1, fn, 'outQuant.scale', outQuant.scale,
    `a scale for which 2 · max(aScale, bScale) / (2^20 · outScale) < 1 (TFLite's requirement), got ${realOut}`);
  const single = profile === 'tflite-single';
  const qa = quantizeMultiplier(sA / twiceMax, { singleRounding: single });
  const qb = quantizeMultiplier(sB / twiceMax, { singleRounding: single });
  const qo = quantizeMultiplier(realOut, { singleRounding: single });
  const mul = (x: number, m: { multiplier: number; shift: number }) => single
    ? mbqmSingle(x, splitHigh(m.multiplier), splitLow(m.multiplier), 31 - m.shift)
    : mbqmDouble(x, splitHigh(m.multiplier), splitLow(m.multiplier), 2 ** Math.max(m.shift, 0), Math.max(-m.shift, 0));
  // a' and b' depend on one code each: tables over the code range. The output step, clamp(MBQM(a' + b') + zOut), is
  // requantize's TFLite epilogue (per tensor), so it runs there (WebAssembly for large tensors). |a' + b'| < 2^28.
  const ta = new Int32Array(typeMax - typeMin + 1);
  const tb = new Int32Array(typeMax - typeMin + 1);
  for (let q = typeMin; q <= typeMax; q++) {
    ta[q - typeMin] = mul((q - aQuant.zeroPoint) * 2 ** 20, qa);
    tb[q - typeMin] = mul((q - bQuant.zeroPoint) * 2 ** 20, qb);
  }
  const sum = new Int32Array(a.length);
  gatherSum(a, b, ta, tb, typeMin, sum);
  requantize(sum, { profile, multiplier: qo.multiplier, shift: qo.shift, zeroPoint: outQuant.zeroPoint, qmin, qmax },
    sum);
  out.set(sum);
  return out;
}

function addOrt(a: ActivationCodes, aq: AddOperand, b: ActivationCodes, bq: AddOperand, oq: AddOperand,
  typeMin: number, typeMax: number, qmin: number, qmax: number, out: ActivationCodes): void {
  const f = Math.fround;
  const sOut = f(oq.scale);
  const rA = f(f(aq.scale) / sOut);
  const rB = f(f(bq.scale) / sOut);
  const fixed = f(oq.zeroPoint - fma32(rA, aq.zeroPoint, f(rB * bq.zeroPoint)));
  const n = typeMax - typeMin + 1;
  const key = `${typeMin}|${rA}|${rB}|${fixed}|${qmin}|${qmax}`;
  let table = ortTables.get(key);
  if (!table) {
    table = ortTable(rA, rB, fixed, typeMin, typeMax, qmin, qmax);
    if (ortTables.size >= ORT_TABLES_KEPT) ortTables.delete(ortTables.keys().next().value!);
    ortTables.set(key, table);
  }
  gatherPairs(a, b, table, typeMin, n, out);
}

/**
 * ORT's add depends on the code pair only: one table over all 65,536 pairs, as fma32 is too slow per element. At
 * 1.5-2 ms to build, a table is kept per parameter set (an executor adds with the same grids batch after batch).
 */
const ortTables = new Map<string, Int16Array>();
const ORT_TABLES_KEPT = 64;

function ortTable(rA: number, rB: number, fixed: number, typeMin: number, typeMax: number, qmin: number,
  qmax: number): Int16Array {
  const n = typeMax - typeMin + 1;
  const table = new Int16Array(n * n);
  for (let qb = typeMin; qb <= typeMax; qb++) {
    const tb = fma32(qb, rB, fixed);
    for (let qa = typeMin; qa <= typeMax; qa++) {
      // cvtps2dq (ties to even; a |v| beyond 2^51 is far outside the clamp either way), then the saturating packs
      // to the code type and the clamp. The clamps nest: [qmin, qmax] lies inside the type's range.
      const y = fma32(qa, rA, tb) + ROUND_MAGIC - ROUND_MAGIC;
      table[(qa - typeMin) * n + qb - typeMin] = y < qmin ? qmin : y > qmax ? qmax : y;
    }
  }
  return table;
}

/** out[i] = table[(a[i] − offset) · n + b[i] − offset]: a function of its own so the loop is compiled as such. */
function gatherPairs(a: ActivationCodes, b: ActivationCodes, table: Int16Array, offset: number, n: number,
  out: ActivationCodes): void {
  for (let i = 0; i < out.length; i++) out[i] = table[(a[i] - offset) * n + b[i] - offset];
}

/** sum[i] = ta[a[i] − offset] + tb[b[i] − offset]: a function of its own so the loop is compiled as such. */
function gatherSum(a: ActivationCodes, b: ActivationCodes, ta: Int32Array, tb: Int32Array, offset: number,
  sum: Int32Array): void {
  for (let i = 0; i < sum.length; i++) sum[i] = ta[a[i] - offset] + tb[b[i] - offset];
}
