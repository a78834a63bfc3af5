/**
 * Agreement with PyTorch 1.13 (test/golden/torch_golden.json, made by test/golden/make_torch_golden.py with Debian's
 * python3-torch): integer outputs must match exactly, scales to 1e-6 relative. Where Quantscope deliberately differs
 * from PyTorch, the test pins the difference down instead of skipping the case.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { histogramOver } from '../src/calibration/histogram_over';
import { l2Range } from '../src/calibration/methods/l2';
import { minMaxObserver } from '../src/calibration/minmax_observer';
import { movingAverageMinMaxObserver } from '../src/calibration/moving_average_observer';
import { perChannelMinMaxObserver } from '../src/calibration/per_channel_observer';
import { float16Bits } from '../src/fp16';
import { qparamsFromChannelRanges, qparamsFromRange, type AxisQParams, type TensorQParams } from '../src/qparams';
import { fakeQuantizeArray, quantizeArray } from '../src/quantize/quantize_array';
import { roundHalfToEven } from '../src/rounding';
import { intScheme, quantRange, type IntScheme } from '../src/scheme';

// The compiled test runs from build/test; the JSON stays in the source tree.
const golden = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../test/golden/torch_golden.json'), 'utf8'));
const cases = golden.cases;

function f32(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** The Quantscope scheme whose integer grid is torch's [quant_min, quant_max]. */
function schemeFor(c: { quant_min: number; quant_max: number; qscheme: string }, axis?: number): IntScheme {
  const symmetric = c.qscheme.endsWith('symmetric');
  for (let bits = 2; bits <= 16; bits++) {
    for (const signed of [true, false]) {
      for (const narrowRange of [false, true]) {
        const s = intScheme({ bits, signed, symmetric, narrowRange, axis });
        const r = quantRange(s);
        if (r.qmin === c.quant_min && r.qmax === c.quant_max) return s;
      }
    }
  }
  throw new Error(`no scheme has the grid ${c.quant_min}..${c.quant_max}`);
}

/** PyTorch's max(scale, eps) against ours: the exact tiny scale, or 1 for an all-zero range. */
function isScaleFloor(torchScale: number, eps: number, ourScale: number, allZero: boolean): boolean {
  return torchScale === Math.fround(eps) && (allZero ? ourScale === 1 : ourScale < eps);
}

function closeRel(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-6 * Math.abs(expected), `${what}: ${actual} vs torch ${expected}`);
}

/**
 * Where Quantscope's qparams differ from PyTorch's by design: PyTorch floors scales at float32 epsilon (all-zero and
 * tiny-range tensors) and puts the zero point of a custom unsigned symmetric grid at floor((qmin + qmax) / 2) while
 * its default uint8 grid uses 128 = ceil(255 / 2); Quantscope uses ceil everywhere and keeps tiny scales.
 */
function expectedDifference(c: { scale: number; eps: number; qscheme: string; dtype: string; has_customized_qrange: boolean; quant_min: number; quant_max: number }, ours: TensorQParams, allZero: boolean): 'scale-floor' | 'midpoint' | undefined {
  if (isScaleFloor(c.scale, c.eps, ours.scale, allZero)) return 'scale-floor';
  if (c.qscheme.endsWith('symmetric') && c.dtype === 'quint8' && c.has_customized_qrange) return 'midpoint';
  return undefined;
}

test('MinMaxObserver: the same min/max, scale and zero point as PyTorch on every golden tensor and grid', () => {
  let checked = 0;
  const differences: string[] = [];
  for (const c of cases.minmax) {
    const obs = minMaxObserver();
    const x = f32(c.input_f32b64);
    const range = obs.range(obs.collect(obs.empty(), { data: x, shape: c.shape }));
    assert.equal(range.min, c.min_val, c.name);
    assert.equal(range.max, c.max_val, c.name);
    const ours = qparamsFromRange(range, schemeFor(c));
    const why = expectedDifference(c, ours, range.min === 0 && range.max === 0);
    if (why === 'scale-floor') {
      // torch: max(scale, eps); ours: the exact float32 scale, or 1 when the range is all zeros (isScaleFloor).
      differences.push(`${c.name}: ${why}`);
      continue;
    }
    closeRel(ours.scale, c.scale, c.name);
    if (why === 'midpoint') {
      assert.equal(c.zero_point, Math.floor((c.quant_min + c.quant_max) / 2), c.name);
      assert.equal(ours.zeroPoint, Math.ceil((c.quant_min + c.quant_max) / 2), c.name);
      differences.push(`${c.name}: ${why}`);
      continue;
    }
    assert.equal(ours.zeroPoint, c.zero_point, c.name);
    checked++;
  }
  // The documented differences are exactly the all-zero and tiny tensors and the custom unsigned symmetric grid.
  for (const d of differences) assert.match(d, /^(all_zero|tiny_1e-6)\/.*scale-floor$|symmetric_0_15: midpoint$/);
  assert.equal(checked + differences.length, cases.minmax.length);
  assert.ok(checked >= 48, `only ${checked} cases agreed exactly`);
});

