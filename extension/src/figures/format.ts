/** Number formats shared by the figures and the widgets (plain strings; no DOM). */

/** Three significant digits; exponent notation outside [1e-3, 1e5) so errors of 1e-7 stay readable. */
export function formatNumber(x: number | null): string {
  if (x === null) return '–';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? String(Number(x.toPrecision(3))) : x.toExponential(2);
}

/** An accuracy in [0, 1] as a percentage: 0.8734 -> "87.34 %". */
export function formatAccuracy(accuracy: number | null): string {
  return accuracy === null ? '–' : `${(100 * accuracy).toFixed(2)} %`;
}

/** A difference in percentage points with its sign: -1.5 -> "-1.50 pt". */
export function formatDelta(points: number): string {
  return `${points > 0 ? '+' : points < 0 ? '−' : '±'}${Math.abs(points).toFixed(2)} pt`;
}

/** A size in bytes with a binary unit: 121000 -> "118.2 KiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** A range as "[min, max]". */
export function formatRange(range: { readonly min: number; readonly max: number } | null): string {
  return range === null ? '–' : `[${formatNumber(range.min)}, ${formatNumber(range.max)}]`;
}
