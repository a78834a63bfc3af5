import type { StreamingHistogram } from '../calibration/histogram';
import type { RangeMethod } from '../calibration/histogram_observer';
import { rangeMethods } from '../calibration/methods';
import type { ImageSet } from '../data/fashion_mnist';
import { createExecutor } from '../graph/execute';
import type { Graph } from '../graph/ir';
import { createFakeQuantExecutor } from '../quant/fake_quant_executor';
import { rangesFromHistograms } from '../quant/calibrate_graph';
import type { QuantPlan } from '../quant/plan';
import { executorAccuracy } from './accuracy';

/** One calibration method to compare (undefined method: the histogram's min/max). */
export interface CalibrationMethodSpec {
  readonly name: string;
  readonly method: RangeMethod | undefined;
}

export interface CalibrationRow {
  readonly method: string;
  readonly accuracy: number;
  /** accuracy - float accuracy, in points. */
  readonly delta: number;
}

/** min/max, percentile 99.9 / 99.99 / 99.999, entropy (TensorRT KL), MSE and PyTorch's L2 search. */
export function standardCalibrationMethods(): CalibrationMethodSpec[] {
  return [
    { name: 'min/max', method: undefined },
    { name: 'percentile 99.9', method: rangeMethods.percentile(99.9) },
    { name: 'percentile 99.99', method: rangeMethods.percentile(99.99) },
    { name: 'percentile 99.999', method: rangeMethods.percentile(99.999) },
    { name: 'entropy (KL)', method: rangeMethods.entropy() },
    { name: 'MSE', method: rangeMethods.mse({ levels: 255 }) },
    { name: 'L2 (PyTorch)', method: rangeMethods.l2() },
  ];
}

/**
 * Accuracy of one scheme under each calibration method, from one set of calibration histograms (collected once:
 * each method only re-reads them). `plan` supplies everything but the ranges.
 */
export function compareCalibrations(graph: Graph, histograms: ReadonlyMap<string, StreamingHistogram>, data: ImageSet,
  plan: Omit<QuantPlan, 'activationRanges'>, methods: readonly CalibrationMethodSpec[] = standardCalibrationMethods()): CalibrationRow[] {
  const float = createExecutor(graph);
  let floatAccuracy: number;
  try {
    floatAccuracy = executorAccuracy(float, data).accuracy;
  } finally {
    float.dispose();
  }
  return methods.map((m) => {
    const executor = createFakeQuantExecutor(graph, { ...plan, activationRanges: rangesFromHistograms(histograms, m.method) });
    try {
      const accuracy = executorAccuracy(executor, data).accuracy;
      return { method: m.name, accuracy, delta: 100 * (accuracy - floatAccuracy) };
    } finally {
      executor.dispose();
    }
  });
}
