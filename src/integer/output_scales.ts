import { check } from '../errors';
import { quantizeMultiplierArray } from '../fixedpoint/quantizeMultiplier';

function checkScales(fn: string, inputScale: number, weightScales: number | Float32Array, outputScale: number): void {
  check(Number.isFinite(inputScale) && inputScale > 0, fn, 'inputScale', inputScale, 'a positive finite number');
  check(Number.isFinite(outputScale) && outputScale > 0, fn, 'outputScale', outputScale, 'a positive finite number');
  const ws = typeof weightScales === 'number' ? [weightScales] : weightScales;
  check((typeof weightScales === 'number' || weightScales instanceof Float32Array) && ws.length > 0, fn,
    'weightScales', weightScales, 'a positive number or a non-empty Float32Array of them');
  for (let i = 0; i < ws.length; i++) {
    check(Number.isFinite(ws[i]) && ws[i] > 0, fn, 'weightScales', weightScales,
      `positive finite scales, found ${ws[i]} at index ${i}`);
  }
}

/**
 * ONNX Runtime's per-channel requantization scales for QLinearConv / QGemm / fused QDQ conv and matmul, in float32
 * as its C++ computes them (qlinearconv.cc: X_scale * W_scale[i] / Y_scale):
 *
 *   scale_c = fround(fround(inputScale · weightScale_c) / outputScale)      every operand a float32 first
 *
 * pinned by test/integer/ort_int8.test.ts against onnxruntime-node on scales where the alternative orders differ.
 * Returns a Float32Array (one entry for a number weightScales), ready for `requantize`'s 'onnxruntime' profile.
 * Throws when a scale is not positive and finite.
 */
export function onnxRuntimeOutputScales(inputScale: number, weightScales: number | Float32Array,
  outputScale: number): Float32Array {
  checkScales('onnxRuntimeOutputScales', inputScale, weightScales, outputScale);
  const xs = Math.fround(inputScale);
  const ys = Math.fround(outputScale);
  const ws = typeof weightScales === 'number' ? Float32Array.of(weightScales) : weightScales;
  return Float32Array.from(ws, (w) => Math.fround(Math.fround(xs * w) / ys));
}

/**
 * TFLite's per-channel output multipliers (PopulateConvolutionQuantizationParams in kernels/kernel_util.cc): the
 * effective scale in double from the float32 scales, then QuantizeMultiplier:
 *
 *   real_c = double(inputScale) · double(weightScale_c) / double(outputScale)
 *   (multiplier_c, shift_c) = QuantizeMultiplier(real_c)
 *
 * `singleRounding` gives the TFLITE_SINGLE_ROUNDING variant of QuantizeMultiplier. Returns Int32Arrays for
 * `requantize`'s 'tflite-double' / 'tflite-single' profiles. Throws when a scale is not positive and finite.
 */
export function tfliteOutputMultipliers(inputScale: number, weightScales: number | Float32Array, outputScale: number,
  singleRounding = false): { multiplier: Int32Array; shift: Int32Array } {
  checkScales('tfliteOutputMultipliers', inputScale, weightScales, outputScale);
  const xs = Math.fround(inputScale);
  const ys = Math.fround(outputScale);
  const ws = typeof weightScales === 'number' ? Float32Array.of(weightScales) : weightScales;
  return quantizeMultiplierArray(Array.from(ws, (w) => xs * w / ys), { singleRounding });
}
