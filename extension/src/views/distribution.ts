import type { DistributionView } from '../../../src/views/types';
import { element } from '../dom';
import { distributionFigure } from '../figures/distribution';
import { formatRange } from '../figures/format';
import type { Host } from '../widget';
import { header } from './common';

/** One tensor's float and quantized histograms with the clip range. */
export async function renderDistribution(view: DistributionView, host: Host): Promise<void> {
  const figure = element('div', { className: 'quantscope-figure' });
  host.node.append(header(view.title, [view.tensor, view.clip === null ? 'not quantized' : `clip ${formatRange(view.clip)}`]), figure);
  await host.plots.add(figure, (theme) => distributionFigure(view, theme));
}
