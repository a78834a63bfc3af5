/**
 * The data contracts between the library, the kernel and the JupyterLab extension: one plain-JSON view per widget
 * kind. This module imports nothing, so the extension's browser bundle can take it without pulling in tfjs.
 *
 * Every view travels as `application/vnd.quantscope.<kind>+json` (see `viewMimeType`), with `text/plain` and
 * `text/html` fallbacks. Numbers are finite (JSON has no NaN): an unknown value is `null`.
 */

export const VIEW_VERSION = 1 as const;

export type ViewKind = 'layerwise' | 'distribution' | 'calibration' | 'equalization' | 'schemes' | 'progress' | 'error-budget';

export const VIEW_KINDS: readonly ViewKind[] = ['layerwise', 'distribution', 'calibration', 'equalization', 'schemes', 'progress', 'error-budget'];

/** The MIME type a view of `kind` travels under. */
export function viewMimeType(kind: ViewKind): string {
  return `application/vnd.quantscope.${kind}+json`;
}

/** The fields every view has. `id` names the view for comms: a widget opens the `quantscope` comm with `{ view_id: id }`. */
export interface ViewBase {
  readonly kind: ViewKind;
  readonly version: typeof VIEW_VERSION;
  readonly id: string;
  readonly title: string;
  /** The actions the kernel answers for this view over the comm (empty: a static view). */
  readonly actions: readonly string[];
}

/** The precision a layer runs at (the library's `LayerPrecision`). */
export type ViewPrecision = 'int8' | 'int16' | 'fp16' | 'float';

export interface ViewRange {
  readonly min: number;
  readonly max: number;
}

// ---------------------------------------------------------------------------------------------------------------
// layerwise

export interface LayerwiseViewRow {
  /** The user's layer name. */
  readonly name: string;
  readonly op: string;
  readonly precision: ViewPrecision;
  /** The float output's observed min and max over the analysed samples. */
  readonly floatRange: ViewRange | null;
  /** The quantized output's clip range (null for float/fp16 layers). */
  readonly quantRange: ViewRange | null;
  /** The output grid step (null for float/fp16 layers). */
  readonly scale: number | null;
  /** Local error: this layer quantized alone, its input float. */
  readonly rmse: number;
  /** rmse / scale: about 0.29 (1/sqrt(12)) when quantization is healthy. */
  readonly rmseOverScale: number | null;
  readonly sqnrDb: number | null;
  /** Accumulated error: the quantized model against the float model at this layer. */
  readonly accumulatedRmse: number;
  readonly accumulatedSqnrDb: number | null;
}

/**
 * Layerwise error. Actions: `distribution` `{ layer }` -> DistributionView; `set-precision` `{ layer, precision }`
 * -> LayerwiseEvaluation (the model's accuracy with that layer's precision changed).
 */
export interface LayerwiseView extends ViewBase {
  readonly kind: 'layerwise';
  readonly model: string;
  readonly samples: number;
  /** Layers whose rmse/scale exceeds this are flagged (candidates for float fallback). */
  readonly threshold: number;
  readonly layers: readonly LayerwiseViewRow[];
  /** Model accuracy (0..1) in float and under the analysed plan, when measured. */
  readonly floatAccuracy: number | null;
  readonly quantAccuracy: number | null;
}

export interface LayerwiseEvaluation {
  /** Accuracy (0..1) of the plan with the change applied. */
  readonly accuracy: number;
  /** accuracy - float accuracy, in points (percent). */
  readonly delta: number;
  /** Every layer the session now keeps at float or fp16. */
  readonly floatLayers: readonly string[];
}

// ---------------------------------------------------------------------------------------------------------------
// distribution

/** One tensor's float values and their quantized values as histograms over the same bin edges. */
export interface DistributionView extends ViewBase {
  readonly kind: 'distribution';
  readonly tensor: string;
  /** Bin edges (counts.length + 1 of them, increasing). */
  readonly edges: readonly number[];
  readonly floatCounts: readonly number[];
  readonly quantCounts: readonly number[];
  /** The clip range (null: not quantized). */
  readonly clip: ViewRange | null;
  readonly scale: number | null;
  readonly zeroPoint: number | null;
  readonly bits: number | null;
}

// ---------------------------------------------------------------------------------------------------------------
// calibration

/** The range one calibration method picks. */
export interface CalibrationMethodRange extends ViewRange {
  /** e.g. 'min/max', 'percentile 99.99', 'entropy (KL)', 'MSE'. */
  readonly method: string;
}

/**
 * One tensor's calibration histogram and the range each method picks. The widget recomputes the quantization error
 * of any range from the histogram (`histogramQuantError`), with no kernel round trip. Actions: `evaluate`
 * `{ min, max }` -> CalibrationEvaluation; `apply` `{ min, max }` -> { applied: ViewRange }.
 */
