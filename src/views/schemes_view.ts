import type { CalibrationRow } from '../analysis/calibrations';
import type { SchemeRow } from '../analysis/schemes';
import { displayable, pct, type Displayable } from './display';
import type { SchemesView } from './types';

/** The scheme comparison of one model as a view (a sortable table with accuracy bars in the extension). */
export function schemesView(model: string, samples: number, rows: readonly SchemeRow[], title = `Schemes of ${model}`): Displayable<SchemesView> {
  return displayable<SchemesView>({ kind: 'schemes', title, model, samples, rows: rows.map((r) => ({ ...r })) }, {
    header: ['scheme', 'accuracy', 'delta (points)', 'weights (bytes)', 'layers in float'],
    rows: rows.map((r) => [r.scheme, pct(r.accuracy), r.delta.toFixed(2), r.modelBytes, r.layersInFloat]),
    notes: [`${samples} evaluation images`],
  });
}

/**
 * A calibration-method comparison in the same table shape as schemes (one row per method), so the same widget
 * draws it; size and float-layer count are those of the plan the methods share.
 */
export function calibrationMethodsView(model: string, samples: number, rows: readonly CalibrationRow[], footprint: { modelBytes: number; layersInFloat: number }): Displayable<SchemesView> {
  return schemesView(model, samples, rows.map((r) => ({ scheme: r.method, accuracy: r.accuracy, delta: r.delta, ...footprint })), `Calibration methods on ${model}`);
}
