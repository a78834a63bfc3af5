import type { LayerwiseView, LayerwiseViewRow } from '../../../src/views/types';
import { formatNumber } from './format';
import { axis, baseLayout, plotText, type Figure, type Theme } from './figure';

/** True when a layer's rmse / scale exceeds the view's threshold (a candidate for float fallback). */
export function isFlagged(row: LayerwiseViewRow, threshold: number): boolean {
  return row.rmseOverScale !== null && row.rmseOverScale > threshold;
}

/**
 * Layerwise error as two stacked panels over the layers in graph order: the float output range with the
 * quantized clip range over it, and rmse / scale as bars (flagged layers in the error colour) with the threshold as a
 * dashed line. Float and fp16 layers have no grid: their bar is 0 and the hover says so. Each bar's customdata is
 * the layer's name, for click handlers.
 */
export function layerwiseFigure(view: LayerwiseView, theme: Theme): Figure {
  const rows = view.layers;
  // Categories are indices rendered as names, so two layers with one name still get two bars.
  const x = rows.map((_, i) => i);
  const names = rows.map((r) => r.name);
  const hover = rows.map((r) =>
    [`<b>${plotText(r.name)}</b> (${plotText(r.op)}, ${r.precision})`,
      `rmse ${formatNumber(r.rmse)}, rmse/scale ${formatNumber(r.rmseOverScale)}`,
      `SQNR ${formatNumber(r.sqnrDb)} dB, scale ${formatNumber(r.scale)}`,
      `accumulated rmse ${formatNumber(r.accumulatedRmse)}, SQNR ${formatNumber(r.accumulatedSqnrDb)} dB`].join('<br>'));
  const span = (range: LayerwiseViewRow['floatRange']) => (range === null ? null : range.max - range.min);
  const layout = baseLayout(theme, 420);
  return {
    data: [
      {
        type: 'bar', name: 'float range', x, base: rows.map((r) => r.floatRange?.min ?? null), y: rows.map((r) => span(r.floatRange)),
        marker: { color: theme.primary, opacity: 0.45 }, customdata: names, hovertext: hover, hoverinfo: 'text', yaxis: 'y',
      },
      {
        type: 'bar', name: 'clip range', x, base: rows.map((r) => r.quantRange?.min ?? null), y: rows.map((r) => span(r.quantRange)),
        width: 0.35, marker: { color: theme.secondary, opacity: 0.8 }, customdata: names, hovertext: hover, hoverinfo: 'text', yaxis: 'y',
      },
      {
        type: 'bar', name: 'rmse / scale', x, y: rows.map((r) => r.rmseOverScale ?? 0),
        marker: { color: rows.map((r) => (isFlagged(r, view.threshold) ? theme.error : theme.primary)) },
        customdata: names, hovertext: hover, hoverinfo: 'text', yaxis: 'y2',
      },
    ],
    layout: {
      ...layout,
      barmode: 'overlay',
      xaxis: axis(theme, { anchor: 'y2', tickmode: 'array', tickvals: x, ticktext: names.map(plotText), tickangle: rows.length > 8 ? -45 : 0 }),
      yaxis: axis(theme, { domain: [0.56, 1], title: { text: 'output range', font: { color: theme.text } } }),
      yaxis2: axis(theme, { domain: [0, 0.44], title: { text: 'rmse / scale', font: { color: theme.text } }, rangemode: 'tozero' }),
      shapes: [{
        type: 'line', xref: 'paper', yref: 'y2', x0: 0, x1: 1, y0: view.threshold, y1: view.threshold,
        line: { color: theme.warn, width: 1.5, dash: 'dash' },
      }],
      annotations: [{
        xref: 'paper', yref: 'y2', x: 1, y: view.threshold, xanchor: 'right', yanchor: 'bottom', showarrow: false,
        text: `threshold ${formatNumber(view.threshold)}`, font: { color: theme.warn, size: 11 },
      }],
    },
  };
}