test('PerChannelMinMaxObserver: per-channel min/max, scales and zero points match PyTorch on both axes', () => {
  for (const c of cases.per_channel_minmax) {
    const obs = perChannelMinMaxObserver({ axis: c.ch_axis });
    const r = obs.range(obs.collect(obs.empty(), { data: f32(c.input_f32b64), shape: c.shape }));
    assert.deepEqual(r.min, f32(c.min_val_f32b64), c.name);
    assert.deepEqual(r.max, f32(c.max_val_f32b64), c.name);
    const qp: AxisQParams = qparamsFromChannelRanges(r, schemeFor(c, c.ch_axis));
    const scales = f32(c.scales_f32b64);
    for (let ch = 0; ch < c.num_channels; ch++) {
      if (isScaleFloor(scales[ch], c.eps, qp.scale[ch], r.min[ch] === 0 && r.max[ch] === 0)) {
        // A dead or near-dead channel: torch floors the scale at eps and derives its zero point from that scale.
        const lo = Math.min(r.min[ch], 0);
        const torchZero = c.qscheme.endsWith('symmetric') ? (c.dtype === 'quint8' ? 128 : 0)
          : Math.min(c.quant_max, Math.max(c.quant_min, c.quant_min - roundHalfToEven(Math.fround(lo / scales[ch]))));
        assert.equal(c.zero_points[ch], torchZero, `${c.name}[${ch}]`);
        continue;
      }
      closeRel(qp.scale[ch], scales[ch], `${c.name}[${ch}]`);
      assert.equal(qp.zeroPoint[ch], c.zero_points[ch], `${c.name}[${ch}]`);
    }
  }
});

test('MovingAverageMinMaxObserver: the float32 running averages match PyTorch batch by batch', () => {
  for (const c of cases.moving_average) {
    const obs = movingAverageMinMaxObserver({ averagingConstant: c.averaging_constant });
    let s = obs.empty();
    for (const b of c.batches) {
      s = obs.collect(s, { data: f32(b.input_f32b64), shape: b.shape });
      assert.equal(s.min, b.min_val, c.name);
      assert.equal(s.max, b.max_val, c.name);
    }
    const qp = qparamsFromRange(obs.range(s), schemeFor(c));
    closeRel(qp.scale, c.scale, c.name);
    assert.equal(qp.zeroPoint, c.zero_point, c.name);
  }
});

test('fake_quantize_per_tensor/per_channel_affine and quantize int_repr match PyTorch bit for bit under the pytorch profile', () => {
  for (const c of cases.fake_quant) {
    const x = f32(c.input_f32b64);
    const perChannel = c.op.includes('per_channel');
    const qp = perChannel
      ? { kind: 'per-axis' as const, axis: c.axis, scale: f32(c.scales_f32b64), zeroPoint: Int32Array.from(c.zero_points), qmin: c.quant_min, qmax: c.quant_max }
      : { kind: 'per-tensor' as const, scale: c.scale, zeroPoint: c.zero_point, qmin: c.quant_min, qmax: c.quant_max };
    const out = fakeQuantizeArray(x, qp, { shape: c.shape, rounding: 'pytorch' });
    assert.deepEqual(out, f32(c.output_f32b64), c.name);
    if (c.quantize) {
      const codes = quantizeArray(x, { ...qp, qmin: c.quantize.clamp_min, qmax: c.quantize.clamp_max }, { shape: c.shape, rounding: 'pytorch' });
      assert.deepEqual(Array.from(codes), c.quantize.int_repr, c.name);
    }
  }
});

test('histogramOver bins exactly as torch.histc does in HistogramObserver.forward', () => {
  let compared = 0;
  for (const c of cases.histogram) {
    if (c.input_f32b64 === null) continue;
    const h = histogramOver(f32(c.input_f32b64), c.min_val, c.max_val, c.bins);
    assert.deepEqual(Array.from(h.counts), c.histogram, c.name);
    compared++;
  }
  assert.ok(compared >= 10);
});

test('float16 rounding matches numpy (and torch .half()) on every golden value', () => {
  const [c] = cases.fp16;
  const x = f32(c.input_f32b64);
  assert.equal(x.length, c.bits.length);
  for (let i = 0; i < x.length; i++) {
    const ours = float16Bits(x[i]);
    const theirs = c.bits[i];
    // NaN payloads may differ; both must be NaN.
    if ((theirs & 0x7c00) === 0x7c00 && (theirs & 0x3ff) !== 0) assert.ok((ours & 0x7c00) === 0x7c00 && (ours & 0x3ff) !== 0);
    else assert.equal(ours, theirs, `${x[i]}`);
  }
});

test('HistogramObserver end to end: histc binning, the L2 search and qparams give torch\'s scale and zero point', () => {
  let compared = 0;
  for (const c of cases.histogram) {
    const counts = c.input_f32b64 === null
      ? Float64Array.from(c.histogram)
      : histogramOver(f32(c.input_f32b64), c.min_val, c.max_val, c.bins).counts;
    const binned = { lo: c.min_val, binWidth: (c.max_val - c.min_val) / c.bins, counts };
    const qp = qparamsFromRange(l2Range(binned, { dstBins: c.dst_nbins }), schemeFor(c));
    closeRel(qp.scale, c.scale, c.name);
    assert.equal(qp.zeroPoint, c.zero_point, c.name);
    compared++;
  }
  assert.equal(compared, 15);
});
