import type { ChannelRangesView, EqualizationPairView } from '../../../src/views/types';
import { axis, baseLayout, plotText, type Figure, type PlotObject, type Theme } from './figure';

/** "conv1 → conv2": how a pair is named in the picker. */
export function pairLabel(pair: EqualizationPairView): string {
  return `${pair.first.layer} → ${pair.second.layer}`;
}

/**
 * One equalized pair: per-channel weight ranges (max |w|) before and after, the producer's output channels on the
 * left panel and the consumer's input channels on the right. Equalization evens the bars out; the channel scales
 * are in the hover text.
 */
export function equalizationFigure(pair: EqualizationPairView, theme: Theme): Figure {
  const channels = pair.scales.map((_, i) => i);
  const side = (ranges: ChannelRangesView, panel: '' | '2', role: string): PlotObject[] => {
    const name = `${plotText(ranges.layer)} (${role})`;
    const hover = channels.map((c) => `channel ${c}, scale s = ${pair.scales[c].toPrecision(3)}`);
    const common = { type: 'bar', x: channels, xaxis: `x${panel}`, yaxis: `y${panel}`, hovertext: hover, legendgroup: role };
    return [
      { ...common, name: `${name} before`, y: ranges.before, marker: { color: theme.primary, opacity: 0.5 } },
      { ...common, name: `${name} after`, y: ranges.after, marker: { color: theme.secondary } },
    ];
  };
  return {
    data: [...side(pair.first, '', 'output channels'), ...side(pair.second, '2', 'input channels')],
    layout: {
      ...baseLayout(theme, 340),
      barmode: 'group',
      xaxis: axis(theme, { domain: [0, 0.47], title: { text: `${plotText(pair.first.layer)}: output channel` } }),
      xaxis2: axis(theme, { domain: [0.53, 1], anchor: 'y2', title: { text: `${plotText(pair.second.layer)}: input channel` } }),
      yaxis: axis(theme, { title: { text: 'max |w|' }, rangemode: 'tozero' }),
      yaxis2: axis(theme, { anchor: 'x2', rangemode: 'tozero' }),
    },
  };
}
