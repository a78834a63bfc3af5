import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BinnedCounts } from '../src/calibration/binned';
import { QuantscopeArgumentError } from '../src/errors';
import { entropyRange, foldAbsCounts } from '../src/calibration/methods/entropy';
import { l2Range, l2SearchBins } from '../src/calibration/methods/l2';
import { mseError, mseRange } from '../src/calibration/methods/mse';
import { percentileRange } from '../src/calibration/methods/percentile';
import { mulberry32, normals } from './support/random';
import {
  entropyRangeRef, foldRef, mseErrorRef, mseRangeRef, percentileRangeRef, torchNonLinearParamSearchRef,
} from './reference/range_methods_reference';

// ------------------------------------------------------------------------------------------------------ fixtures

/** Counts of `samples` in `bins` equal bins over [lo, hi) (the last bin closed), float64. */
function histogramOf(samples: ArrayLike<number>, bins: number, lo?: number, hi?: number): BinnedCounts {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < samples.length; i++) { min = Math.min(min, samples[i]); max = Math.max(max, samples[i]); }
  const a = lo ?? min;
  const b = hi ?? max;
  const binWidth = (b - a) / bins;
  const counts = new Float64Array(bins);
  for (let i = 0; i < samples.length; i++) {
    const k = Math.min(bins - 1, Math.max(0, Math.floor((samples[i] - a) / binWidth)));
    counts[k]++;
  }
  return { lo: a, binWidth, counts };
}

function withOutliers(seed: number, n: number, outliers: number[]): Float64Array {
  const base = normals(seed, n);
  const out = new Float64Array(n + outliers.length);
  out.set(base);
  out.set(outliers, n);
  return out;
}

/**
 * A family of histograms that exercises every path: normal data with zero inside a bin, outliers behind a gap,
 * non-negative (ReLU-like) data with a spike at 0, fractional counts, negative-only data, positive data that starts
 * away from 0 (h.lo > 0), sparse random counts.
 */
function histogramFamily(bins: number): Array<{ name: string; h: BinnedCounts }> {
  const rand = mulberry32(99);
  const relu = Float64Array.from(normals(5, 20000), (v) => Math.max(0, v));
  const fractional = histogramOf(normals(6, 30000, 0.4, 1.3), bins);
  const sparse = new Float64Array(bins);
  for (let i = 0; i < bins; i++) sparse[i] = rand() < 0.3 ? Math.floor(rand() * 50) : 0;
  sparse[Math.floor(bins / 3)] = 7;
  return [
    { name: 'normal', h: histogramOf(normals(1, 50000), bins) },
    { name: 'normal with far outliers', h: histogramOf(withOutliers(2, 50000, [-9.5, 31, 42.25]), bins) },
    { name: 'relu with a spike at 0', h: histogramOf(relu, bins) },
    {
      name: 'fractional counts',
      h: { ...fractional, counts: Float64Array.from(fractional.counts, (c) => c * (0.25 + rand())) },
    },
    { name: 'negative only', h: histogramOf(Float64Array.from(normals(7, 20000), (v) => -Math.abs(v) - 0.5), bins) },
    { name: 'positive, away from 0', h: histogramOf(Float64Array.from(normals(12, 20000, 3, 0.5), Math.abs), bins) },
    { name: 'sparse random counts', h: { lo: -1.37, binWidth: 0.011, counts: sparse } },
  ];
}

function extentOf(h: BinnedCounts): number {
  return Math.max(Math.abs(h.lo), Math.abs(h.lo + h.counts.length * h.binWidth));
}

function assertRangeClose(actual: { min: number; max: number }, expected: { min: number; max: number },
  scale: number, rel: number, what: string): void {
  const tol = rel * scale;
  assert.ok(Math.abs(actual.min - expected.min) <= tol && Math.abs(actual.max - expected.max) <= tol,
    `${what}: got [${actual.min}, ${actual.max}], expected [${expected.min}, ${expected.max}] (tol ${tol})`);
}

function assertThrowsArg(fn: () => unknown, fnName: string, arg: string, valueText?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof QuantscopeArgumentError, `expected a QuantscopeArgumentError, got ${String(e)}`);
    assert.equal(e.fn, fnName);
    assert.equal(e.arg, arg);
    assert.ok(e.message.startsWith(`${fnName}: argument '${arg}' was `), e.message);
    assert.ok(e.message.includes('expected'), e.message);
    if (valueText !== undefined) assert.ok(e.message.includes(valueText), e.message);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------------- percentile

