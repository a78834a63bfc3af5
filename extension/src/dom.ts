/** Small DOM builders. Every text goes in through textContent, so view strings (layer names, errors) stay text. */

export interface ElementOptions {
  readonly className?: string;
  readonly text?: string;
  readonly attrs?: Readonly<Record<string, string>>;
}

export function element<K extends keyof HTMLElementTagNameMap>(tag: K, options: ElementOptions = {}, ...children: Node[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (options.className !== undefined) el.className = options.className;
  if (options.text !== undefined) el.textContent = options.text;
  for (const [name, value] of Object.entries(options.attrs ?? {})) el.setAttribute(name, value);
  el.append(...children);
  return el;
}

/** The readable box a malformed payload or a failed load renders as. */
export function errorBox(message: string): HTMLElement {
  return element('div', { className: 'quantscope-error', attrs: { role: 'alert' } },
    element('strong', { text: 'Quantscope could not show this view. ' }), element('span', { text: message }));
}

/** A one-line status under a widget's controls: progress of a kernel request, or its error. */
export class StatusLine {
  readonly node = element('div', { className: 'quantscope-status', attrs: { role: 'status', 'aria-live': 'polite' } });

  info(text: string): void {
    this.node.textContent = text;
    this.node.dataset.state = 'info';
  }

  error(text: string): void {
    this.node.textContent = text;
    this.node.dataset.state = 'error';
  }
}
