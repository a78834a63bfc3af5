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

/** The right edge of the last bin. */
export function binnedHi(h: BinnedCounts): number {
  return h.lo + h.counts.length * h.binWidth;
}

/** The total of all counts. */
export function binnedTotal(h: BinnedCounts): number {
  let total = 0;
  for (let i = 0; i < h.counts.length; i++) total += h.counts[i];
  return total;
}
