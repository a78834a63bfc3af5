import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BinnedCounts } from '../src/calibration/binned';
import { l2Range, l2SearchBins } from '../src/calibration/methods/l2';

/**
 * test/golden/torch_golden.json, `cases.histogram`: histograms of torch 1.13's HistogramObserver with torch's
 * _non_linear_param_search result. The fields used are validated here, not cast.
 */
interface HistogramCase {
  readonly name: string;
  readonly bins: number;
  readonly dstBins: number;
  readonly minVal: number;
  readonly maxVal: number;
  readonly binWidth32: number;
  readonly counts: Float64Array;
  readonly newMin: number;
  readonly newMax: number;
}

const GOLDEN = path.resolve(__dirname, '..', '..', 'test', 'golden', 'torch_golden.json');

function field(o: Record<string, unknown>, key: string, where: string): unknown {
  assert.ok(key in o, `${where}: missing '${key}'`);
  return o[key];
}

function finite(o: Record<string, unknown>, key: string, where: string): number {
  const v = field(o, key, where);
  assert.ok(typeof v === 'number' && Number.isFinite(v), `${where}: '${key}' is not a finite number`);
  return v;
}

function positiveInt(o: Record<string, unknown>, key: string, where: string): number {
  const v = finite(o, key, where);
  assert.ok(Number.isInteger(v) && v > 0, `${where}: '${key}' is not a positive integer`);
  return v;
}

function readCases(): HistogramCase[] {
  const doc: unknown = JSON.parse(fs.readFileSync(GOLDEN, 'utf8'));
  assert.ok(typeof doc === 'object' && doc !== null, 'golden file is not a JSON object');
  const cases = field(doc as Record<string, unknown>, 'cases', 'golden');
  assert.ok(typeof cases === 'object' && cases !== null, "golden: 'cases' is not an object");
  const list = field(cases as Record<string, unknown>, 'histogram', 'golden.cases');
  assert.ok(Array.isArray(list) && list.length > 0, "golden.cases: 'histogram' is not a non-empty array");
  return list.map((raw: unknown, k: number) => {
    const where = `golden.cases.histogram[${k}]`;
    assert.ok(typeof raw === 'object' && raw !== null, `${where} is not an object`);
    const o = raw as Record<string, unknown>;
    const name = field(o, 'name', where);
    assert.ok(typeof name === 'string', `${where}: 'name' is not a string`);
    const bins = positiveInt(o, 'bins', where);
    const histogram = field(o, 'histogram', where);
    assert.ok(Array.isArray(histogram) && histogram.length === bins, `${where}: 'histogram' is not ${bins} numbers`);
    const counts = new Float64Array(bins);
    histogram.forEach((c: unknown, i: number) => {
      assert.ok(typeof c === 'number' && Number.isFinite(c) && c >= 0, `${where}: histogram[${i}] = ${String(c)}`);
      counts[i] = c;
    });
    return {
      name, bins, counts,
      dstBins: positiveInt(o, 'dst_nbins', where),
      minVal: finite(o, 'min_val', where),
      maxVal: finite(o, 'max_val', where),
      binWidth32: finite(o, 'bin_width', where),
      newMin: finite(o, 'new_min', where),
      newMax: finite(o, 'new_max', where),
    };
  });
}

const cases = readCases();

for (const c of cases) {
  test(`l2Range reproduces torch's _non_linear_param_search bins on golden '${c.name}'`, () => {
    const h: BinnedCounts = { lo: c.minVal, binWidth: (c.maxVal - c.minVal) / c.bins, counts: c.counts };
    // torch: new_min = fl32(min_val + fl32(bin_width * start)), new_max = fl32(min_val + fl32(bin_width * (end + 1)))
    // with bin_width = fl32((max_val - min_val) / bins); invert to torch's bins.
    const torchStart = Math.round((c.newMin - c.minVal) / c.binWidth32);
    const torchEnd = Math.round((c.newMax - c.minVal) / c.binWidth32) - 1;
    assert.deepEqual(l2SearchBins(h, { dstBins: c.dstBins }), { startBin: torchStart, endBin: torchEnd });
    const r = l2Range(h, { dstBins: c.dstBins });
    // 1e-6 relative to the magnitudes involved (new_min can be exactly 0, where a pure relative test means nothing).
    const scale = Math.max(Math.abs(c.minVal), Math.abs(c.maxVal));
    assert.ok(Math.abs(r.min - c.newMin) <= 1e-6 * Math.max(Math.abs(c.newMin), scale),
      `new_min ${r.min} vs torch ${c.newMin}`);
    assert.ok(Math.abs(r.max - c.newMax) <= 1e-6 * Math.max(Math.abs(c.newMax), scale),
      `new_max ${r.max} vs torch ${c.newMax}`);
  });
}

test('the golden file holds histogram cases that clip (new range strictly inside [min_val, max_val])', () => {
  // Guards against a golden file whose searches all return the full range, which would test nothing.
  assert.ok(cases.some((c) => c.newMin > c.minVal + c.binWidth32 / 2 || c.newMax < c.maxVal - c.binWidth32 / 2));
});
