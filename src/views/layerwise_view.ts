import type { StreamingHistogram } from '../calibration/histogram';
import type { LayerwiseReport } from '../analysis/layerwise';
import { displayable, finiteOrNull, fmt, pct, type Displayable, type ViewActionHandler } from './display';
import type { LayerwiseView, LayerwiseViewRow } from './types';

/**
 * rmse/scale above which a layer is flagged. Pure rounding gives 1/sqrt(12) = 0.29; TFLite's quantization debugger
 * guide flags layers above 0.7 as candidates for float fallback.
 */
export const DEFAULT_RMSE_OVER_SCALE_THRESHOLD = 0.7;

export interface LayerwiseViewOptions {
  /** Calibration histograms: they give each layer's observed float range. */
  readonly histograms?: ReadonlyMap<string, StreamingHistogram>;
  readonly threshold?: number;
  readonly floatAccuracy?: number | null;
  readonly quantAccuracy?: number | null;
  readonly handlers?: Readonly<Record<string, ViewActionHandler>>;
}

/** The layerwise view of a report: per layer, its ranges, local and accumulated error. */
export function layerwiseView(report: LayerwiseReport, options: LayerwiseViewOptions = {}): Displayable<LayerwiseView> {
  const threshold = options.threshold ?? DEFAULT_RMSE_OVER_SCALE_THRESHOLD;
  const layers = report.rows.map((r): LayerwiseViewRow => {
    const h = options.histograms?.get(r.name);
    return {
      name: r.name,
      op: r.op,
      precision: r.precision,
      floatRange: h && h.count > 0 ? { min: h.min, max: h.max } : null,
      quantRange: r.scale === null || r.range === null ? null : { min: r.range.min, max: r.range.max },
      scale: r.scale,
      rmse: Math.sqrt(r.local.mean_squared_error),
      rmseOverScale: finiteOrNull(r.local.rmse_over_scale),
      sqnrDb: finiteOrNull(r.local.sqnr_db),
      accumulatedRmse: Math.sqrt(r.accumulated.mean_squared_error),
      accumulatedSqnrDb: finiteOrNull(r.accumulated.sqnr_db),
    };
  });
  const flagged = layers.filter((l) => (l.rmseOverScale ?? 0) > threshold).map((l) => l.name);
  const notes = [
    `${report.samples} samples; float ${pct(options.floatAccuracy ?? null)}, quantized ${pct(options.quantAccuracy ?? null)}`,
    flagged.length === 0 ? `no layer above rmse/scale ${threshold}` : `above rmse/scale ${threshold} (float fallback candidates): ${flagged.join(', ')}`,
  ];
  return displayable<LayerwiseView>({
    kind: 'layerwise',
    title: `Layerwise error of ${report.model}`,
    model: report.model,
    samples: report.samples,
    threshold,
    layers,
    floatAccuracy: options.floatAccuracy ?? null,
    quantAccuracy: options.quantAccuracy ?? null,
  }, {
    header: ['layer', 'op', 'precision', 'float range', 'quant range', 'rmse/scale', 'SQNR dB', 'SQNR dB accumulated'],
    rows: layers.map((l) => [
      l.name, l.op, l.precision,
      l.floatRange ? `${fmt(l.floatRange.min, 2)}..${fmt(l.floatRange.max, 2)}` : '-',
      l.quantRange ? `${fmt(l.quantRange.min, 2)}..${fmt(l.quantRange.max, 2)}` : '-',
      fmt(l.rmseOverScale), fmt(l.sqnrDb, 1), fmt(l.accumulatedSqnrDb, 1),
    ]),
    notes,
  }, options.handlers);
}
