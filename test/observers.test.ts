import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { addToHistogram, emptyHistogram, histogramBins, mergeHistograms, type StreamingHistogram } from '../src/calibration/histogram';
import { histogramObserver } from '../src/calibration/histogram_observer';
import { minMaxObserver } from '../src/calibration/minmax_observer';
import { movingAverageMinMaxObserver } from '../src/calibration/moving_average_observer';
import { perChannelMinMaxObserver } from '../src/calibration/per_channel_observer';
import { useBackend, withoutLeaks } from './support/backends';
import { mulberry32, normals, uniforms } from './support/random';

function concat(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) { out.set(p, offset); offset += p.length; }
  return out;
}

/** Reference: count each value into its bin of the histogram's final grid, in float64 without tricks. */
function referenceCounts(h: StreamingHistogram, data: Float32Array): Float64Array {
  const b = histogramBins(h);
  const counts = new Float64Array(b.counts.length);
  for (const v of data) {
    const k = Math.floor((v - b.lo) / b.binWidth);
    assert.ok(k >= 0 && k < counts.length, `value ${v} outside [${b.lo}, ${b.lo + counts.length * b.binWidth})`);
    counts[k]++;
  }
  return counts;
}

test('minMaxObserver tracks the exact extremes across batches and merges order-independently', async () => {
  const obs = minMaxObserver();
  const a = normals(1, 1000);
  const b = normals(2, 1000, 3, 0.1);
  const s = obs.collect(obs.collect(obs.empty(), a), b);
  const all = concat(a, b);
  assert.deepEqual(obs.range(s), { min: Math.min(...all), max: Math.max(...all) });
  assert.deepEqual(obs.merge(obs.collect(obs.empty(), b), obs.collect(obs.empty(), a)), s);
  await useBackend('cpu');
  await withoutLeaks(() => {
    const t = tf.tensor(a, [10, 100]);
    assert.deepEqual(obs.range(obs.collect(obs.empty(), t)), { min: Math.min(...a), max: Math.max(...a) });
    t.dispose();
  });
  assert.throws(() => obs.range(obs.empty()), /minMaxObserver.range: no data observed yet/);
});

test('observers reject empty data, NaN and Inf, naming the function and the index', () => {
  const obs = minMaxObserver();
  assert.throws(() => obs.collect(obs.empty(), new Float32Array(0)), /minMaxObserver.collect: argument 'x' was a Float32Array of length 0; expected a non-empty tensor/);
  assert.throws(() => obs.collect(obs.empty(), Float32Array.from([1, NaN])), /expected finite values, found NaN at index 1/);
  const h = histogramObserver();
  assert.throws(() => h.collect(h.empty(), Float32Array.from([-Infinity])), /histogramObserver.collect: .*found -Infinity at index 0/);
  assert.throws(() => obs.collect(obs.empty(), { data: new Float32Array(6), shape: [4, 2] }), /argument 'x.shape' was "\[4, 2\]"; expected a shape with 6 elements/);
});

test('movingAverageMinMaxObserver starts at the first batch and moves by c times the difference', () => {
  const obs = movingAverageMinMaxObserver({ averagingConstant: 0.5 });
  let s = obs.collect(obs.empty(), Float32Array.from([-1, 1]));
  assert.deepEqual(obs.range(s), { min: -1, max: 1 });
  s = obs.collect(s, Float32Array.from([-3, 5]));
  assert.deepEqual(obs.range(s), { min: -2, max: 3 });
  assert.throws(() => movingAverageMinMaxObserver({ averagingConstant: 0 }), /argument 'averagingConstant' was 0; expected a number in \(0, 1\]/);
});

test('perChannelMinMaxObserver finds each slice\'s extremes on any axis and checks the channel count', () => {
  const shape = [3, 4, 5];
  const data = normals(3, 60);
  for (const axis of [0, 1, 2]) {
    const obs = perChannelMinMaxObserver({ axis });
    const r = obs.range(obs.collect(obs.empty(), { data, shape }));
    for (let c = 0; c < shape[axis]; c++) {
      const members: number[] = [];
      for (let i = 0; i < 60; i++) {
        const idx = [Math.floor(i / 20), Math.floor(i / 5) % 4, i % 5];
        if (idx[axis] === c) members.push(data[i]);
      }
      assert.equal(r.min[c], Math.min(...members));
      assert.equal(r.max[c], Math.max(...members));
    }
  }
  const obs = perChannelMinMaxObserver({ axis: 1 });
  const s = obs.collect(obs.empty(), { data, shape });
  assert.throws(() => obs.collect(s, { data: new Float32Array(6), shape: [2, 3] }), /expected 4 channels on axis 1/);
  assert.throws(() => perChannelMinMaxObserver({ axis: 2 }).collect(obs.empty(), Float32Array.of(1)), /expected a tensor with an axis 2/);
});