test('percentileRange two-sided equals the bisected, bin-by-bin integrated CDF on every histogram', () => {
  for (const bins of [64, 2048]) {
    for (const { name, h } of histogramFamily(bins)) {
      for (const p of [50.5, 90, 99, 99.99, 99.999, 100]) {
        assertRangeClose(percentileRange(h, { percentile: p, mode: 'two-sided' }),
          percentileRangeRef(h, p, 'two-sided'), extentOf(h), 1e-9, `${name}, ${bins} bins, p = ${p}`);
      }
    }
  }
});

test('percentileRange abs equals the bisected |x| mass, splitting the bin that straddles 0 proportionally', () => {
  for (const bins of [64, 2048]) {
    for (const { name, h } of histogramFamily(bins)) {
      for (const p of [1, 37.5, 90, 99, 99.99, 100]) {
        assertRangeClose(percentileRange(h, { percentile: p, mode: 'abs' }), percentileRangeRef(h, p, 'abs'),
          extentOf(h), 1e-9, `${name}, ${bins} bins, p = ${p}`);
      }
    }
  }
  // Bin [-0.25, 0.75) of mass 4: |x| < 0.25 holds 2 of it, so the 25th percentile of |x| is 0.125.
  const straddle: BinnedCounts = { lo: -0.25, binWidth: 1, counts: new Float64Array([4]) };
  assert.deepEqual(percentileRange(straddle, { percentile: 25, mode: 'abs' }), { min: -0.125, max: 0.125 });
  assert.deepEqual(percentileRange(straddle, { percentile: 75, mode: 'abs' }), { min: -0.5, max: 0.5 });
});

test('percentileRange at p = 100 is the full range of uniform data and otherwise the occupied extent', () => {
  const uniform: BinnedCounts = { lo: -2, binWidth: 0.05, counts: new Float64Array(100).fill(5) };
  assert.deepEqual(percentileRange(uniform, { percentile: 100, mode: 'two-sided' }), { min: -2, max: -2 + 100 * 0.05 });
  assert.deepEqual(percentileRange(uniform, { percentile: 100, mode: 'abs' }), { min: -3, max: 3 });
  const counts = new Float64Array(10);
  counts[3] = 2;
  counts[6] = 1;
  assert.deepEqual(percentileRange({ lo: 0, binWidth: 1, counts }, { percentile: 100, mode: 'two-sided' }),
    { min: 3, max: 7 });
  // Uniform data: the p-th percentile interpolates linearly.
  const r = percentileRange(uniform, { percentile: 90, mode: 'two-sided' });
  assert.ok(Math.abs(r.min - (-2 + 0.1 * 5)) < 1e-12 && Math.abs(r.max - (-2 + 0.9 * 5)) < 1e-12);
});

test('percentileRange interpolates inside a single occupied bin', () => {
  const counts = new Float64Array(8);
  counts[5] = 10;
  const r = percentileRange({ lo: 1, binWidth: 0.5, counts }, { percentile: 90, mode: 'two-sided' });
  assert.ok(Math.abs(r.min - (1 + 5.1 * 0.5)) < 1e-12 && Math.abs(r.max - (1 + 5.9 * 0.5)) < 1e-12);
});

test('percentileRange abs of one-sided data is [0, a], also when h.lo < 0 but no mass lies below 0', () => {
  const counts = new Float64Array([0, 0, 3, 5, 2]);
  assert.equal(percentileRange({ lo: -2, binWidth: 1, counts }, { percentile: 100, mode: 'abs' }).min, 0);
  assert.deepEqual(percentileRange({ lo: 0.5, binWidth: 1, counts }, { percentile: 100, mode: 'abs' }),
    { min: 0, max: 5.5 });
});

test('percentileRange rejects percentile 0, 101, NaN, (0, 50] for two-sided, and an unknown mode', () => {
  const h = histogramOf(normals(3, 1000), 64);
  for (const p of [0, 101, NaN, -5]) {
    for (const mode of ['abs', 'two-sided'] as const) {
      assertThrowsArg(() => percentileRange(h, { percentile: p, mode }), 'percentileRange', 'percentile', String(p));
    }
  }
  const fn = 'percentileRange';
  assertThrowsArg(() => percentileRange(h, { percentile: 50, mode: 'two-sided' }), fn, 'percentile', '50');
  assertThrowsArg(() => percentileRange(h, { percentile: 99, mode: 'both' as never }), fn, 'mode', '"both"');
});

