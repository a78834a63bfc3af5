import { histogramBins, type StreamingHistogram } from '../calibration/histogram';
import { standardCalibrationMethods, type CalibrationMethodSpec } from '../analysis/calibrations';
import { occupiedBins } from '../calibration/binned';
import type { Range } from '../range';
import { displayable, fmt, type Displayable, type ViewActionHandler } from './display';
import type { CalibrationView } from './types';

export interface CalibrationViewOptions {
  readonly bits: number;
  readonly symmetric: boolean;
  /** The range in use now. */
  readonly current: Range;
  /** The methods whose ranges the view lists; by default `standardCalibrationMethods` on the view's grid. */
  readonly methods?: readonly CalibrationMethodSpec[];
  readonly percentile?: number;
  readonly handlers?: Readonly<Record<string, ViewActionHandler>>;
}

/**
 * One tensor's calibration histogram (its occupied bins) and the range each method picks; the widget recomputes
 * the quantization error of any range from it in the browser.
 */
export function calibrationView(tensor: string, h: StreamingHistogram, options: CalibrationViewOptions): Displayable<CalibrationView> {
  if (h.count === 0) throw new Error(`calibrationView: tensor '${tensor}' has an empty histogram (no calibration data reached it)`);
  const binned = histogramBins(h);
  const { first, last } = occupiedBins(binned);
  const counts = Array.from(binned.counts.subarray(first, last + 1));
  const edges = Array.from({ length: counts.length + 1 }, (_, i) => binned.lo + (first + i) * binned.binWidth);
  const methods = (options.methods ?? standardCalibrationMethods(2 ** options.bits - 1)).map((m) => {
    const r = m.method === undefined ? { min: h.min, max: h.max } : m.method(binned);
    return { method: m.name, min: r.min, max: r.max };
  });
  return displayable<CalibrationView>({
    kind: 'calibration',
    title: `Calibration of ${tensor}`,
    tensor,
    edges,
    counts,
    bits: options.bits,
    symmetric: options.symmetric,
    methods,
    current: { min: options.current.min, max: options.current.max },
    percentile: options.percentile ?? 99.99,
  }, {
    header: ['method', 'min', 'max'],
    rows: methods.map((m) => [m.method, fmt(m.min, 4), fmt(m.max, 4)]),
    notes: [`${h.count} values, observed ${fmt(h.min, 4)}..${fmt(h.max, 4)}; in use ${fmt(options.current.min, 4)}..${fmt(options.current.max, 4)} (${options.bits} bits, ${options.symmetric ? 'symmetric' : 'asymmetric'})`],
  }, options.handlers);
}
