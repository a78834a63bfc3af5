import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_BINS, type StreamingHistogram } from '../calibration/histogram';
import { histogramObserver, type RangeMethod } from '../calibration/histogram_observer';
import { imageBatches } from '../analysis/accuracy';
import type { ImageSet } from '../data/fashion_mnist';
import { createExecutor, type Executor } from '../graph/execute';
import type { Graph } from '../graph/ir';
import type { Range } from '../range';

/** Progress of a calibration: batches and samples done so far. */
export interface CalibrationProgress {
  readonly batches: number;
  readonly samples: number;
}

/**
 * Streams calibration batches through the float graph and collects a streaming histogram (exact min/max included)
 * of every graph input and every layer output, by name. Only one batch's activations are alive at a time. The
 * histograms are mergeable, so calibration can be split across runs and combined with `mergeHistograms`.
 */
export function calibrateGraph(
  executor: Executor,
  batches: Iterable<tf.Tensor>,
  options: { bins?: number; onBatch?: (progress: CalibrationProgress) => void } = {},
): Map<string, StreamingHistogram> {
  const observer = histogramObserver({ bins: options.bins ?? DEFAULT_BINS });
  const stats = new Map<string, StreamingHistogram>();
  const add = (name: string, t: tf.Tensor) => stats.set(name, observer.collect(stats.get(name) ?? observer.empty(), t));
  let done = 0;
  let samples = 0;
  for (const batch of batches) {
    add(executor.graph.inputs[0].name, batch);
    const outputs = executor.run(batch, { taps: 'all', onTap: (node, y) => add(node.name, y) });
    tf.dispose(outputs);
    done++;
    samples += batch.shape[0] ?? 1;
    options.onBatch?.({ batches: done, samples });
  }
  if (done === 0) throw new Error(`calibrateGraph: no calibration batches were given for graph '${executor.graph.name}'`);
  return stats;
}

/** The range of every calibrated tensor under one range method (min/max when `method` is undefined). */
export function rangesFromHistograms(histograms: ReadonlyMap<string, StreamingHistogram>, method?: RangeMethod): Map<string, Range> {
  const observer = histogramObserver({ method });
  return new Map([...histograms].map(([name, h]) => [name, observer.range(h)]));
}

/** calibrateGraph over an image set with a float executor of its own (disposed after). */
export function calibrateImages(graph: Graph, images: ImageSet, options: { batchSize?: number; onBatch?: (progress: CalibrationProgress) => void } = {}): Map<string, StreamingHistogram> {
  const executor = createExecutor(graph);
  try {
    return calibrateGraph(executor, imageBatches(images, options.batchSize), { onBatch: options.onBatch });
  } finally {
    executor.dispose();
  }
}
