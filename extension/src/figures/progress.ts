import type { ProgressView } from '../../../src/views/types';

/** The bar's fill in [0, 1] and its caption: "label: done / total (pct %)"; a total of 0 shows as done. */
export function progressModel(view: ProgressView): { readonly fraction: number; readonly caption: string } {
  const fraction = view.total > 0 ? view.done / view.total : 1;
  const label = view.label === '' ? view.title : view.label;
  return { fraction, caption: `${label}: ${view.done} / ${view.total} (${Math.round(100 * fraction)} %)` };
}
