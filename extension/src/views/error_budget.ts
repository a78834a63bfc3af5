import { ERROR_SOURCES, type ErrorBudgetView, type ErrorBudgetViewRow } from '../../../src/views/types';
import { element } from '../dom';
import { errorBudgetFigure, errorSplitFigure, type BudgetSort } from '../figures/error_budget';
import { formatNumber } from '../figures/format';
import type { Host } from '../widget';
import { header, picker } from './common';

/**
 * The error budget: stacked bars of each layer's error sources, sortable by the total or one source
 * (`select.quantscope-sort`); clicking a bar or a layer button (`.quantscope-layer[data-layer]`) shows that layer's
 * clipping/rounding split and the recommendation in `.quantscope-detail`. Everything is in the view: no kernel.
 */
export async function renderErrorBudget(view: ErrorBudgetView, host: Host): Promise<void> {
  let sort: BudgetSort = 'order';
  const sorts = picker('quantscope-sort', 'order by', [['order', 'graph order'], ['total', 'total'],
    ...ERROR_SOURCES.map((s) => [s, s] as const)], sort);
  const figure = element('div', { className: 'quantscope-figure' });
  const detail = element('div', { className: 'quantscope-detail' });
  const split = element('div', { className: 'quantscope-figure quantscope-split' });

  const show = (row: ErrorBudgetViewRow) => {
    detail.dataset.layer = row.layer;
    detail.replaceChildren(
      element('div', { className: 'quantscope-title', text: `${row.layer} (${row.op})` }),
      element('div', { text: `total ${formatNumber(row.total)}, dominant source: ${row.dominant ?? 'none (exact)'}, interaction ${formatNumber(row.interaction)}` }),
      element('div', { text: `input activation: clipping ${formatNumber(row.input.clipping)} (${formatNumber(100 * row.input.clippedFraction)}% of values clipped), rounding ${formatNumber(row.input.rounding)}` }),
      element('div', { text: `output activation: clipping ${formatNumber(row.output.clipping)}, rounding ${formatNumber(row.output.rounding)}` }),
      element('div', { text: `accumulator: ${row.accumulator.bits} bits, ${row.accumulator.overflows} of ${row.accumulator.outputs} sums overflowed` }),
      ...row.changes.map((c) => element('div', { className: 'quantscope-change', text: `${c.change}: total ${formatNumber(c.before)} -> ${c.after === null ? 'not measured' : formatNumber(c.after)}` })),
      split,
      element('div', { className: 'quantscope-recommendation', text: row.recommendation }));
    host.plots.remove(split);
    void host.plots.add(split, (theme) => errorSplitFigure(row, theme));
  };
  const layers = element('div', { className: 'quantscope-layer-list' }, ...view.rows.map((row) => {
    const button = element('button', { className: 'quantscope-layer quantscope-link', text: row.layer, attrs: { type: 'button', 'data-layer': row.layer } });
    button.addEventListener('click', () => show(row));
    return button;
  }));

  host.node.append(header(view.title, [view.model, `${view.samples} samples`]),
    element('div', { className: 'quantscope-controls' }, sorts.node), figure, layers, detail);
  const plot = await host.plots.add(figure, (theme) => errorBudgetFigure(view, sort, theme), (layer) => {
    const row = view.rows.find((r) => r.layer === layer);
    if (row !== undefined) show(row);
  });
  sorts.select.addEventListener('change', () => {
    sort = sorts.select.value as BudgetSort;
    void plot.draw();
  });
}