// ------------------------------------------------------------------------------------------------------- entropy

test('foldAbsCounts equals the direct overlap fold, aligned and misaligned with 0', () => {
  for (const bins of [64, 301]) {
    for (const { name, h } of histogramFamily(bins)) {
      const fast = foldAbsCounts(h);
      const ref = foldRef(h);
      assert.equal(fast.length, ref.length, name);
      for (let k = 0; k < ref.length; k++) {
        assert.ok(Math.abs(fast[k] - ref[k]) <= 1e-9 * Math.max(1, ref[k]),
          `${name} bin ${k}: ${fast[k]} vs ${ref[k]}`);
        assert.equal(fast[k] > 0, ref[k] > 0, `${name} bin ${k} occupancy`);
      }
    }
  }
});

test('entropyRange picks the same threshold as a literal transcription of the TensorRT loop', () => {
  const cases: Array<[number, { targetBins: number; startBin: number; stride: number }]> = [
    [2048, { targetBins: 128, startBin: 128, stride: 1 }],
    [2048, { targetBins: 128, startBin: 256, stride: 7 }],
    [400, { targetBins: 16, startBin: 16, stride: 1 }],
    [301, { targetBins: 8, startBin: 10, stride: 3 }],
  ];
  for (const [bins, options] of cases) {
    for (const zeroBin of ['level', 'keep'] as const) {
      for (const { name, h } of histogramFamily(bins)) {
        assertRangeClose(entropyRange(h, { ...options, zeroBin }),
          entropyRangeRef(h, options.targetBins, options.startBin, options.stride, zeroBin), extentOf(h), 1e-9,
          `${name}, ${bins} bins, ${JSON.stringify(options)}, zero bin ${zeroBin}`);
      }
    }
  }
});

test('entropyRange returns the occupied extent when the folded histogram has fewer than startBin bins', () => {
  const counts = new Float64Array(200);
  counts[150] = 3; // one occupied bin: [-0.5, -0.49) with lo = -2
  const h: BinnedCounts = { lo: -2, binWidth: 0.01, counts };
  const r = entropyRange(h);
  assert.ok(Math.abs(r.max - 0.5) < 1e-12 && r.min === -r.max, JSON.stringify(r));
});

test('entropyRange returns [0, t] for one-sided data', () => {
  const relu = Float64Array.from(normals(8, 50000), (v) => Math.max(0, v));
  const r = entropyRange(histogramOf(relu, 2048));
  assert.equal(r.min, 0);
  assert.ok(r.max > 0);
});

test('entropyRange folds data far from 0 onto widened bins instead of allocating billions', () => {
  // 2048 bins of width 1e-3 at 1e6: 1e9 bins of |x| at the source width, widened 954-fold to stay under 2^20.
  const h = histogramOf(Float64Array.from(normals(10, 20000), (v) => 1e6 + v), 2048);
  const started = Date.now();
  const r = entropyRange(h);
  assert.ok(Date.now() - started < 2000);
  const hi = h.lo + 2048 * h.binWidth;
  const widened = Math.ceil(hi / h.binWidth / 2 ** 20) * h.binWidth;
  assert.equal(r.min, 0);
  assert.ok(r.max > h.lo && r.max <= hi + widened, JSON.stringify(r));
});

test('entropyRange rejects targetBins < 2, startBin < targetBins and stride < 1', () => {
  const h = histogramOf(normals(3, 1000), 256);
  assertThrowsArg(() => entropyRange(h, { targetBins: 1 }), 'entropyRange', 'targetBins', '1');
  assertThrowsArg(() => entropyRange(h, { targetBins: 2.5 }), 'entropyRange', 'targetBins', '2.5');
  assertThrowsArg(() => entropyRange(h, { startBin: 64 }), 'entropyRange', 'startBin', '64');
  assertThrowsArg(() => entropyRange(h, { stride: 0 }), 'entropyRange', 'stride', '0');
});

// ----------------------------------------------------------------------------------------------------------- mse

