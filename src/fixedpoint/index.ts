/** Fixed-point requantization as the deployment runtimes compute it: TFLite (gemmlowp) and ONNX Runtime (MLAS). */
export { INT32_MAX, INT32_MIN, saturateInt32 } from './int32';
export {
  quantizeMultiplier, quantizeMultiplierArray, type QuantizedMultiplier, type QuantizeMultiplierOptions,
} from './quantizeMultiplier';
export { saturatingRoundingDoublingHighMul } from './saturatingRoundingDoublingHighMul';
export { roundingDivideByPOT } from './roundingDivideByPOT';
export {
  multiplyByQuantizedMultiplierDoubleRounding, multiplyByQuantizedMultiplierSingleRounding,
} from './multiplyByQuantizedMultiplier';
export { mlasRequantizeOutput } from './mlasRequantizeOutput';
export {
  requantize, type OnnxRuntimeRequantizeParams, type RequantizeParams, type RequantizeProfile,
  type TfliteRequantizeParams,
} from './requantize';
