/**
 * The WebAssembly requantization epilogues (src/wasm/requantize.wat) against the JavaScript `requantizeReference`
 * and the BigInt transcriptions of TFLite's and MLAS's C code: exhaustively over edge accumulators, multipliers,
 * every shift and awkward clamps, and on more than a million random accumulators per profile.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INT32_MAX, INT32_MIN, quantizeMultiplierArray } from '../../src/fixedpoint';
import { requantize, requantizeReference, type RequantizeParams } from '../../src/fixedpoint/requantize';
import { integerWasmKernels } from '../../src/wasm/integer_kernels';
import { bindRequantizer, onnxRuntimePlan, tflitePlan, type RequantizePlan } from '../../src/wasm/requantize_kernels';
import { mbqmDoubleRef, mbqmSingleRef, mlasRef } from '../reference/fixedpoint_bigint';
import { mulberry32 } from '../support/random';

/** int32 values where the arithmetic goes wrong first: the ends, zero, ±1..3, powers of two and their neighbours. */
const EDGES: number[] = (() => {
  const v = new Set<number>([INT32_MIN, INT32_MIN + 1, INT32_MAX, INT32_MAX - 1, 0, 1, -1, 2, -2, 3, -3]);
  for (let k = 1; k <= 30; k++) {
    for (const d of [-1, 0, 1]) {
      v.add(2 ** k + d);
      v.add(-(2 ** k) + d);
    }
  }
  return [...v].filter((x) => x >= INT32_MIN && x <= INT32_MAX);
})();

/** Multipliers at the ends of 0..2^31 − 1, around 2^30 (the normalized minimum) and a few inside. */
const MULTIPLIERS = [0, 1, 2, 2 ** 30 - 1, 2 ** 30, 2 ** 30 + 1, 1518500250, 1234567890, 2 ** 31 - 2, 2 ** 31 - 1];

const SHIFTS = Int32Array.from({ length: 62 }, (_, i) => i - 31); // −31..30, one channel each

/** Clamps: int8 and uint8 with zero points, full int32, and bounds beyond int32 on either side of the zero point. */
const CLAMPS = [
  { zeroPoint: -3, qmin: -128, qmax: 127 },
  { zeroPoint: 128, qmin: 0, qmax: 255 },
  { zeroPoint: -28, qmin: -28, qmax: 92 },
  { zeroPoint: 7, qmin: INT32_MIN, qmax: INT32_MAX },
  { zeroPoint: -(2 ** 30), qmin: INT32_MIN, qmax: 0 },
  { zeroPoint: INT32_MIN, qmin: INT32_MAX - 5, qmax: INT32_MAX }, // qmin − zp > INT32_MAX: every output is qmin
  { zeroPoint: INT32_MAX, qmin: INT32_MIN, qmax: INT32_MIN + 3 }, // qmax − zp < INT32_MIN: every output is qmax
  { zeroPoint: INT32_MAX, qmin: -5, qmax: INT32_MAX },
];

const kernels = integerWasmKernels();
const wasm = kernels?.requantize ?? null;

function runPlan(acc: Int32Array, plan: RequantizePlan): Int32Array {
  const out = new Int32Array(acc.length);
  wasm!(acc, plan, out);
  return out;
}

/** Runs a plan with the accumulators promised under 2^21 in magnitude: the TFLite loop's short path. */
function runShort(acc: Int32Array, plan: RequantizePlan): Int32Array {
  const bytes = acc.length * 4 + 64;
  const memory = new WebAssembly.Memory({ initial: Math.ceil((2 * bytes + plan.table.byteLength + 64) / 65536) });
  const requantizer = bindRequantizer(memory)!;
  new Int32Array(memory.buffer, 16, acc.length).set(acc);
  requantizer.run(plan, 16, 16 + bytes, acc.length, 0, 16 + 2 * bytes, 2 ** 21 - 1);
  return new Int32Array(memory.buffer, 16 + bytes, acc.length).slice();
}

function clampRef(y: number, c: { zeroPoint: number; qmin: number; qmax: number }): number {
  return Math.min(Math.max(y + c.zeroPoint, c.qmin), c.qmax);
}

/** An int32 from a mix: edge values, near powers of two, small, and uniform over the whole range. */
function drawInt32(rand: () => number): number {
  const u = rand();
  if (u < 0.15) return EDGES[Math.floor(rand() * EDGES.length)];
  if (u < 0.35) {
    const p = 2 ** Math.floor(rand() * 31) + Math.floor(rand() * 9) - 4;
    return Math.min(INT32_MAX, Math.max(INT32_MIN, rand() < 0.5 ? -p : p));
  }
  if (u < 0.7) return Math.floor((rand() - 0.5) * 2 ** (1 + rand() * 24));
  return Math.floor(rand() * 4294967296) + INT32_MIN;
}

