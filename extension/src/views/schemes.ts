import type { SchemesView } from '../../../src/views/types';
import { element } from '../dom';
import { accuracyBar, SCHEME_COLUMNS, schemeCell, sortSchemes, type SchemeSort } from '../figures/schemes';
import type { Host } from '../widget';
import { header } from './common';

/**
 * The scheme comparison as a table sorted by accuracy (best first); each header is a button
 * (`button.quantscope-sort[data-key]`) that sorts by its column, again to reverse. Accuracy cells carry a bar.
 */
export async function renderSchemes(view: SchemesView, host: Host): Promise<void> {
  let sort: SchemeSort = { key: 'accuracy', descending: true };
  const body = element('tbody');
  const heads = SCHEME_COLUMNS.map((c) => {
    const button = element('button', { className: 'quantscope-sort quantscope-link', text: c.title, attrs: { type: 'button', 'data-key': c.key } });
    button.addEventListener('click', () => {
      sort = { key: c.key, descending: sort.key === c.key ? !sort.descending : c.key !== 'scheme' };
      fill();
    });
    return { key: c.key, th: element('th', {}, button) };
  });
  const fill = () => {
    for (const h of heads) {
      if (h.key === sort.key) h.th.setAttribute('aria-sort', sort.descending ? 'descending' : 'ascending');
      else h.th.removeAttribute('aria-sort');
    }
    body.replaceChildren(...sortSchemes(view.rows, sort).map((row) => element('tr', { attrs: { 'data-scheme': row.scheme } },
      ...SCHEME_COLUMNS.map((c) => {
        const cell = element('td', { text: schemeCell(row, c.key) });
        if (c.key === 'accuracy') {
          const bar = element('div', { className: 'quantscope-bar' });
          bar.style.width = `${(100 * accuracyBar(row, view.rows)).toFixed(1)}%`;
          cell.prepend(bar);
          cell.classList.add('quantscope-bar-cell');
        }
        return cell;
      }))));
  };
  fill();
  host.node.append(header(view.title, [view.model, `${view.samples} samples`]),
    element('div', { className: 'quantscope-scroll' },
      element('table', { className: 'quantscope-table quantscope-schemes' }, element('thead', {}, element('tr', {}, ...heads.map((h) => h.th))), body)));
}
