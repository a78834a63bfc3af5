/**
 * ONNX Runtime's float32 softmax on x86-64 with AVX-512F (MlasComputeSoftmax: the max, then
 * MlasComputeSumExpF32KernelAvx512F in x86_64/TransKernelAvx512F.S, then a multiply by 1 / sum), step for step:
 *   e_i = exp(x_i − max), exp by MLAS's range reduction and degree-6 polynomial with fused multiply-adds:
 *     v = max(v, −103.97);  m = fma(v, 1/ln 2, 1.5·2^23) − 1.5·2^23;  r = fma(m, −ln2_lo, fma(m, −ln2_hi, v))
 *     p = fma(fma(fma(fma(fma(fma(c0, r, c1), r, c2), r, c3), r, c4), r, 1), r, 1);  e = p · 2^m
 *   sum = the 16-lane accumulator (lane j: e_j + e_{j+16} + ..., in order) reduced as the kernel does:
 *     s_j = lane_{j+8} + lane_j;  ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
 *   y_i = e_i · fround(1 / sum)
 * Every operation is rounded to float32 as the kernel rounds it; test/integer/ort_softmax.test.ts pins it against
 * the installed onnxruntime-node.
 */
import { fma32 } from '../fma32';

const f = Math.fround;
const LOWER = f(-103.9720840454);
const BIAS = f(12582912);
const LOG2_RECIPROCAL = f(1.44269504088896341);
const LOG2_HIGH = f(-6.93145752e-1);
const LOG2_LOW = f(-1.42860677e-6);
// MlasExpConstants' poly_0..poly_4, C hex floats 0x1.694000p-10, 0x1.125edcp-7, 0x1.555b5ap-5, 0x1.555450p-3,
// 0x1.fffff6p-2; poly_5 and poly_6 are both 1.
const POLY = [[0x694000, -10], [0x125edc, -7], [0x555b5a, -5], [0x555450, -3], [0xfffff6, -2]]
  .map(([m, e]) => (1 + m / 2 ** 24) * 2 ** e);

/** MLAS's AVX-512F exp of one float32 value (see the module comment). */
function mlasExp(x: number): number {
  const v = Math.max(LOWER, x);
  const m = f(fma32(v, LOG2_RECIPROCAL, BIAS) - BIAS);
  const r = fma32(m, LOG2_LOW, fma32(m, LOG2_HIGH, v));
  let p = POLY[0];
  for (let k = 1; k < POLY.length; k++) p = fma32(p, r, POLY[k]);
  p = fma32(fma32(p, r, 1), r, 1);
  return f(p * 2 ** m);
}

/** ORT's softmax over each row of `rowLength` values of x (row-major), as float32. */
export function mlasSoftmax(x: Float32Array, rowLength: number): Float32Array {
  const y = new Float32Array(x.length);
  const lanes = new Float32Array(16);
  for (let start = 0; start < x.length; start += rowLength) {
    let max = -Infinity;
    for (let i = start; i < start + rowLength; i++) max = Math.max(max, x[i]);
    lanes.fill(0);
    for (let i = 0; i < rowLength; i++) {
      const e = mlasExp(f(x[start + i] - max));
      y[start + i] = e;
      lanes[i % 16] += e;
    }
    const s = Array.from({ length: 8 }, (_, j) => f(lanes[j + 8] + lanes[j]));
    const sum = f(f(f(s[0] + s[1]) + f(s[2] + s[3])) + f(f(s[4] + s[5]) + f(s[6] + s[7])));
    const inverse = f(1 / sum);
    for (let i = start; i < start + rowLength; i++) y[i] *= inverse;
  }
  return y;
}
