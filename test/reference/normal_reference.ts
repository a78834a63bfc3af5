/**
 * Slow float64 references for src/fixes/normal_moments.ts by quadrature: no erf, no closed form. Composite Simpson
 * on pieces where the integrand is smooth (split at the clip points), so the error is O(h^4).
 */

const density = (y: number, mu: number, sigma: number) => Math.exp(-0.5 * ((y - mu) / sigma) ** 2) / (sigma * Math.sqrt(2 * Math.PI));

function simpson(f: (x: number) => number, a: number, b: number, n = 20000): number {
  if (b <= a) return 0;
  const h = (b - a) / n;
  let s = f(a) + f(b);
  for (let k = 1; k < n; k++) s += (k % 2 === 1 ? 4 : 2) * f(a + k * h);
  return (s * h) / 3;
}

/** Phi(z) = integral of the standard normal density from z - 40 to z (the mass below z - 40 is under 1e-340). */
export function normalCdfRef(z: number): number {
  return simpson((t) => density(t, 0, 1), z - 40, z, 200000);
}

/** E[min(max(y, lo), hi)] for y ~ N(mu, sigma^2), integrating over mu -+ 40 sigma in three smooth pieces. */
export function clippedNormalMeanRef(mu: number, sigma: number, lo: number, hi: number): number {
  const a = mu - 40 * sigma;
  const b = mu + 40 * sigma;
  const p = Math.min(Math.max(lo, a), b);
  const q = Math.min(Math.max(hi, a), b);
  const clip = (y: number) => Math.min(Math.max(y, lo), hi);
  return simpson((y) => clip(y) * density(y, mu, sigma), a, p) + simpson((y) => y * density(y, mu, sigma), p, q) + simpson((y) => clip(y) * density(y, mu, sigma), q, b);
}
