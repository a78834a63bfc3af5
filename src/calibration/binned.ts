import { check, QuantscopeArgumentError } from '../errors';

/**
 * Counts over uniform bins: bin i covers [lo + i * binWidth, lo + (i + 1) * binWidth). This is the one histogram
 * shape every range-selection method reads; the streaming histogram observer and `histogramOver` both produce it.
 * `counts` may hold fractional values (a histogram interpolated from another one).
 */
export interface BinnedCounts {
  readonly lo: number;
  readonly binWidth: number;
  readonly counts: Float64Array;
}

/**
 * Validates a histogram for a range-selection method and returns its total count (sequential float64 sum).
 * Throws, naming `fn`, when: h is not an object; h.lo is not finite; h.binWidth is not a finite positive number or
 * the last edge lo + n * binWidth overflows; h.counts is not a non-empty Float64Array; a count is NaN, infinite or
 * negative (the message gives the first offending index); or every count is zero (an empty histogram has no range).
 * Shared by every range-selection method.
 */
export function checkBinnedCounts(fn: string, h: BinnedCounts): number {
  check(typeof h === 'object' && h !== null, fn, 'h', h, 'a BinnedCounts object { lo, binWidth, counts }');
  check(typeof h.lo === 'number' && Number.isFinite(h.lo), fn, 'h.lo', h.lo, 'a finite number');
  check(typeof h.binWidth === 'number' && Number.isFinite(h.binWidth) && h.binWidth > 0, fn, 'h.binWidth',
    h.binWidth, 'a finite positive number');
  check(h.counts instanceof Float64Array && h.counts.length > 0, fn, 'h.counts', h.counts,
    'a non-empty Float64Array');
  check(Number.isFinite(h.lo + h.counts.length * h.binWidth), fn, 'h.binWidth', h.binWidth,
    `a width whose last edge lo + ${h.counts.length} * binWidth is finite`);
  const counts = h.counts;
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    // !(c >= 0) catches NaN and negatives; c === Infinity the rest.
    if (!(c >= 0) || c === Infinity) {
      throw new QuantscopeArgumentError(fn, 'h.counts', counts,
        `finite non-negative counts, found ${c} at index ${i}`);
    }
    total += c;
  }
  check(Number.isFinite(total), fn, 'h.counts', counts, 'counts whose sum is finite');
  check(total > 0, fn, 'h.counts', counts, 'at least one positive count (the histogram is empty: every count is 0)');
  return total;
}

/** Index of the first and the last bin with a positive count (the histogram must not be empty). */
export function occupiedBins(h: BinnedCounts): { readonly first: number; readonly last: number } {
  const c = h.counts;
  let first = 0;
  while (first < c.length - 1 && !(c[first] > 0)) first++;
  let last = c.length - 1;
  while (last > first && !(c[last] > 0)) last--;
  return { first, last };
}

/**
 * True when no mass lies below 0 under the uniform-within-bin assumption: the first occupied bin starts at or
 * above 0 (always so when h.lo >= 0). The test is done in bin units with a 1e-9 bin tolerance, so a first edge
 * that is 0 up to rounding (lo + i * binWidth = -1e-17) counts as 0.
 */
export function isNonNegative(h: BinnedCounts): boolean {
  return occupiedBins(h).first >= -h.lo / h.binWidth - 1e-9;
}
