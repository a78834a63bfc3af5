import type { StreamingHistogram } from '../calibration/histogram';
import type { RangeMethod } from '../calibration/histogram_observer';
import { rangeMethods } from '../calibration/methods';
import type { ImageSet } from '../data/fashion_mnist';
import type { Graph } from '../graph/ir';
import { rangesFromHistograms } from '../quant/calibrate_graph';
import type { QuantPlan } from '../quant/plan';
import { planAccuracy } from './accuracy';

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

/**
 * min/max, percentile 99.9 / 99.99 / 99.999, entropy (TensorRT KL), MSE and PyTorch's L2 search. The MSE search
 * assumes a grid of `levels` steps (255 for 8 bits).
 */
export function standardCalibrationMethods(levels = 255): CalibrationMethodSpec[] {
  return [
    { name: 'min/max', method: undefined },
    { name: 'percentile 99.9', method: rangeMethods.percentile(99.9) },
    { name: 'percentile 99.99', method: rangeMethods.percentile(99.99) },
    { name: 'percentile 99.999', method: rangeMethods.percentile(99.999) },
    { name: 'entropy (KL)', method: rangeMethods.entropy() },
    { name: 'MSE', method: rangeMethods.mse({ levels }) },
    { name: 'L2 (PyTorch)', method: rangeMethods.l2() },
  ];
}

/**
 * Accuracy of one scheme under each calibration method, from one set of calibration histograms (collected once:
 * each method only re-reads them). `plan` supplies everything but the ranges.
 */
export function compareCalibrations(graph: Graph, histograms: ReadonlyMap<string, StreamingHistogram>, data: ImageSet,
  plan: Omit<QuantPlan, 'activationRanges'>, methods: readonly CalibrationMethodSpec[] = standardCalibrationMethods()): CalibrationRow[] {
  const floatAccuracy = planAccuracy(graph, null, data);
  return methods.map((m) => {
    const accuracy = planAccuracy(graph, { ...plan, activationRanges: rangesFromHistograms(histograms, m.method) }, data);
    return { method: m.name, accuracy, delta: 100 * (accuracy - floatAccuracy) };
  });
}
