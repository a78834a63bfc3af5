import type { DistributionView } from '../../../src/views/types';
import { formatNumber } from './format';
import { axis, baseLayout, binGeometry, plotText, verticalLine, type Figure, type Theme } from './figure';

/**
 * A tensor's float and quantized values as overlaid histograms over the same bins, with the clip range as two
 * vertical lines. The count axis is logarithmic when the counts span more than three decades (a few clipped
 * outliers next to a peak), so the outliers stay visible.
 */
export function distributionFigure(view: DistributionView, theme: Theme): Figure {
  const { centers, widths } = binGeometry(view.edges);
  const positive = [...view.floatCounts, ...view.quantCounts].filter((c) => c > 0);
  const spread = positive.length === 0 ? 1 : Math.max(...positive) / Math.min(...positive);
  const grid = view.scale === null ? '' : `, scale ${formatNumber(view.scale)}, zero point ${view.zeroPoint ?? '–'}, ${view.bits ?? '?'} bits`;
  return {
    data: [
      { type: 'bar', name: 'float', x: centers, y: view.floatCounts, width: widths, marker: { color: theme.primary, opacity: 0.55 } },
      { type: 'bar', name: 'quantized', x: centers, y: view.quantCounts, width: widths, marker: { color: theme.secondary, opacity: 0.55 } },
    ],
    layout: {
      ...baseLayout(theme, 320),
      barmode: 'overlay',
      bargap: 0,
      legend: { orientation: 'h', x: 1, xanchor: 'right', y: 1.12, font: { color: theme.text } },
      title: { text: `${plotText(view.tensor)}${grid}`, font: { size: 13, color: theme.text }, x: 0, xanchor: 'left' },
      xaxis: axis(theme, { title: { text: 'value' } }),
      yaxis: axis(theme, { title: { text: 'count' }, type: spread > 1000 ? 'log' : 'linear' }),
      shapes: view.clip === null ? [] : [verticalLine(view.clip.min, theme.warn, 'dash'), verticalLine(view.clip.max, theme.warn, 'dash')],
    },
  };
}
