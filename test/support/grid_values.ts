import type { TensorQParams } from '../../src/qparams';

/** Grids with awkward scales: not a float32 number, tiny, int16-wide, and zero points at either end. */
export const TIE_GRIDS: readonly TensorQParams[] = [
  { kind: 'per-tensor', scale: 0.1, zeroPoint: -3, qmin: -128, qmax: 127 }, // not a float32 scale
  { kind: 'per-tensor', scale: Math.fround(0.0234), zeroPoint: 0, qmin: -127, qmax: 127 },
  { kind: 'per-tensor', scale: Math.fround(3.7e-5), zeroPoint: 0, qmin: -32767, qmax: 32767 },
  { kind: 'per-tensor', scale: 1, zeroPoint: 127, qmin: -128, qmax: 127 },
  { kind: 'per-tensor', scale: Math.fround(1.5e-30), zeroPoint: 20, qmin: -128, qmax: 127 },
];

/** Values around every tie (k + 1/2) · scale, one float32 step either side, and far beyond the grid. */
export function valuesAroundTies(scale: number, rand: () => number): Float32Array {
  const out: number[] = [0, -0, 1e-45, -1e-45, 3.4028234663852886e38, -3.4028234663852886e38, 2 ** 23, -(2 ** 23)];
  const step = new Float32Array(1);
  const bits = new Int32Array(step.buffer);
  for (let k = -300; k <= 300; k++) {
    step[0] = (k + 0.5) * scale;
    for (const d of [-2, -1, 0, 1, 2]) {
      const b = bits[0];
      bits[0] = b + d;
      out.push(step[0]);
      bits[0] = b;
    }
  }
  for (let i = 0; i < 20_000; i++) out.push((rand() - 0.5) * scale * 2 ** (rand() * 20));
  return Float32Array.from(out);
}
