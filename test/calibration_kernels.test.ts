import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addToHistogram, emptyHistogram } from '../src/calibration/histogram';
import { extent, observedExtent } from '../src/calibration/observer';
import { calibrationKernels } from '../src/wasm/calibration_kernels';
import { mulberry32, normals, uniforms } from './support/random';

test('the WebAssembly kernels are built and load', () => {
  assert.notEqual(calibrationKernels(), null);
});

/** Data sets that stress the exact binning: tails of every length, values a hair from bin edges, far from zero. */
function datasets(): Float32Array[] {
  const rand = mulberry32(21);
  const sets: Float32Array[] = [];
  for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 1023]) sets.push(normals(n, n));
  sets.push(uniforms(2, 5000, -1e-30, 1e-30).map((v, i) => (i % 3 === 0 ? v * 1e20 : v)));
  sets.push(Float32Array.from({ length: 4099 }, () => (rand() < 0.5 ? -1 : 1) * 2 ** -60 * rand()).map((v, i) => (i === 7 ? 5 : v)));
  sets.push(uniforms(3, 3001, 1e6, 1e6 + 0.01));
  sets.push(uniforms(4, 3001, -3e38, 3e38));
  sets.push(new Float32Array(77).fill(-2.5));
  sets.push(Float32Array.from({ length: 4096 }, (_, i) => (i - 2048) * 2 ** -10)); // every value on a bin edge
  return sets;
}

test('WebAssembly binning equals the TypeScript reference loops bin for bin, over growing ranges', () => {
  let fast = emptyHistogram(2048);
  let reference = emptyHistogram(2048);
  for (const data of datasets()) {
    const one = addToHistogram(emptyHistogram(512), data);
    assert.deepEqual(one, addToHistogram(emptyHistogram(512), data, { kernels: null }));
    fast = addToHistogram(fast, data);
    reference = addToHistogram(reference, data, { kernels: null });
    assert.deepEqual(fast, reference);
  }
});

test('the extent scan finds the extremes and catches NaN and Inf anywhere, in the SIMD body or the tail', () => {
  for (const data of datasets()) {
    const e = observedExtent('f', data);
    assert.deepEqual({ min: e.min, max: e.max }, extent(data));
  }
  for (const n of [1, 3, 4, 6, 17]) {
    for (let at = 0; at < n; at++) {
      for (const bad of [NaN, Infinity, -Infinity]) {
        const data = normals(n + at, n);
        data[at] = bad;
        assert.throws(() => observedExtent('f', data), new RegExp(`found ${bad} at index ${at}`));
        assert.throws(() => addToHistogram(emptyHistogram(), data), new RegExp(`addToHistogram: .*found ${bad} at index ${at}`));
      }
    }
  }
});
