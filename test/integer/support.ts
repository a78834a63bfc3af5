import { mulberry32 } from '../support/random';

/** Seeded integer codes in [lo, hi] of the given typed-array type. */
export function randomCodes<T extends Int8Array | Uint8Array | Int16Array>(type: new (n: number) => T, seed: number,
  n: number, lo: number, hi: number): T {
  const rand = mulberry32(seed);
  const out = new type(n);
  for (let i = 0; i < n; i++) out[i] = lo + Math.floor(rand() * (hi - lo + 1));
  return out;
}

/** Seeded int32 values in [lo, hi]. */
export function randomInt32(seed: number, n: number, lo: number, hi: number): Int32Array {
  const rand = mulberry32(seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + Math.floor(rand() * (hi - lo + 1));
  return out;
}

/** First index where two arrays differ, or -1. */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}
