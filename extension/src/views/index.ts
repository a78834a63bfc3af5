import type { View } from '../../../src/views/types';
import type { Host } from '../widget';
import { renderCalibration } from './calibration';
import { renderDistribution } from './distribution';
import { renderEqualization } from './equalization';
import { renderErrorBudget } from './error_budget';
import { renderLayerwise } from './layerwise';
import { renderProgress } from './progress';
import { renderSchemes } from './schemes';

/** Draws a validated view with the renderer of its kind. */
export function renderView(view: View, host: Host): Promise<void> {
  switch (view.kind) {
    case 'layerwise': return renderLayerwise(view, host);
    case 'distribution': return renderDistribution(view, host);
    case 'calibration': return renderCalibration(view, host);
    case 'equalization': return renderEqualization(view, host);
    case 'schemes': return renderSchemes(view, host);
    case 'progress': return renderProgress(view, host);
    case 'error-budget': return renderErrorBudget(view, host);
  }
}
