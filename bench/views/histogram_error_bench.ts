/**
 * `node build/bench/views/histogram_error_bench.js`: the cost of one histogramQuantError call on a 2,048-bin
 * histogram, the work the calibration widget does in the browser each time its percentile slider moves (target:
 * well under 50 ms). Prints the median and minimum milliseconds per call over 8- and 16-bit grids.
 */
import { histogramQuantError } from '../../src/views/histogram_error';
import { normals } from '../../test/support/random';
import { time } from '../timing';

const BINS = 2048;
const x = normals(2024, 200_000);
const edges = Array.from({ length: BINS + 1 }, (_, i) => -5 + (10 * i) / BINS);
const counts = new Array<number>(BINS).fill(0);
for (const v of x) counts[Math.min(BINS - 1, Math.max(0, Math.floor(((v + 5) / 10) * BINS)))]++;
const histogram = { edges, counts };

for (const bits of [8, 16]) {
  let sink = 0;
  // Ranges sweep the way a slider does, so no call repeats the previous one.
  let k = 0;
  const t = time(() => {
    k = (k + 1) % 100;
    sink += histogramQuantError(histogram, { min: -2 - k / 50, max: 2 + k / 50 }, { bits, symmetric: false }).mse;
  }, 2000);
  console.log(`histogramQuantError, ${BINS} bins, ${bits} bits: median ${(t.medianMs * 1000).toFixed(1)} us, `
    + `min ${(t.minMs * 1000).toFixed(1)} us per call (${t.repeats} calls; checksum ${sink.toExponential(3)})`);
}
