import { element } from '../dom';
import { formatAccuracy, formatDelta } from '../figures/format';

/** The title line of a view and a muted line of facts under it. */
export function header(title: string, facts: readonly string[]): HTMLElement {
  return element('div', { className: 'quantscope-header' },
    element('div', { className: 'quantscope-title', text: title }),
    element('div', { className: 'quantscope-facts', text: facts.filter((f) => f !== '').join(' · ') }));
}

/**
 * The `.quantscope-accuracy` element: empty until a kernel reply fills it with `show`; its `data-accuracy`
 * attribute holds the accuracy in [0, 1] for tests and scripts.
 */
export class AccuracyLine {
  readonly node = element('div', { className: 'quantscope-accuracy', attrs: { 'aria-live': 'polite' } });

  show(accuracy: number, delta: number, detail: string): void {
    this.node.textContent = `accuracy ${formatAccuracy(accuracy)} (${formatDelta(delta)} vs float)${detail === '' ? '' : ` ${detail}`}`;
    this.node.dataset.accuracy = String(accuracy);
  }
}

/** A labelled <select> of `options` (value, text) with `selected` chosen. */
export function picker(className: string, label: string, options: readonly (readonly [string, string])[], selected: string): {
  readonly node: HTMLElement; readonly select: HTMLSelectElement;
} {
  const select = element('select', { className });
  for (const [value, text] of options) select.append(element('option', { text, attrs: { value } }));
  select.value = selected;
  return { node: element('label', { className: 'quantscope-control' }, element('span', { text: label }), select), select };
}