export interface CalibrationView extends ViewBase {
  readonly kind: 'calibration';
  readonly tensor: string;
  readonly edges: readonly number[];
  readonly counts: readonly number[];
  readonly bits: number;
  /** Symmetric grids centre on zero (the range is [-a, a]). */
  readonly symmetric: boolean;
  readonly methods: readonly CalibrationMethodRange[];
  /** The range the session uses now. */
  readonly current: ViewRange;
  /** The percentile the slider starts at (e.g. 99.99). */
  readonly percentile: number;
}

export interface CalibrationEvaluation {
  readonly range: ViewRange;
  readonly accuracy: number;
  readonly delta: number;
}

// ---------------------------------------------------------------------------------------------------------------
// equalization

/** Per-channel ranges of one layer's weights (max |w| per channel). */
export interface ChannelRangesView {
  readonly layer: string;
  readonly before: readonly number[];
  readonly after: readonly number[];
}

export interface EqualizationPairView {
  /** The producer's output channels = the consumer's input channels. */
  readonly first: ChannelRangesView;
  readonly second: ChannelRangesView;
  /** The per-channel scale s_i applied (first's channel divided by s_i, second's multiplied). */
  readonly scales: readonly number[];
}

export interface EqualizationView extends ViewBase {
  readonly kind: 'equalization';
  readonly model: string;
  readonly pairs: readonly EqualizationPairView[];
  /** Pairs not equalized, with why (e.g. a ReLU6 between them). */
  readonly skipped: readonly { readonly first: string; readonly second: string; readonly reason: string }[];
  readonly accuracyBefore: number | null;
  readonly accuracyAfter: number | null;
}

// ---------------------------------------------------------------------------------------------------------------
// schemes

export interface SchemesViewRow {
  readonly scheme: string;
  readonly accuracy: number;
  /** accuracy - float accuracy, in points. */
  readonly delta: number;
  readonly modelBytes: number;
  readonly layersInFloat: number;
}

export interface SchemesView extends ViewBase {
  readonly kind: 'schemes';
  readonly model: string;
  readonly samples: number;
  readonly rows: readonly SchemesViewRow[];
}

// ---------------------------------------------------------------------------------------------------------------
// progress

export interface ProgressView extends ViewBase {
  readonly kind: 'progress';
  readonly done: number;
  readonly total: number;
  readonly label: string;
}

// ---------------------------------------------------------------------------------------------------------------
// error-budget

/** The sources of a fixed-point layer's output error, each measured alone with the rest exact. */
export type ErrorSource = 'weights' | 'input' | 'bias' | 'accumulator' | 'requantization' | 'output';

export const ERROR_SOURCES: readonly ErrorSource[] = ['weights', 'input', 'bias', 'accumulator', 'requantization', 'output'];

/** Values outside the quantization range (clipped) against values inside it (rounded): MSE of each alone. */
export interface ErrorSplitView {
  readonly clipping: number;
  readonly rounding: number;
  /** The fraction of the values that were clipped. */
  readonly clippedFraction: number;
}

export interface ErrorBudgetViewRow {
  readonly layer: string;
  readonly op: string;
  readonly precision: 'int8' | 'int16';
  /** MSE of the layer's output, everything quantized, against float. */
  readonly total: number;
  /** MSE of each source alone. */
  readonly parts: Readonly<Record<ErrorSource, number>>;
  /** total - sum(parts): what the sources do together beyond their sum. */
  readonly interaction: number;
  /** The input part split (its two errors mix in the convolution, so they need not add up to the part exactly). */
  readonly input: ErrorSplitView;
  /** The output part split (adds up to the output part: each value is either clipped or rounded). */
  readonly output: ErrorSplitView;
  /** The accumulator width, the sums that overflowed it (and wrapped around), and the number of sums. */
  readonly accumulator: { readonly bits: number; readonly overflows: number; readonly outputs: number };
  /** The largest part; null when every part is 0. */
  readonly dominant: ErrorSource | null;
  readonly recommendation: string;
  /** The plan changes recommended, with the layer's total MSE before and after each (after null: not measured). */
  readonly changes: readonly { readonly change: string; readonly before: number; readonly after: number | null }[];
}

export interface ErrorBudgetView extends ViewBase {
  readonly kind: 'error-budget';
  readonly model: string;
  readonly samples: number;
  /** The integer arithmetic reproduced: 'tflite-double', 'tflite-single' or 'onnxruntime'. */
  readonly profile: string;
  readonly rows: readonly ErrorBudgetViewRow[];
}

// ---------------------------------------------------------------------------------------------------------------

export type View = LayerwiseView | DistributionView | CalibrationView | EqualizationView | SchemesView | ProgressView | ErrorBudgetView;

/** A widget's request over the comm: `{ action, request_id?, ...arguments }`; replies are `{ ok, result | error, request_id }`. */
export type ViewReply<T> = { readonly ok: true; readonly result: T } | { readonly ok: false; readonly error: string };
