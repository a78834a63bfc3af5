import type { ProgressView } from '../../../src/views/types';
import { element } from '../dom';
import { progressModel } from '../figures/progress';
import type { Host } from '../widget';

/** A progress bar; the kernel updates it in place with update_display_data, which renders the widget again. */
export async function renderProgress(view: ProgressView, host: Host): Promise<void> {
  const { fraction, caption } = progressModel(view);
  const bar = element('div', { className: 'quantscope-progress-bar' });
  bar.style.width = `${(100 * fraction).toFixed(1)}%`;
  host.node.append(element('div', {
    className: 'quantscope-progress',
    attrs: { role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': String(view.total), 'aria-valuenow': String(view.done), 'data-fraction': String(fraction) },
  }, bar), element('div', { className: 'quantscope-progress-label', text: caption }));
}
