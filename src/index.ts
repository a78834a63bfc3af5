/**
 * Quantscope's library: quantization schemes and parameters, quantize / dequantize / fake-quantize, fp16,
 * fixed-point requantization, bias quantization, calibration observers and range-selection methods.
 * It knows nothing of Jupyter or the DOM; the kernel and the extension build on this public API.
 */
export { initBackend, describeBackend, backendPreference, type BackendInfo, type BackendName } from './backend';
export { QuantscopeArgumentError } from './errors';

export {
  intScheme, fp16, int8Weights, int8Activations, int16Activations, quantRange, schemeName,
  type Bits, type Granularity, type IntScheme, type IntSchemeOptions, type Fp16Scheme, type QuantScheme,
} from './scheme';
export type { Range, ChannelRanges } from './range';
export {
  qparamsFromRange, qparamsFromChannelRanges, validateQParams, type QParams, type TensorQParams, type AxisQParams,
} from './qparams';
export { roundingProfiles, roundHalfToEven, roundHalfAwayFromZero, roundToGrid, type RoundingProfile } from './rounding';
export { quantizeArray, dequantizeArray, fakeQuantizeArray, type ArrayQuantizeOptions } from './quantize/quantize_array';
export { quantize, dequantize, fakeQuantize, type TensorQuantizeOptions } from './quantize/quantize_tensor';
export { float16Bits, float16Value, toFloat16, fromFloat16, fp16RoundTrip, fp16RoundTripArray } from './fp16';
export {
  quantizeBias, adjustWeightScalesForBias, type QuantizeBiasOptions, type QuantizedBias, type QuantizedBias32,
  type QuantizedBias64, type AdjustedWeightScales,
} from './bias';
export * from './fixedpoint';

export type { Observer, Observed } from './calibration/observer';
export { minMaxObserver, type MinMaxStats } from './calibration/minmax_observer';
export { movingAverageMinMaxObserver, type MovingAverageStats } from './calibration/moving_average_observer';
export { perChannelMinMaxObserver, type PerChannelStats } from './calibration/per_channel_observer';
export { histogramObserver, type RangeMethod } from './calibration/histogram_observer';
export {
  emptyHistogram, addToHistogram, mergeHistograms, histogramBins, DEFAULT_BINS, type StreamingHistogram,
  type AddToHistogramOptions,
} from './calibration/histogram';
export { histogramOver } from './calibration/histogram_over';
export type { BinnedCounts } from './calibration/binned';
export { rangeMethods } from './calibration/methods';
export { percentileRange, type PercentileOptions } from './calibration/methods/percentile';
export { entropyRange, type EntropyOptions } from './calibration/methods/entropy';
export { mseRange, mseError, type MseOptions } from './calibration/methods/mse';
export { l2Range, l2SearchBins, type L2Options, type L2Bins } from './calibration/methods/l2';

export { loadFashionMnist, FASHION_MNIST_CLASSES, DEBIAN_FASHION_MNIST_DIR, type ImageSet } from './data/fashion_mnist';
export { parseIdx, type IdxArray } from './data/idx';

export type { Graph, GraphNode, GraphInput, Op, OpKind, Weight, ActivationFn, Padding, FoldedBatchNorm } from './graph/ir';
export { findNode, consumers } from './graph/ir';
export { importLayersModel } from './graph/import_layers';
export { foldBatchNorms } from './graph/fold_batchnorm';
export { fuseActivations } from './graph/fuse_activations';
export { createExecutor, weightsOf, type Executor, type ExecutorHooks, type RunOptions } from './graph/execute';
export { layerPrecisions, type LayerPrecision, type QuantPlan } from './quant/plan';
export { calibrateGraph, rangesFromHistograms, type CalibrationProgress } from './quant/calibrate_graph';
export { createFakeQuantExecutor } from './quant/fake_quant_executor';
export { importOnnx } from './graph/import_onnx';

export { conv2dInt8, type Conv2dInt8Options, type Int32Accumulators } from './integer/conv2d_int8';
export { depthwiseConv2dInt8 } from './integer/depthwise_conv2d_int8';
export { denseInt8, type DenseInt8Options } from './integer/dense_int8';
export { addInt8, type AddOperand, type AddInt8Options } from './integer/add_int8';
export { averagePoolInt8, maxPoolInt8, globalAveragePoolInt8, type PoolInt8Options } from './integer/pooling_int8';
export { concatInt8, type ConcatInput } from './integer/concat_int8';
export {
  conv2dInt16x8, depthwiseConv2dInt16x8, denseInt16x8, multiplyByQuantizedMultiplierInt64, requantize16x8,
  type Int16x8Options, type Int64Accumulators,
} from './integer/int16x8';
export { onnxRuntimeOutputScales, tfliteOutputMultipliers } from './integer/output_scales';
export { requantizeToCodes, activationRange, type CodeType, type FusedActivation, type ActivationRounding } from './integer/requantize_codes';
export { windowGeometry, type Pair, type WindowGeometry } from './integer/geometry';
export type { ActivationCodes, IntegerEngine } from './integer/checks';
export { exportQdqOnnx, writeQdqOnnx } from './export/onnx_qdq';
export { buildEncodings, writeEncodings, type Encoding, type EncodingsFile } from './export/encodings';
export { createOnnxRuntimeRunner, type OnnxRuntimeRunner } from './export/onnxruntime_executor';
export { writeFileAtomic } from './export/atomic_write';
export {
  precisionLookup, activationParamsLookup, quantizeLayerWeight, quantizeLayerBias, RANGE_PRESERVING, type QuantizedWeight,
} from './quant/plan_params';
export { importGraphModel } from './graph/import_graph_model';
export { createIntegerExecutor, type IntegerExecutor, type IntegerExecutorOptions, type CoverageEntry, type IntegerRoute, type IntegerLinearLayer, type IntegerProfile } from './quant/integer_executor';

