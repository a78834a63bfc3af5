import type { EqualizationView } from '../../../src/views/types';
import { element } from '../dom';
import { equalizationFigure, pairLabel } from '../figures/equalization';
import { formatAccuracy } from '../figures/format';
import type { Host } from '../widget';
import { header, picker } from './common';

/** Per-channel weight ranges before and after cross-layer equalization, one pair at a time, and the skipped pairs. */
export async function renderEqualization(view: EqualizationView, host: Host): Promise<void> {
  host.node.append(header(view.title, [view.model, `${view.pairs.length} pairs equalized`,
    `accuracy ${formatAccuracy(view.accuracyBefore)} → ${formatAccuracy(view.accuracyAfter)}`]));
  const skipped = element('ul', { className: 'quantscope-skipped' },
    ...view.skipped.map((s) => element('li', { text: `${s.first} → ${s.second}: ${s.reason}` })));
  if (view.pairs.length === 0) {
    host.node.append(element('div', { className: 'quantscope-note', text: 'No pair was equalized.' }), skipped);
    return;
  }
  let pair = view.pairs[0];
  const pairs = picker('quantscope-pair', 'pair', view.pairs.map((p, i) => [String(i), pairLabel(p)] as const), '0');
  const figure = element('div', { className: 'quantscope-figure' });
  host.node.append(element('div', { className: 'quantscope-controls' }, pairs.node), figure);
  if (view.skipped.length > 0) host.node.append(element('div', { className: 'quantscope-note', text: 'Not equalized:' }), skipped);
  const plot = await host.plots.add(figure, (theme) => equalizationFigure(pair, theme));
  pairs.select.addEventListener('change', () => {
    pair = view.pairs[Number(pairs.select.value)];
    void plot.draw();
  });
}
