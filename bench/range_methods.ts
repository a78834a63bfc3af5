/**
 * Times the range-selection methods on a 2048-bin histogram (the size a slider re-runs live; budget 5 ms each).
 *
 *   npx tsc -b && node build/bench/range_methods.js [--repeat 200] [--samples 1000000]
 *
 * The histogram: seeded standard normal samples plus 0.01 % outliers uniform in +-[8, 40], binned over
 * [min, max] (so 0 falls inside a bin, as it does for real activations). Each method runs 5 times untimed, then
 * --repeat times timed; prints the median and minimum in milliseconds, one line per method, and exits non-zero if a
 * median exceeds the budget.
 */
import type { BinnedCounts } from '../src/calibration/binned';
import { entropyRange } from '../src/calibration/methods/entropy';
import { l2Range } from '../src/calibration/methods/l2';
import { mseRange } from '../src/calibration/methods/mse';
import { percentileRange } from '../src/calibration/methods/percentile';
import { Range } from '../src/range';
import { mulberry32, normals } from '../test/support/random';

const BUDGET_MS = 5;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} needs a positive integer, got ${process.argv[i + 1]}`);
  return v;
}

function benchHistogram(samples: number, bins: number): BinnedCounts {
  const data = Float64Array.from(normals(2024, samples));
  const rand = mulberry32(7);
  for (let i = 0; i < samples; i += 10000) data[i] = (rand() < 0.5 ? -1 : 1) * (8 + 32 * rand());
  let min = Infinity;
  let max = -Infinity;
  for (const v of data) { min = Math.min(min, v); max = Math.max(max, v); }
  const binWidth = (max - min) / bins;
  const counts = new Float64Array(bins);
  for (const v of data) counts[Math.min(bins - 1, Math.floor((v - min) / binWidth))]++;
  return { lo: min, binWidth, counts };
}

function time(run: () => Range, repeat: number): { median: number; min: number; result: Range } {
  let result = run();
  for (let i = 0; i < 4; i++) result = run();
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = process.hrtime.bigint();
    result = run();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], min: times[0], result };
}

function main(): void {
  const repeat = arg('repeat', 200);
  const samples = arg('samples', 1000000);
  const h = benchHistogram(samples, 2048);
  const methods: Array<[string, () => Range]> = [
    ['percentile two-sided 99.99', () => percentileRange(h, { percentile: 99.99, mode: 'two-sided' })],
    ['percentile abs 99.99', () => percentileRange(h, { percentile: 99.99, mode: 'abs' })],
    ['entropy (128 / 128 / 1)', () => entropyRange(h)],
    ['mse symmetric, 255 levels', () => mseRange(h, { levels: 255, symmetric: true })],
    ['mse asymmetric, 255 levels', () => mseRange(h, { levels: 255, symmetric: false })],
    ['l2 (torch), 256 dst bins', () => l2Range(h)],
  ];
  console.log(`2048-bin histogram of ${samples} normal samples with outliers; range [${h.lo.toFixed(3)}, ` +
    `${(h.lo + 2048 * h.binWidth).toFixed(3)}]; ${repeat} timed runs each`);
  let over = false;
  for (const [name, run] of methods) {
    const { median, min, result } = time(run, repeat);
    over ||= median > BUDGET_MS;
    console.log(`${name.padEnd(28)} median ${median.toFixed(3)} ms  min ${min.toFixed(3)} ms  ` +
      `-> [${result.min.toFixed(4)}, ${result.max.toFixed(4)}]`);
  }
  if (over) {
    console.error(`a median exceeds the ${BUDGET_MS} ms budget`);
    process.exitCode = 1;
  }
}

main();