export { registerWasmTrainingKernels, type TrainingKernelRegistration } from './train/kernels/register';
export { trainClassifier, type TrainOptions, type TrainProgress } from './train/train_model';
export { evaluateAccuracy } from './train/evaluate';
export { atomicModelDir, readModelDir } from './train/save_model';
export { ZOO, type ZooBuilder, type ZooModelSpec } from './train/zoo';
export { layerwiseError, type LayerwiseRow, type LayerwiseReport } from './analysis/layerwise';
export { errorStats, addErrorSums, EMPTY_SUMS, type ErrorStats, type ErrorSums } from './analysis/error_stats';
export type { GraphExecutor } from './graph/execute';
export { executorAccuracy, imageBatches } from './analysis/accuracy';
export { compareSchemes, standardSchemes, type SchemeSpec, type SchemeRow } from './analysis/schemes';
export { layerSensitivity, type SensitivityRow, type SensitivityReport } from './analysis/sensitivity';
export { compareCalibrations, standardCalibrationMethods, type CalibrationMethodSpec, type CalibrationRow } from './analysis/calibrations';
export { conv2dInt8Requantized, depthwiseConv2dInt8Requantized, denseInt8Requantized, type RequantizedCodes } from './integer/requantized_int8';
export { requantizeReference } from './fixedpoint/requantize';
export { equalizeCrossLayer, outputRanges, inputRanges, type EqualizationResult, type EqualizedPair, type SkippedPair } from './fixes/equalize';
export { correctBiasEmpirically, type BiasCorrection } from './fixes/bias_correction';

export { loadModel, zooModelPath, ZOO_MODELS, type ZooModelName } from './models/load_model';
export { fashionMnistDir, REPO_ROOT } from './paths';
export { requireNode } from './graph/ir';
export { planAccuracy } from './analysis/accuracy';
export { planFootprint } from './analysis/schemes';
export { searchMixedPrecision, budgetTarget, type AccuracyBudget, type MixedPrecisionOptions, type MixedPrecisionResult, type MixedPrecisionTrial } from './fixes/mixed_precision';
export { QuantSession, quantSession, DEFAULT_SETTINGS, type SessionData, type SessionOptions, type PlanSettings, type ProgressFactory } from './session/quant_session';
export * from './views/types';
export { displayable, escapeHtml, JUPYTER_DISPLAY, VIEW_ACTIONS, type Displayable, type ViewActionHandler, type TableFallback } from './views/display';
export { layerwiseView, DEFAULT_RMSE_OVER_SCALE_THRESHOLD } from './views/layerwise_view';
export { schemesView, calibrationMethodsView } from './views/schemes_view';
export { calibrationView } from './views/calibration_view';
export { distributionView } from './views/distribution_view';
export { equalizationView } from './views/equalization_view';
export { doctor, type DoctorOptions, type DoctorReport, type DoctorCandidate, type DoctorFinding } from './doctor/doctor';
export { doctorDisplay, doctorHtml, doctorText, writeDoctorReport, type DoctorDisplay } from './doctor/doctor_report';
export { firstImages } from './data/fashion_mnist';
export { calibrateImages } from './quant/calibrate_graph';
export { equalizationPairs, rescaleChannels } from './fixes/equalize';
export { correctBiasAnalytically, type SkippedLayer } from './fixes/bias_correction';
export { absorbHighBias, type AbsorbedPair, type HighBiasAbsorptionResult } from './fixes/high_bias_absorption';
export { clippedNormalMean, normalCdf, normalPdf } from './fixes/normal_moments';
export { imbalanceDepthwiseChannels } from './fixes/imbalance_channels';
export { equalizationAblation, type AblationPlan, type AblationRow, type EqualizationAblationReport } from './analysis/equalization_ablation';
export {
  errorBudget, applyPlanChange, type ErrorBudgetOptions, type ErrorBudgetProgress, type ErrorBudgetReport, type ErrorBudgetRow,
  type ErrorSplit, type AccumulatorUse, type MeasuredChange, type PlanChange, type Recommendation,
} from './analysis/error_budget';
export { errorBudgetView, errorBudgetText } from './views/error_budget_view';
export { quantizationAwareTraining, type QatOptions, type QatProgress, type QatEpoch, type QatResult } from './fixes/qat';
export { createQatModel, type QatModel, type QatForwardMode } from './fixes/qat_model';
export { fakeQuantizeSte, straightThrough } from './quant/ste';
export { fakeQuantHooks, type FakeQuantRoundings } from './quant/fake_quant_executor';
