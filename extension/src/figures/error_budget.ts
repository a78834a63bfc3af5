import { ERROR_SOURCES, type ErrorBudgetViewRow, type ErrorBudgetView, type ErrorSource } from '../../../src/views/types';
import { formatNumber } from './format';
import { axis, baseLayout, plotText, type Figure, type Theme } from './figure';

/** What the layers are ordered by: the total error or one source's share, largest first. */
export type BudgetSort = 'order' | 'total' | ErrorSource;

/** The rows in graph order ('order') or by the chosen error, largest first; ties keep graph order. */
export function sortBudgetRows(view: ErrorBudgetView, sort: BudgetSort): ErrorBudgetViewRow[] {
  const value = (r: ErrorBudgetViewRow) => (sort === 'total' ? r.total : sort === 'order' ? 0 : r.parts[sort]);
  return view.rows
    .map((row, i) => ({ row, i }))
    .sort((a, b) => value(b.row) - value(a.row) || a.i - b.i)
    .map((e) => e.row);
}

/**
 * Stacked bars per layer: each source's MSE measured alone, plus the interaction (total - sum of parts; negative
 * when the sources partly cancel, drawn below zero with barmode 'relative'). The bar heights above zero minus those
 * below add up to the total. customdata carries the layer name for click handlers.
 */
export function errorBudgetFigure(view: ErrorBudgetView, sort: BudgetSort, theme: Theme): Figure {
  const rows = sortBudgetRows(view, sort);
  const x = rows.map((_, i) => i);
  const names = rows.map((r) => r.layer);
  const hover = rows.map((r) => `<b>${plotText(r.layer)}</b> (${plotText(r.op)}): total ${formatNumber(r.total)}, dominant ${r.dominant}`);
  const trace = (name: string, y: number[], color: string) => ({
    type: 'bar', name, x, y, customdata: names, marker: { color }, hovertext: hover, hovertemplate: `${name} %{y:.3e}<br>%{hovertext}<extra></extra>`,
  });
  return {
    data: [
      ...ERROR_SOURCES.map((s, i) => trace(s, rows.map((r) => r.parts[s]), theme.series[i % theme.series.length])),
      trace('interaction', rows.map((r) => r.interaction), theme.muted),
    ],
    layout: {
      ...baseLayout(theme, 380),
      barmode: 'relative',
      xaxis: axis(theme, { tickmode: 'array', tickvals: x, ticktext: names.map(plotText), tickangle: rows.length > 8 ? -45 : 0 }),
      yaxis: axis(theme, { title: { text: 'output MSE' }, exponentformat: 'e' }),
    },
  };
}

/** One layer's input and output activation errors split into clipping and rounding, as grouped bars. */
export function errorSplitFigure(row: ErrorBudgetViewRow, theme: Theme): Figure {
  return {
    data: (['clipping', 'rounding'] as const).map((part) => ({
      type: 'bar', orientation: 'h', name: part, y: ['input', 'output'], x: [row.input[part], row.output[part]],
      marker: { color: part === 'clipping' ? theme.warn : theme.primary }, hovertemplate: `${part} %{y}: %{x:.3e}<extra></extra>`,
    })),
    layout: {
      ...baseLayout(theme, 150),
      margin: { l: 8, r: 24, t: 8, b: 40 },
      xaxis: axis(theme, { title: { text: `${plotText(row.layer)}: activation MSE (clipping, rounding)` }, exponentformat: 'e', rangemode: 'tozero' }),
      yaxis: axis(theme),
    },
  };
}
