/** One well-formed view of each kind, written by hand from the contracts in src/views/types.ts. Each call is a fresh copy. */
import type {
  CalibrationView, DistributionView, EqualizationView, ErrorBudgetView, LayerwiseView, ProgressView, SchemesView, View,
  ViewKind,
} from '../../src/views/types';

export function layerwiseView(): LayerwiseView {
  const row = (name: string, op: string, rmse: number, scale: number | null) => ({
    name, op, precision: scale === null ? 'float' as const : 'int8' as const,
    floatRange: { min: -1.5, max: 2.5 }, quantRange: scale === null ? null : { min: -1.5, max: 2.5 }, scale,
    rmse, rmseOverScale: scale === null ? null : rmse / scale, sqnrDb: 30, accumulatedRmse: rmse * 2, accumulatedSqnrDb: 25,
  });
  return {
    kind: 'layerwise', version: 1, id: 'lw-1', title: 'Layerwise error', actions: ['distribution', 'set-precision'],
    model: 'tiny_cnn', samples: 64, threshold: 0.5,
    layers: [row('conv1', 'conv2d', 0.0045, 0.0157), row('conv2 <b>', 'conv2d', 0.012, 0.0157), row('pool', 'avgpool', 0.001, 0.0157),
      row('dense', 'dense', 0.02, 0.02), row('softmax', 'softmax', 0, null)],
    floatAccuracy: 0.91, quantAccuracy: 0.87,
  };
}

export function distributionView(): DistributionView {
  return {
    kind: 'distribution', version: 1, id: 'd-1', title: 'conv1 output', actions: [], tensor: 'conv1',
    edges: [-2, -1, 0, 1, 2], floatCounts: [1, 5, 6, 2], quantCounts: [0, 6, 6, 2],
    clip: { min: -1.5, max: 2 }, scale: 0.0137, zeroPoint: -19, bits: 8,
  };
}

export function calibrationView(): CalibrationView {
  const bins = 64;
  const edges = Array.from({ length: bins + 1 }, (_, i) => -4 + (8 * i) / bins);
  const counts = edges.slice(0, bins).map((e) => Math.round(1000 * Math.exp(-((e + 0.0625) ** 2) / 2)));
  return {
    kind: 'calibration', version: 1, id: 'cal-1', title: 'Calibration of conv1', actions: ['evaluate', 'apply'],
    tensor: 'conv1', edges, counts, bits: 8, symmetric: false,
    methods: [{ method: 'min/max', min: -4, max: 4 }, { method: 'percentile 99.99', min: -3.5, max: 3.5 }, { method: 'MSE', min: -2.9, max: 3 }],
    current: { min: -4, max: 4 }, percentile: 99.99,
  };
}

export function equalizationView(): EqualizationView {
  return {
    kind: 'equalization', version: 1, id: 'eq-1', title: 'Cross-layer equalization', actions: [], model: 'tiny_cnn',
    pairs: [{
      first: { layer: 'conv1', before: [0.1, 2, 0.5], after: [0.5, 0.9, 0.6] },
      second: { layer: 'conv2', before: [1, 0.2, 0.8], after: [0.4, 0.45, 0.7] },
      scales: [0.2, 2.2, 0.8],
    }],
    skipped: [{ first: 'conv2', second: 'conv3', reason: 'a ReLU6 between them' }],
    accuracyBefore: 0.52, accuracyAfter: 0.88,
  };
}

export function schemesView(): SchemesView {
  return {
    kind: 'schemes', version: 1, id: 'sch-1', title: 'Schemes', actions: [], model: 'tiny_cnn', samples: 500,
    rows: [
      { scheme: 'int8 per-tensor', accuracy: 0.82, delta: -9, modelBytes: 120_000, layersInFloat: 0 },
      { scheme: 'int8 per-channel', accuracy: 0.9, delta: -1, modelBytes: 121_000, layersInFloat: 0 },
      { scheme: 'int16x8', accuracy: 0.91, delta: 0, modelBytes: 200_000, layersInFloat: 1 },
    ],
  };
}

export function progressView(): ProgressView {
  return { kind: 'progress', version: 1, id: 'p-1', title: 'Calibrating', actions: [], done: 3, total: 12, label: 'batch 3 of 12' };
}

export function errorBudgetView(): ErrorBudgetView {
  const parts = (w: number) => ({ weights: w, input: 2 * w, bias: 0, accumulator: 0, requantization: w / 10, output: w / 2 });
  return {
    kind: 'error-budget', version: 1, id: 'eb-1', title: 'Error budget', actions: [], model: 'tiny_cnn', samples: 32, profile: 'tflite-double',
    rows: [
      { layer: 'conv1', op: 'conv2d', precision: 'int8', total: 0.004, parts: parts(0.001), interaction: 0.0004,
        input: { clipping: 0.0015, rounding: 0.0005, clippedFraction: 0.01 }, output: { clipping: 0, rounding: 0.0005, clippedFraction: 0 },
        accumulator: { bits: 32, overflows: 0, outputs: 512 },
        dominant: 'input', recommendation: 'Widen the input range: clipping dominates.', changes: [{ change: 'input range: min/max', before: 0.004, after: 0.002 }] },
      { layer: 'conv2', op: 'conv2d', precision: 'int8', total: 0.01, parts: parts(0.003), interaction: -0.0008,
        input: { clipping: 0.001, rounding: 0.005, clippedFraction: 0.001 }, output: { clipping: 0, rounding: 0.0015, clippedFraction: 0 },
        accumulator: { bits: 32, overflows: 0, outputs: 512 },
        dominant: 'input', recommendation: 'Use int16 activations.', changes: [{ change: 'int16 activations', before: 0.01, after: null }] },
    ],
  };
}

const FIXTURES: Readonly<Record<ViewKind, () => View>> = {
  layerwise: layerwiseView, distribution: distributionView, calibration: calibrationView, equalization: equalizationView,
  schemes: schemesView, progress: progressView, 'error-budget': errorBudgetView,
};

/** A fresh well-formed view of `kind`, typed loosely so tests can break it. */
export function sampleView(kind: ViewKind): Record<string, any> {
  return FIXTURES[kind]() as unknown as Record<string, any>;
}
