import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mseError } from '../../src/calibration/methods/mse';
import { histogramQuantError, type ViewHistogram } from '../../src/views/histogram_error';
import { histogramRef, piecewiseQuantErrorRef, sampleQuantErrorRef } from '../reference/histogram_error_reference';
import { mulberry32, normals } from '../support/random';

function close(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected) + 1e-300,
    `${what}: ${actual} vs ${expected} (relative ${(Math.abs(actual - expected) / Math.abs(expected)).toExponential(2)} > ${rel})`);
}

function uniformEdges(lo: number, hi: number, bins: number): number[] {
  return Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
}

/** A histogram of the samples over their own extent. */
function histogramOf(samples: ArrayLike<number>, bins: number): ViewHistogram {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < samples.length; i++) { lo = Math.min(lo, samples[i]); hi = Math.max(hi, samples[i]); }
  const edges = uniformEdges(lo, hi, bins);
  return { edges, counts: histogramRef(samples, edges) };
}

/** Irregular bins with random widths and counts (some empty). */
function irregularHistogram(seed: number, bins: number, lo: number): ViewHistogram {
  const rand = mulberry32(seed);
  const edges = [lo];
  for (let i = 0; i < bins; i++) edges.push(edges[i] + 0.05 + rand() * 0.5);
  const counts = Array.from({ length: bins }, () => (rand() < 0.2 ? 0 : Math.round(rand() * 1000)));
  return { edges, counts };
}

test('histogramQuantError equals the error integrated piece by piece between grid midpoints, on irregular bins', () => {
  const cases: Array<[string, ViewHistogram, number, number]> = [
    ['straddling 0', irregularHistogram(1, 64, -7), -3, 4.5],
    ['wider than the data', irregularHistogram(2, 64, -7), -20, 30],
    ['inside one bin', irregularHistogram(3, 64, -7), 0.01, 0.02],
    ['positive data', irregularHistogram(4, 200, 0.5), 0, 40],
  ];
  for (const [name, h, min, max] of cases) {
    for (const bits of [2, 4, 8, 16]) {
      for (const symmetric of [false, true]) {
        const got = histogramQuantError(h, { min, max }, { bits, symmetric });
        const ref = piecewiseQuantErrorRef(h.edges, h.counts, min, max, bits, symmetric);
        const what = `${name} ${bits} bits ${symmetric ? 'sym' : 'asym'}`;
        close(got.clipping, ref.clipping, 1e-9, `${what} clipping`);
        close(got.rounding, ref.rounding, 1e-9, `${what} rounding`);
        close(got.mse, ref.clipping + ref.rounding, 1e-9, `${what} mse`);
      }
    }
  }
});

test('histogramQuantError of 2,048 bins estimates the error of quantizing the raw samples', () => {
  const x = normals(11, 200_000);
  const h = histogramOf(x, 2048);
  for (const [min, max] of [[-4, 4], [-2.5, 3], [-1, 1]]) {
    for (const bits of [4, 8]) {
      for (const symmetric of [false, true]) {
        const got = histogramQuantError(h, { min, max }, { bits, symmetric });
        const truth = sampleQuantErrorRef(x, min, max, bits, symmetric);
        const what = `[${min}, ${max}] ${bits} bits ${symmetric ? 'sym' : 'asym'}`;
        close(got.rounding, truth.rounding, 0.01, `${what} rounding`);
        if (truth.clipping > 0) close(got.clipping, truth.clipping, 0.01, `${what} clipping`);
      }
    }
  }
});

test('histogramQuantError sees that values piled on a grid point lose nothing, where scale^2 / 12 per value does not', () => {
  // A ReLU output: 40 % exact zeros, the rest half-normal.
  const x = normals(12, 100_000).map((v, i) => (i % 5 < 2 ? 0 : Math.abs(v)));
  const h = histogramOf(x, 2048);
  const range = { min: 0, max: 3 };
  const got = histogramQuantError(h, range, { bits: 4, symmetric: false });
  const truth = sampleQuantErrorRef(x, 0, 3, 4, false);
  close(got.rounding, truth.rounding, 0.02, 'rounding');
  const perValue = (got.scale * got.scale) / 12; // mseError's rounding model; nearly every value lies inside [0, 3]
  assert.ok(perValue > 1.5 * truth.rounding, `scale^2 / 12 per value: ${perValue} vs ${truth.rounding}`);
});

