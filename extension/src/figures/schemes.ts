import type { SchemesViewRow } from '../../../src/views/types';
import { formatAccuracy, formatBytes, formatDelta } from './format';

/** The columns of the schemes table, in display order; each sorts by its own value. */
export type SchemeColumn = 'scheme' | 'accuracy' | 'delta' | 'modelBytes' | 'layersInFloat';

export const SCHEME_COLUMNS: readonly { readonly key: SchemeColumn; readonly title: string }[] = [
  { key: 'scheme', title: 'scheme' },
  { key: 'accuracy', title: 'accuracy' },
  { key: 'delta', title: 'Δ vs float' },
  { key: 'modelBytes', title: 'model size' },
  { key: 'layersInFloat', title: 'layers in float' },
];

export interface SchemeSort {
  readonly key: SchemeColumn;
  readonly descending: boolean;
}

/** The rows sorted by one column (names by locale, numbers numerically); ties keep the view's order. */
export function sortSchemes(rows: readonly SchemesViewRow[], sort: SchemeSort): SchemesViewRow[] {
  const sign = sort.descending ? -1 : 1;
  return rows
    .map((row, i) => ({ row, i }))
    .sort((a, b) => {
      const x = a.row[sort.key];
      const y = b.row[sort.key];
      const order = typeof x === 'string' ? x.localeCompare(y as string) : x - (y as number);
      return sign * order || a.i - b.i;
    })
    .map((e) => e.row);
}

/** The text of one cell. */
export function schemeCell(row: SchemesViewRow, key: SchemeColumn): string {
  switch (key) {
    case 'scheme': return row.scheme;
    case 'accuracy': return formatAccuracy(row.accuracy);
    case 'delta': return formatDelta(row.delta);
    case 'modelBytes': return formatBytes(row.modelBytes);
    case 'layersInFloat': return String(row.layersInFloat);
  }
}

/**
 * The length of a row's accuracy bar as a fraction of the cell: accuracies scaled so the best row fills the cell
 * (1 when every accuracy is 0, so the bars still show).
 */
export function accuracyBar(row: SchemesViewRow, rows: readonly SchemesViewRow[]): number {
  const best = Math.max(...rows.map((r) => r.accuracy));
  return best > 0 ? row.accuracy / best : 1;
}
