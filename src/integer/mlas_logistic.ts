/**
 * ONNX Runtime's float32 logistic (sigmoid) on x86-64 with FMA3: the kernel MLAS dispatches on AVX2 machines
 * (onnxruntime/core/mlas/lib/x86_64/LogisticKernelFma3.S) for the ONNX Sigmoid op, QLinearSigmoid's lookup table
 * and the logistic inside QuickGelu and FusedConv. Eigen's rational approximation, evaluated step for step in
 * float32 with the kernel's fused multiply-adds (test/integer/ort_logistic.test.ts pins it against the installed
 * onnxruntime-node on 2^20 floats):
 *   x = min(max(x, −18), 18);  x2 = x · x
 *   p = x · fma(fma(fma(fma(x2, α9, α7), x2, α5), x2, α3), x2, α1)
 *   q = fma(fma(fma(fma(fma(x2, β10, β8), x2, β6), x2, β4), x2, β2), x2, β0)
 *   logistic = max(p / q + 0.5, 0)   (the FMA3 kernel clamps below only)
 * Reproduced exactly, so an integer runtime's tables built from it equal ORT's code for code.
 */

import { fma32 } from '../fma32';

const f = Math.fround;
// MlasLogisticConstants (logistic.cpp), as the float32 values the kernel broadcasts.
const ALPHA = [4.37031012579801e-11, 1.15627324459942e-07, 6.08574864600143e-05, 8.51377133304701e-03, 2.48287947061529e-01].map(f);
const BETA = [6.10247389755681e-13, 5.76102136993427e-09, 6.29106785017040e-06, 1.70198817374094e-03, 1.16817656904453e-01, 9.93151921023180e-01].map(f);

/** MLAS's FMA3 logistic of one float32 value (see the module comment). */
export function mlasLogistic(x: number): number {
  const v = Math.min(Math.max(f(x), -18), 18);
  const x2 = f(v * v);
  let p = fma32(x2, ALPHA[0], ALPHA[1]);
  for (let k = 2; k < ALPHA.length; k++) p = fma32(p, x2, ALPHA[k]);
  p = f(v * p);
  let q = fma32(x2, BETA[0], BETA[1]);
  for (let k = 2; k < BETA.length; k++) q = fma32(q, x2, BETA[k]);
  return Math.max(f(f(p / q) + 0.5), 0);
}