test('mseError equals the error integrated bin piece by bin piece', () => {
  const rand = mulberry32(11);
  for (const { name, h } of histogramFamily(128)) {
    const hi = h.lo + h.counts.length * h.binWidth;
    for (let k = 0; k < 50; k++) {
      const min = Math.min(0, h.lo + rand() * (hi - h.lo) * 1.2 - 0.1);
      const max = Math.max(0, h.lo + rand() * (hi - h.lo) * 1.2 - 0.1) + 1e-3;
      const ref = mseErrorRef(h, 255, min, max);
      assert.ok(Math.abs(mseError(h, 255, min, max) - ref) <= 1e-9 * ref, `${name} [${min}, ${max}]`);
    }
  }
});

test('mseRange symmetric equals the brute-force minimum over every edge magnitude', () => {
  for (const bins of [64, 2048]) {
    for (const { name, h } of histogramFamily(bins)) {
      for (const levels of bins < 100 ? [255, 15] : [255]) {
        assertRangeClose(mseRange(h, { levels, symmetric: true }), mseRangeRef(h, levels, true), extentOf(h), 1e-9,
          `${name}, ${bins} bins, levels ${levels}`);
      }
    }
  }
});

test('mseRange asymmetric equals the brute-force minimum over every pair of edges', () => {
  for (const bins of [40, 150, 241]) {
    for (const { name, h } of histogramFamily(bins)) {
      for (const levels of bins < 200 ? [255, 7] : [255]) {
        assertRangeClose(mseRange(h, { levels, symmetric: false }), mseRangeRef(h, levels, false), extentOf(h), 1e-9,
          `${name}, ${bins} bins, levels ${levels}`);
      }
    }
  }
});

test('mseRange always contains 0 and gives min 0 for one-sided data', () => {
  for (const { name, h } of histogramFamily(256)) {
    for (const symmetric of [true, false]) {
      const r = mseRange(h, { levels: 255, symmetric });
      assert.ok(r.min <= 0 && r.max >= 0 && r.max > r.min, `${name}: ${JSON.stringify(r)}`);
    }
  }
  const positive: BinnedCounts = { lo: 1, binWidth: 0.1, counts: new Float64Array(40).fill(3) };
  assert.equal(mseRange(positive, { levels: 255, symmetric: false }).min, 0);
  assert.equal(mseRange(positive, { levels: 255, symmetric: true }).min, 0);
  const single = new Float64Array(40);
  single[12] = 9;
  assert.deepEqual(mseRange({ lo: 0, binWidth: 0.5, counts: single }, { levels: 255, symmetric: false }),
    { min: 0, max: 6.5 });
});

test('mseRange rejects levels < 1, non-integer or NaN levels and a non-boolean symmetric', () => {
  const h = histogramOf(normals(3, 1000), 64);
  for (const levels of [0, -3, 2.5, NaN]) {
    assertThrowsArg(() => mseRange(h, { levels, symmetric: true }), 'mseRange', 'levels', String(levels));
  }
  assertThrowsArg(() => mseRange(h, { levels: 255 } as never), 'mseRange', 'symmetric', 'undefined');
});

// ------------------------------------------------------------------------------------------------------------ l2

test('l2SearchBins chooses the same bins as a line-by-line transcription of torch _non_linear_param_search', () => {
  for (const bins of [2048, 333, 40]) {
    for (const { name, h } of histogramFamily(bins)) {
      for (const dstBins of [256, 16]) {
        const expected = torchNonLinearParamSearchRef(h.counts, h.binWidth, dstBins);
        assert.deepEqual(l2SearchBins(h, { dstBins }), expected, `${name}, ${bins} bins, dstBins ${dstBins}`);
        const r = l2Range(h, { dstBins });
        assertRangeClose(r, {
          min: h.lo + expected.startBin * h.binWidth, max: h.lo + (expected.endBin + 1) * h.binWidth,
        }, extentOf(h), 1e-12, name);
      }
    }
  }
});

test('l2Range keeps min 0 for one-sided data and handles a single bin', () => {
  const relu = Float64Array.from(normals(9, 50000), (v) => Math.max(0, v));
  assert.equal(l2Range(histogramOf(relu, 2048)).min, 0);
  assert.deepEqual(l2SearchBins({ lo: 3, binWidth: 2, counts: new Float64Array([5]) }), { startBin: 0, endBin: 0 });
});