test('the streaming histogram counts every value in its exact bin, however the range grew', () => {
  const batches = [uniforms(1, 5000, -0.01, 0.01), normals(2, 5000, 0, 1), normals(3, 5000, 40, 5), uniforms(4, 5000, -300, -200)];
  let h = emptyHistogram(2048);
  for (const b of batches) h = addToHistogram(h, b);
  const all = concat(...batches);
  assert.equal(h.count, all.length);
  assert.deepEqual(histogramBins(h).counts, referenceCounts(h, all));
  assert.equal(h.min, Math.min(...all));
  assert.equal(h.max, Math.max(...all));
});

test('the histogram uses at least half of its bins for the data span', () => {
  const rand = mulberry32(12);
  for (let k = 0; k < 200; k++) {
    const lo = (rand() - 0.5) * 10 ** (rand() * 8 - 4);
    const span = 10 ** (rand() * 8 - 4);
    const h = addToHistogram(emptyHistogram(2048), Float32Array.from([lo, lo + span]));
    const used = histogramBins(h).counts.length;
    assert.ok(used >= 1023 && used <= 2048, `${used} bins for [${lo}, ${lo + span}]`);
  }
});

test('merging histograms equals collecting the concatenated data, in either order', () => {
  const a = normals(5, 4000, -2, 0.5);
  const b = normals(6, 4000, 10, 3);
  const ha = addToHistogram(emptyHistogram(), a);
  const hb = addToHistogram(emptyHistogram(), b);
  const merged = mergeHistograms(ha, hb);
  assert.deepEqual(mergeHistograms(hb, ha), merged);
  assert.deepEqual(histogramBins(merged).counts, referenceCounts(merged, concat(a, b)));
  const sequential = addToHistogram(ha, b);
  assert.deepEqual(histogramBins(sequential).counts, histogramBins(merged).counts);
  assert.equal(mergeHistograms(ha, emptyHistogram()), ha);
  assert.throws(() => mergeHistograms(ha, emptyHistogram(1024)), /mergeHistograms: argument 'b' was "a histogram of 1024 bins"; expected the same number of bins as a \(2048\)/);
});

test('constant data, then spread data, keeps the constant mass in the right bin', () => {
  let h = addToHistogram(emptyHistogram(), new Float32Array(100).fill(0));
  h = addToHistogram(h, uniforms(7, 1000, -1, 1));
  const all = concat(new Float32Array(100), uniforms(7, 1000, -1, 1));
  assert.deepEqual(histogramBins(h).counts, referenceCounts(h, all));
  const c = addToHistogram(emptyHistogram(), new Float32Array(10).fill(3.5));
  assert.equal(histogramBins(c).counts.reduce((x, y) => x + y, 0), 10);
  assert.throws(() => histogramBins(emptyHistogram()), /histogramBins: argument 'h' was "an empty histogram"/);
});

test('addToHistogram never mutates the histogram it is given', () => {
  const h = addToHistogram(emptyHistogram(), normals(8, 100));
  const copy = h.counts.slice();
  addToHistogram(h, normals(9, 100, 50));
  assert.deepEqual(h.counts, copy);
});

test('histogramObserver clamps a method\'s range to the data seen', () => {
  const wide = Object.assign(() => ({ min: -1e9, max: 1e9 }), { methodName: 'wide' });
  const obs = histogramObserver({ method: wide });
  const r = obs.range(obs.collect(obs.empty(), Float32Array.from([-2, 3])));
  assert.deepEqual(r, { min: -2, max: 3 });
  assert.equal(obs.name, 'histogram(2048, wide)');
  assert.throws(() => histogramObserver({ bins: 4 }), /emptyHistogram: argument 'bins' was 4; expected an integer in 8..65536/);
});
