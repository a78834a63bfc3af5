/**
 * A slow, obviously-correct reference for the clipped straight-through gradient of fake quantization: per element,
 * the code the rounding profile gives, in float64 from the float32 quotient, and dy where it lies in [qmin, qmax].
 */
import type { RoundingProfile } from '../../src/rounding';

/** One element's quantization parameters. */
export interface ElementParams {
  readonly scale: number;
  readonly zeroPoint: number;
  readonly qmin: number;
  readonly qmax: number;
}

/** The unclamped code of x: x / scale (or x * fround(1 / scale) for 'pytorch') in float32, rounded per profile. */
export function unclampedCode(x: number, p: ElementParams, rounding: RoundingProfile): number {
  const v = rounding === 'pytorch' ? Math.fround(x * Math.fround(1 / p.scale)) : Math.fround(x / p.scale);
  const nearest = Math.round(v); // ties toward +infinity
  const tie = Math.abs(v - Math.trunc(v)) === 0.5;
  let r: number;
  if (!tie) r = nearest;
  else if (rounding === 'tflite') r = v < 0 ? Math.floor(v) : Math.ceil(v);
  else r = Math.floor(v) % 2 === 0 ? Math.floor(v) : Math.ceil(v);
  return r + p.zeroPoint;
}

/** dy * [qmin <= code <= qmax], element by element; paramsAt gives each element's parameters. */
export function steGradientReference(x: Float32Array, dy: Float32Array, paramsAt: (i: number) => ElementParams, rounding: RoundingProfile): Float32Array {
  return Float32Array.from(x, (v, i) => {
    const p = paramsAt(i);
    const code = unclampedCode(v, p, rounding);
    return code >= p.qmin && code <= p.qmax ? dy[i] : 0;
  });
}