test('l2Range rejects dstBins < 1', () => {
  const h = histogramOf(normals(3, 1000), 64);
  assertThrowsArg(() => l2Range(h, { dstBins: 0 }), 'l2Range', 'dstBins', '0');
  assertThrowsArg(() => l2SearchBins(h, { dstBins: 1.5 }), 'l2SearchBins', 'dstBins', '1.5');
});

// ---------------------------------------------------------------------------------------------------- all methods

test('entropy, MSE and L2 clip a far outlier that min/max (percentile 100) keeps', () => {
  // 2e6 standard normal values and one at 60.
  const h = histogramOf(withOutliers(4, 2000000, [60]), 2048);
  const minmax = percentileRange(h, { percentile: 100, mode: 'two-sided' });
  assert.ok(minmax.max >= 60);
  const ranges = {
    entropy: entropyRange(h),
    mseSymmetric: mseRange(h, { levels: 255, symmetric: true }),
    mseAsymmetric: mseRange(h, { levels: 255, symmetric: false }),
    l2: l2Range(h),
  };
  // Entropy, L2 and symmetric MSE drop the outlier entirely; asymmetric MSE (whose min need not grow with the
  // max) stops at about 14, where the clipped value's error balances the rounding error of 2e6 values.
  for (const [name, r] of Object.entries(ranges)) {
    assert.ok(r.max > 3 && r.max < (name === 'mseAsymmetric' ? 20 : 10) && r.min < -3, `${name}: ${JSON.stringify(r)}`);
  }
});

test('MSE and L2 weigh one outlier against the rounding error of the rest: 1 in 1e5 is kept or half-clipped', () => {
  // 1e5 normal values and one at 60. Symmetric MSE: with t the clip, (60 - t)^2 against 1e5 (2t / 255)^2 / 12
  // is minimal at t = 60 / (1 + 1e5 / 195075) = 39.6.
  const h = histogramOf(withOutliers(4, 100000, [60]), 2048);
  const symmetric = mseRange(h, { levels: 255, symmetric: true });
  assert.ok(Math.abs(symmetric.max - 60 / (1 + 1e5 / 195075)) < 0.1, JSON.stringify(symmetric));
  // torch's walk can only drop the outlier together with the empty gap below it, which costs (60 - 4)^2 and saves
  // less rounding error than that, so it stops with the outlier kept (as torch does).
  assert.equal(l2Range(h).max, h.lo + 2048 * h.binWidth);
});

test('every method rejects an empty histogram, NaN or negative counts and a non-positive bin width', () => {
  const methods: Array<[string, (h: BinnedCounts) => unknown]> = [
    ['percentileRange', (h) => percentileRange(h, { percentile: 99, mode: 'abs' })],
    ['entropyRange', (h) => entropyRange(h)],
    ['mseRange', (h) => mseRange(h, { levels: 255, symmetric: false })],
    ['l2Range', (h) => l2Range(h)],
  ];
  const good = new Float64Array([1, 2, 3, 4]);
  for (const [fnName, run] of methods) {
    assertThrowsArg(() => run({ lo: 0, binWidth: 1, counts: new Float64Array(4) }), fnName, 'h.counts', 'empty');
    assertThrowsArg(() => run({ lo: 0, binWidth: 1, counts: new Float64Array(0) }), fnName, 'h.counts', 'length 0');
    assertThrowsArg(() => run({ lo: 0, binWidth: 1, counts: new Float64Array([1, NaN, 2]) }), fnName, 'h.counts',
      'found NaN at index 1');
    assertThrowsArg(() => run({ lo: 0, binWidth: 1, counts: new Float64Array([1, 2, -1]) }), fnName, 'h.counts',
      'found -1 at index 2');
    assertThrowsArg(() => run({ lo: 0, binWidth: 1, counts: new Float64Array([Infinity]) }), fnName, 'h.counts',
      'found Infinity at index 0');
    for (const binWidth of [0, -0.5, NaN, Infinity]) {
      assertThrowsArg(() => run({ lo: 0, binWidth, counts: good }), fnName, 'h.binWidth', String(binWidth));
    }
    assertThrowsArg(() => run({ lo: NaN, binWidth: 1, counts: good }), fnName, 'h.lo', 'NaN');
  }
});
