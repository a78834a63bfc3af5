/**
 * The integer executor's mul and average pool on codes (src/quant/integer/ops_codes.ts, pool_codes.ts) against per-element
 * transcriptions of their formulas, written with the checked scalar fixed-point functions (no tables, no
 * WebAssembly): the fast paths (code tables, requantize's WebAssembly epilogue, per-window sums) must not move a code.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  multiplyByQuantizedMultiplierDoubleRounding, multiplyByQuantizedMultiplierSingleRounding, quantizeMultiplier,
} from '../../src/fixedpoint';
import type { Codes } from '../../src/quant/integer/codes';
import { mulCodes } from '../../src/quant/integer/ops_codes';
import { avgPoolCodes } from '../../src/quant/integer/pool_codes';
import type { TensorQParams } from '../../src/qparams';
import { roundHalfToEven } from '../../src/rounding';
import { mulberry32 } from '../support/random';

const f = Math.fround;
const PROFILES = ['tflite-double', 'tflite-single', 'onnxruntime'] as const;

function grid(rand: () => number): TensorQParams {
  return { kind: 'per-tensor', scale: f(2 ** (rand() * 10 - 12)), zeroPoint: Math.floor(rand() * 256) - 128, qmin: -128,
    qmax: 127 };
}

function codes(rand: () => number, shape: number[]): Codes {
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Int8Array.from({ length: n }, () => Math.floor(rand() * 256) - 128), shape, qp: grid(rand) };
}

function mbqm(profile: string, x: number, q: { multiplier: number; shift: number }): number {
  return profile === 'tflite-single' ? multiplyByQuantizedMultiplierSingleRounding(x, q.multiplier, q.shift)
    : multiplyByQuantizedMultiplierDoubleRounding(x, q.multiplier, q.shift);
}

const clamp = (r: number, o: TensorQParams) => Math.min(Math.max(r, o.qmin), o.qmax);

describe('integer ops on codes', () => {
  for (const profile of PROFILES) {
    it(`mulCodes (${profile}) equals the per-element formula, broadcasting [n, 1, 1, c] as squeeze-excite does`, () => {
      const rand = mulberry32(profile.length * 7 + 1);
      for (let t = 0; t < 40; t++) {
        const [b, h, w, c] = [1 + Math.floor(rand() * 3), 1 + Math.floor(rand() * 6), 1 + Math.floor(rand() * 6),
          1 + Math.floor(rand() * 20)];
        const x = codes(rand, [b, h, w, c]);
        const y = t % 2 ? codes(rand, [b, 1, 1, c]) : codes(rand, [b, h, w, c]);
        const out = grid(rand);
        const got = mulCodes('m', x, y, out, profile);
        const q = quantizeMultiplier(f(x.qp.scale) * f(y.qp.scale) / f(out.scale),
          { singleRounding: profile === 'tflite-single' });
        for (let i = 0; i < got.data.length; i++) {
          const ch = i % c;
          const j = t % 2 ? Math.floor(i / (h * w * c)) * c + ch : i;
          const a = x.data[i] - x.qp.zeroPoint;
          const bb = y.data[j] - y.qp.zeroPoint;
          const want = clamp(profile === 'onnxruntime'
            ? roundHalfToEven(f(f(f(f(x.qp.scale) * a) * f(f(y.qp.scale) * bb)) / f(out.scale))) + out.zeroPoint
            : mbqm(profile, a * bb, q) + out.zeroPoint, out);
          if (got.data[i] !== want) assert.fail(`case ${t} element ${i}: ${got.data[i]}, want ${want}`);
        }
      }
    });

    it(`avgPoolCodes (${profile}) on another grid equals the per-window formula over in-bounds taps`, () => {
      const rand = mulberry32(profile.length * 7 + 2);
      for (let t = 0; t < 40; t++) {
        const shape = [1 + Math.floor(rand() * 2), 1 + Math.floor(rand() * 7), 1 + Math.floor(rand() * 7),
          1 + Math.floor(rand() * 12)];
        const [, h, w, c] = shape;
        const x = codes(rand, shape);
        const out = grid(rand);
        const k: [number, number] = [1 + Math.floor(rand() * Math.min(3, h)), 1 + Math.floor(rand() * Math.min(3, w))];
        const s: [number, number] = [1 + Math.floor(rand() * 2), 1 + Math.floor(rand() * 2)];
        const padding = t % 2 ? 'same' : 'valid';
        const got = avgPoolCodes(x, k, s, padding, out, profile);
        const [, oh, ow] = got.shape;
        const padTop = padding === 'same' ? Math.floor(Math.max((oh - 1) * s[0] + k[0] - h, 0) / 2) : 0;
        const padLeft = padding === 'same' ? Math.floor(Math.max((ow - 1) * s[1] + k[1] - w, 0) / 2) : 0;
        let i = 0;
        for (let n = 0; n < shape[0]; n++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
          for (let ch = 0; ch < c; ch++, i++) {
            let sum = 0;
            let fsum = 0;
            let taps = 0;
            for (let ky = 0; ky < k[0]; ky++) for (let kx = 0; kx < k[1]; kx++) {
              const iy = oy * s[0] - padTop + ky;
              const ix = ox * s[1] - padLeft + kx;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              const v = x.data[((n * h + iy) * w + ix) * c + ch] - x.qp.zeroPoint;
              sum += v;
              fsum = f(fsum + f(f(x.qp.scale) * v));
              taps++;
            }
            const want = clamp(profile === 'onnxruntime' ? roundHalfToEven(f(f(fsum / taps) / f(out.scale))) + out.zeroPoint
              : mbqm(profile, sum, quantizeMultiplier(f(x.qp.scale) / (f(out.scale) * taps),
                { singleRounding: profile === 'tflite-single' })) + out.zeroPoint, out);
            if (got.data[i] !== want) assert.fail(`case ${t} element ${i}: ${got.data[i]}, want ${want}`);
          }
        }
      }
    });
  }
});
