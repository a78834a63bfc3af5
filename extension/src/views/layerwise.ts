import { parseLayerwiseEvaluation, parseView } from '../../../src/views/parse';
import type { DistributionView, LayerwiseView, LayerwiseViewRow } from '../../../src/views/types';
import { element, StatusLine } from '../dom';
import { distributionFigure } from '../figures/distribution';
import { formatAccuracy, formatNumber } from '../figures/format';
import { isFlagged, layerwiseFigure } from '../figures/layerwise';
import type { Host } from '../widget';
import { AccuracyLine, header } from './common';

const COLUMNS = ['layer', 'op', 'precision', 'rmse', 'rmse / scale', 'SQNR dB', 'accumulated rmse', 'float fallback'];

/**
 * Layerwise error: the figure, a table of layers and, under them, the distribution of a clicked layer. With the
 * `distribution` action a layer's name (in the table, or its bar) asks the kernel for its DistributionView; with
 * `set-precision` each quantized layer has a float-fallback checkbox whose reply (the model's accuracy) shows in
 * `.quantscope-accuracy`.
 */
export async function renderLayerwise(view: LayerwiseView, host: Host): Promise<void> {
  const status = new StatusLine();
  const accuracy = new AccuracyLine();
  const distribution = element('div', { className: 'quantscope-distribution' });
  const figure = element('div', { className: 'quantscope-figure quantscope-layerwise-figure' });
  const canDistribution = view.actions.includes('distribution');
  const canFallback = view.actions.includes('set-precision');
  const toggles = new Map<string, HTMLInputElement>();

  const showDistribution = async (layer: string) => {
    status.info(`Asking the kernel for the distribution of ${layer}…`);
    const reply = await host.request('distribution', { layer });
    if (!reply.ok) return status.error(reply.error);
    const parsed = parseView(reply.result, 'distribution');
    if (!parsed.ok) return status.error(parsed.error);
    status.info('');
    const dist = parsed.view as DistributionView;
    host.plots.remove(distribution);
    distribution.replaceChildren();
    distribution.dataset.layer = layer;
    await host.plots.add(distribution, (theme) => distributionFigure(dist, theme));
  };

  const setPrecision = async (row: LayerwiseViewRow, toggle: HTMLInputElement) => {
    const precision = toggle.checked ? 'float' : row.precision;
    toggle.disabled = true;
    status.info(`Evaluating the model with ${row.name} at ${precision}…`);
    const reply = await host.request('set-precision', { layer: row.name, precision });
    toggle.disabled = false;
    const parsed = reply.ok ? parseLayerwiseEvaluation(reply.result) : { ok: false as const, error: reply.error };
    if (!parsed.ok) {
      toggle.checked = !toggle.checked; // the kernel did not change the plan
      return status.error(parsed.error);
    }
    status.info('');
    const floats = new Set(parsed.value.floatLayers);
    for (const [layer, t] of toggles) t.checked = floats.has(layer);
    accuracy.show(parsed.value.accuracy, parsed.value.delta,
      parsed.value.floatLayers.length === 0 ? 'with no layer in float' : `with ${parsed.value.floatLayers.join(', ')} in float`);
  };

  const body = element('tbody');
  for (const row of view.layers) {
    let name: HTMLElement = element('span', { text: row.name });
    if (canDistribution) {
      name = element('button', { className: 'quantscope-layer quantscope-link', text: row.name, attrs: { type: 'button', 'data-layer': row.name } });
      name.addEventListener('click', () => void showDistribution(row.name));
    }
    const fallback = element('td');
    if (canFallback && row.precision !== 'float') {
      const toggle = element('input', { className: 'quantscope-fallback', attrs: { type: 'checkbox', 'data-layer': row.name, 'aria-label': `run ${row.name} in float` } });
      toggle.addEventListener('change', () => void setPrecision(row, toggle));
      toggles.set(row.name, toggle);
      fallback.append(toggle);
    }
    const ratio = element('td', { text: formatNumber(row.rmseOverScale) });
    if (isFlagged(row, view.threshold)) ratio.classList.add('quantscope-flagged');
    body.append(element('tr', {},
      element('td', {}, name), element('td', { text: row.op }), element('td', { text: row.precision }),
      element('td', { text: formatNumber(row.rmse) }), ratio, element('td', { text: formatNumber(row.sqnrDb) }),
      element('td', { text: formatNumber(row.accumulatedRmse) }), ...(canFallback ? [fallback] : [])));
  }
  const table = element('table', { className: 'quantscope-table quantscope-layers' },
    element('thead', {}, element('tr', {}, ...COLUMNS.filter((c) => canFallback || c !== 'float fallback').map((c) => element('th', { text: c })))),
    body);

  host.node.append(
    header(view.title, [view.model, `${view.samples} samples`, `threshold rmse/scale ${formatNumber(view.threshold)}`,
      `float ${formatAccuracy(view.floatAccuracy)}`, `quantized ${formatAccuracy(view.quantAccuracy)}`]),
    figure, element('div', { className: 'quantscope-scroll' }, table), accuracy.node, status.node, distribution);
  await host.plots.add(figure, (theme) => layerwiseFigure(view, theme),
    canDistribution ? (layer) => { if (typeof layer === 'string') void showDistribution(layer); } : undefined);
}