test('histogramQuantError clips exactly as mseError integrates, and rounds like it on smooth data', () => {
  const x = normals(13, 200_000, 0.3, 1.2);
  const h = histogramOf(x, 2048);
  const lo = h.edges[0];
  const binned = { lo, binWidth: (h.edges[2048] - lo) / 2048, counts: Float64Array.from(h.counts) };
  const total = h.counts.reduce((a, b) => a + b, 0);
  for (const [min, max, symmetric] of [[-2, 3, false], [-3.5, 3.5, true], [-1.2, 1.7, false]] as const) {
    const got = histogramQuantError(h, { min, max }, { bits: 8, symmetric });
    // 2^40 steps make mseError's rounding term vanish (below 1e-24 of the clipping), leaving its clipping alone.
    close(got.clipping, mseError(binned, 2 ** 40, min, max) / total, 1e-9, `[${min}, ${max}] clipping`);
    close(got.mse, mseError(binned, 255, min, max) / total, 1e-3, `[${min}, ${max}] mse`);
  }
});

test('a uniform density over the range rounds with error scale^2 / 12 and the SQNR follows', () => {
  const h = { edges: [-1, 1], counts: [10] };
  const got = histogramQuantError(h, { min: -1, max: 1 }, { bits: 8, symmetric: true });
  const scale = 2 / 255;
  close(got.scale, scale, 1e-15, 'scale');
  assert.equal(got.clipping, 0);
  close(got.rounding, (scale * scale) / 12, 1e-12, 'rounding');
  close(got.sqnrDb as number, 10 * Math.log10((1 / 3) / ((scale * scale) / 12)), 1e-12, 'sqnr');
});

test('the range [0, 0] clips every value to 0: the error is the mean square and the SQNR 0 dB', () => {
  const h = { edges: [-2, 0, 1], counts: [1, 3] };
  const got = histogramQuantError(h, { min: 0, max: 0 }, { bits: 8, symmetric: false });
  const meanSquare = (1 * (4 / 3) + 3 * (1 / 3)) / 4; // E[x^2] of uniform [-2, 0] and [0, 1]
  assert.equal(got.scale, 0);
  assert.equal(got.rounding, 0);
  close(got.clipping, meanSquare, 1e-15, 'clipping');
  close(got.sqnrDb as number, 0, 1e-12, 'sqnr');
});

test('the grid contains 0, and a symmetric one is [-a, a], or [0, a] for a range that starts at 0 or above', () => {
  const h = { edges: [-1, 0, 1, 2], counts: [1, 1, 1] };
  const grid = (min: number, max: number, symmetric: boolean) => histogramQuantError(h, { min, max }, { bits: 8, symmetric }).range;
  assert.deepEqual(grid(0.5, 2, false), { min: 0, max: 2 });
  assert.deepEqual(grid(-2, -1, false), { min: -2, max: 0 });
  assert.deepEqual(grid(-1, 3, true), { min: -3, max: 3 });
  assert.deepEqual(grid(-4, 3, true), { min: -4, max: 4 });
  assert.deepEqual(grid(0.5, 2, true), { min: 0, max: 2 });
});

test('histogramQuantError names the argument of a malformed histogram, range or bit width', () => {
  const h = { edges: [0, 1, 2], counts: [1, 2] };
  const range = { min: 0, max: 2 };
  const grid = { bits: 8, symmetric: false };
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['edges one short', () => histogramQuantError({ edges: [0, 1], counts: [1, 2] }, range, grid), /'histogram\.edges' was an array of length 2/],
    ['no bins', () => histogramQuantError({ edges: [0], counts: [] }, range, grid), /'histogram\.edges'/],
    ['edges not increasing', () => histogramQuantError({ edges: [0, 1, 1], counts: [1, 2] }, range, grid), /'histogram\.edges\[2\]' was 1; expected a finite number above edges\[1\] = 1/],
    ['an infinite edge', () => histogramQuantError({ edges: [-Infinity, 1, 2], counts: [1, 2] }, range, grid), /'histogram\.edges\[0\]' was -Infinity/],
    ['a NaN count', () => histogramQuantError({ edges: [0, 1, 2], counts: [1, NaN] }, range, grid), /'histogram\.counts\[1\]' was NaN/],
    ['a negative count', () => histogramQuantError({ edges: [0, 1, 2], counts: [-1, 2] }, range, grid), /'histogram\.counts\[0\]' was -1/],
    ['every count 0', () => histogramQuantError({ edges: [0, 1, 2], counts: [0, 0] }, range, grid), /'histogram\.counts' was all 0/],
    ['min above max', () => histogramQuantError(h, { min: 2, max: 1 }, grid), /'range' was \[2, 1\]/],
    ['a NaN range', () => histogramQuantError(h, { min: NaN, max: 1 }, grid), /'range' was \[NaN, 1\]/],
    ['0 bits', () => histogramQuantError(h, range, { bits: 0, symmetric: false }), /'grid\.bits' was 0; expected an integer in 1\.\.32/],
    ['fractional bits', () => histogramQuantError(h, range, { bits: 7.5, symmetric: false }), /'grid\.bits' was 7\.5/],
  ];
  for (const [name, call, message] of cases) {
    assert.throws(call, (err: unknown) => err instanceof RangeError && /^histogramQuantError: argument /.test(err.message) && message.test(err.message), name);
  }
});