function firstMismatch(got: Int32Array, want: ArrayLike<number>): number {
  for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) return i;
  return -1;
}

describe('WebAssembly requantization', () => {
  it('is built and loads', () => assert.ok(wasm, 'run node scripts/build-wasm.js'));

  for (const profile of ['tflite-double', 'tflite-single'] as const) {
    const single = profile === 'tflite-single';
    it(`${profile}: equals the BigInt epilogue on every edge accumulator × edge multiplier × shift −31..30 × clamp, `
      + 'in both the four-lane and the one-element loop', () => {
      const acc = new Int32Array(EDGES.length * SHIFTS.length);
      for (let i = 0; i < EDGES.length; i++) acc.fill(EDGES[i], i * SHIFTS.length, (i + 1) * SHIFTS.length);
      let checked = 0;
      for (const m of MULTIPLIERS) {
        const multiplier = new Int32Array(SHIFTS.length).fill(m);
        const unclamped = Array.from(acc, (x, i) => {
          const s = SHIFTS[i % SHIFTS.length];
          return single ? mbqmSingleRef(x, m, s) : mbqmDoubleRef(x, m, s);
        });
        for (const clamp of CLAMPS) {
          const want = unclamped.map((y) => clampRef(y, clamp));
          for (const forceScalar of [false, true]) {
            const plan = tflitePlan(multiplier, SHIFTS, SHIFTS.length, single, clamp.zeroPoint, clamp.qmin, clamp.qmax,
              forceScalar);
            const got = runPlan(acc, plan);
            const i = firstMismatch(got, want);
            if (i >= 0) {
              assert.fail(`${profile} ${plan.loop} m ${m} shift ${SHIFTS[i % SHIFTS.length]} acc ${acc[i]} `
                + `clamp ${JSON.stringify(clamp)}: ${got[i]}, want ${want[i]}`);
            }
            checked += got.length;
          }
        }
      }
      assert.ok(checked > 1_500_000);
    });

    it(`${profile}: equals requantizeReference on 1.2M random accumulators (channel counts 1 to 144, multipliers `
      + 'above and below 1) and the BigInt epilogue on 120k of them', () => {
      const rand = mulberry32(single ? 902 : 901);
      let total = 0;
      for (const channels of [1, 2, 3, 7, 8, 24, 144, 5]) {
        const n = channels * Math.ceil(150_000 / channels);
        const acc = Int32Array.from({ length: n }, () => drawInt32(rand));
        const reals = Float64Array.from({ length: channels }, () => 2 ** (rand() * 26 - 22));
        const q = quantizeMultiplierArray(reals, { singleRounding: single });
        // Every other channel count also takes raw multipliers and shifts over their whole ranges.
        if (channels % 2 === 1) {
          for (let c = 0; c < channels; c++) {
            q.multiplier[c] = Math.floor(rand() * 2 ** 31);
            q.shift[c] = Math.floor(rand() * 62) - 31;
          }
        }
        const zeroPoint = Math.floor(rand() * 256) - 128;
        const params: RequantizeParams = { profile, multiplier: q.multiplier, shift: q.shift, zeroPoint, qmin: -128,
          qmax: 127 };
        const want = requantizeReference(acc, params);
        const got = requantize(acc, params);
        const i = firstMismatch(got, want);
        if (i >= 0) {
          assert.fail(`${profile} channels ${channels} acc[${i}] = ${acc[i]} m ${q.multiplier[i % channels]} `
            + `shift ${q.shift[i % channels]}: ${got[i]}, want ${want[i]}`);
        }
        for (let k = 0; k < 15_000; k++) {
          const j = Math.floor(rand() * n);
          const c = j % channels;
          const y = single ? mbqmSingleRef(acc[j], q.multiplier[c], q.shift[c])
            : mbqmDoubleRef(acc[j], q.multiplier[c], q.shift[c]);
          assert.equal(got[j], Math.min(Math.max(y + zeroPoint, -128), 127), `acc ${acc[j]} channel ${c}`);
        }
        total += n;
      }
      assert.ok(total >= 1_200_000);
    });
  }

  it('tflite, accumulators under 2^21 in magnitude (the f64 short path): equals the BigInt epilogue on negative and '
    + 'positive ties, the 2^21 boundary, every shift −31..0 and 400k random accumulators, both roundings', () => {
    const rand = mulberry32(906);
    const shifts = Int32Array.from({ length: 32 }, (_, i) => -i); // e = 0..31, one channel each
    const bound = 2 ** 21 - 1;
    for (const single of [false, true]) {
      for (const m of [...MULTIPLIERS, ...Array.from({ length: 6 }, () => Math.floor(rand() * 2 ** 31))]) {
        // With m = 2^30, h = floor((x + 1) / 2): x = ±(2k + 1)·2^e gives h = ±(2k + 1)·2^(e−1), a tie for
        // RoundingDivideByPOT(h, e); every other value of the list sits at or next to the short path's bound.
        const values = [bound, -bound, bound - 1, -bound + 1, 2 ** 20, -(2 ** 20), 0, 1, -1];
        for (let k = 0; k < 24; k++) {
          const x = Math.floor(rand() * bound);
          values.push(x, -x);
        }
        const acc = new Int32Array(values.length * shifts.length * 2);
        for (let i = 0; i < acc.length; i++) {
          const e = -shifts[i % shifts.length];
          const tie = (2 * Math.floor(rand() * 64) + 1) * 2 ** e;
          acc[i] = i < acc.length / 2 ? values[Math.floor(i / shifts.length)] : (tie <= bound ? (rand() < 0.5 ? -tie : tie) : 0);
        }
        const multiplier = new Int32Array(shifts.length).fill(m);
        const plan = tflitePlan(multiplier, shifts, shifts.length, single, 0, INT32_MIN, INT32_MAX);
        const got = runShort(acc, plan);
        for (let i = 0; i < acc.length; i++) {
          const s = shifts[i % shifts.length];
          const want = single ? mbqmSingleRef(acc[i], m, s) : mbqmDoubleRef(acc[i], m, s);
          if (got[i] !== want) assert.fail(`single ${single} m ${m} shift ${s} acc ${acc[i]}: ${got[i]}, want ${want}`);
        }
      }
      const channels = 144;
      const acc = Int32Array.from({ length: 400_000 }, () => Math.floor((rand() * 2 - 1) * 2 ** (1 + rand() * 20)));
      const multiplier = Int32Array.from({ length: channels }, () => Math.floor(rand() * 2 ** 31));
      const shift = Int32Array.from({ length: channels }, () => -Math.floor(rand() * 32));
      const got = runShort(acc, tflitePlan(multiplier, shift, channels, single, 5, -128, 127));
      for (let i = 0; i < acc.length; i++) {
        const c = i % channels;
        const y = single ? mbqmSingleRef(acc[i], multiplier[c], shift[c]) : mbqmDoubleRef(acc[i], multiplier[c], shift[c]);
        assert.equal(got[i], Math.min(Math.max(y + 5, -128), 127), `single ${single} acc ${acc[i]} channel ${c}`);
      }
    }
  });

  it('tflite tables carry the depthwise kernel\'s float32 screen: ms = fround(m · 2^−(31+e)) and T the largest '
    + 'float32 <= 1/2 − W − (max(|lo|, |hi|) + 2) · 2^−21 (or 0), every shift −31..0, multiplier and clamp', () => {
    const shifts = Int32Array.from({ length: 32 }, (_, i) => -i); // e = 0..31, one channel each
    const above = (t: number) => new Float32Array(new Uint32Array([new Uint32Array(new Float32Array([t]).buffer)[0] + 1])
      .buffer)[0];
    for (const single of [false, true]) {
      for (const m of MULTIPLIERS) {
        for (const clamp of CLAMPS) {
          const plan = tflitePlan(new Int32Array(32).fill(m), shifts, 32, single, clamp.zeroPoint, clamp.qmin,
            clamp.qmax);
          assert.ok(plan.loop === 'tflite');
          const f32 = new Float32Array(plan.table.buffer);
          for (let e = 0; e < 32; e++) {
            const at = (e >> 2) * 80 + (e & 3); // blocks of 320 bytes; ms at byte 288, T at 304
            // Exact in doubles: multiples of 2^−32 under 2^11 in magnitude.
            const bound = Math.max(0.5 - (!single && e > 0 ? 2 ** -(e + 1) : 0)
              - (Math.max(Math.abs(plan.lo), Math.abs(plan.hi)) + 2) * 2 ** -21, 0);
            const t = f32[at + 76];
            const where = `single ${single} m ${m} e ${e} zp ${clamp.zeroPoint}`;
            assert.equal(f32[at + 72], Math.fround(m * 2 ** -(31 + e)), where);
            assert.ok(t <= bound && above(t) > bound, `${where}: T ${t}, bound ${bound}`);
          }
        }
      }
    }
  });

  it('onnxruntime: equals the BigInt MLAS emulation on every edge accumulator × edge scale × clamp', () => {
    const scales = Float32Array.of(0, 2 ** -149, 2 ** -126, 1e-10, 2 ** -24, 0.000123, 0.5, 1, 1.5, 3, 2 ** 20,
      3.4028234663852886e38, 0.0999999, 2 ** -31);
    const acc = new Int32Array(EDGES.length * scales.length);
    for (let i = 0; i < EDGES.length; i++) acc.fill(EDGES[i], i * scales.length, (i + 1) * scales.length);
    const clamps = [
      { zeroPoint: 0, qmin: -128, qmax: 127 }, { zeroPoint: 128, qmin: 0, qmax: 255 },
      { zeroPoint: -28, qmin: -28, qmax: 92 }, { zeroPoint: 0, qmin: -32768, qmax: 32767 },
      { zeroPoint: 5, qmin: 5 - 2 ** 22, qmax: 5 + 2 ** 22 }, // the widest clamp the four-lane loop takes
      { zeroPoint: -(2 ** 30), qmin: -(2 ** 30) - 2 ** 22, qmax: -(2 ** 30) + 100 },
    ];
    for (const clamp of clamps) {
      const plan = onnxRuntimePlan(scales, scales.length, clamp.zeroPoint, clamp.qmin, clamp.qmax);
      assert.ok(plan, JSON.stringify(clamp));
      const got = runPlan(acc, plan);
      for (let i = 0; i < acc.length; i++) {
        const want = mlasRef(acc[i], scales[i % scales.length], clamp.zeroPoint, clamp.qmin, clamp.qmax);
        if (got[i] !== want) {
          assert.fail(`acc ${acc[i]} scale ${scales[i % scales.length]} clamp ${JSON.stringify(clamp)}: ${got[i]}, `
            + `want ${want}`);
        }
      }
    }
  });

  it('onnxruntime: equals requantizeReference on 1.2M random accumulators and the BigInt emulation on 60k', () => {
    const rand = mulberry32(903);
    let total = 0;
    for (const channels of [1, 3, 4, 7, 16, 144]) {
      const n = channels * Math.ceil(200_000 / channels);
      const acc = Int32Array.from({ length: n }, () => drawInt32(rand));
      const scale = Float32Array.from({ length: channels }, () => 2 ** (rand() * 34 - 30));
      const zeroPoint = Math.floor(rand() * 256) - 128;
      const params: RequantizeParams = { profile: 'onnxruntime', scale, zeroPoint, qmin: -128, qmax: 127 };
      const want = requantizeReference(acc, params);
      const got = requantize(acc, params);
      const i = firstMismatch(got, want);
      if (i >= 0) assert.fail(`channels ${channels} acc ${acc[i]} scale ${scale[i % channels]}: ${got[i]}, want ${want[i]}`);
      for (let k = 0; k < 10_000; k++) {
        const j = Math.floor(rand() * n);
        assert.equal(got[j], mlasRef(acc[j], scale[j % channels], zeroPoint, -128, 127));
      }
      total += n;
    }
    assert.ok(total >= 1_200_000);
  });

  it('requantize leaves onnxruntime clamps wider than ±2^22 around the zero point to the JavaScript loop', () => {
    assert.equal(onnxRuntimePlan(0.5, 1, 0, INT32_MIN, INT32_MAX), null);
    const rand = mulberry32(904);
    const acc = Int32Array.from({ length: 1000 }, () => drawInt32(rand));
    const params: RequantizeParams = { profile: 'onnxruntime', scale: 0.75, zeroPoint: 3, qmin: INT32_MIN, qmax: INT32_MAX };
    assert.deepEqual(requantize(acc, params), requantizeReference(acc, params));
  });

  it('requantize writes in place when out is acc, and short arrays give the same codes', () => {
    const rand = mulberry32(905);
    const q = quantizeMultiplierArray([0.01, 0.2, 3.5]);
    for (const n of [3, 6, 63, 64, 65, 999]) {
      const acc = Int32Array.from({ length: n - (n % 3) }, () => drawInt32(rand));
      for (const params of [
        { profile: 'tflite-double', multiplier: q.multiplier, shift: q.shift, zeroPoint: 1, qmin: -128, qmax: 127 },
        { profile: 'onnxruntime', scale: Float32Array.of(0.01, 0.2, 3.5), zeroPoint: 1, qmin: -128, qmax: 127 },
      ] as RequantizeParams[]) {
        const want = requantizeReference(acc, params);
        const copy = acc.slice();
        assert.equal(requantize(copy, params, copy), copy);
        assert.deepEqual(copy, want);
      }
    }
  });
});
