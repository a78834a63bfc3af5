import type { ActivationFn } from '../graph/ir';

const SQRT_PI = Math.sqrt(Math.PI);

/** The standard normal density phi(z) = exp(-z^2 / 2) / sqrt(2 pi); 0 at +-Infinity. */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

/**
 * The standard normal CDF Phi(z) = erfc(-z / sqrt 2) / 2, to about 1e-15 relative in both tails (Phi(-10) is
 * 7.6e-24, not a rounded 0, because erfc is computed directly and never as 1 - erf). NaN gives NaN.
 */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/**
 * erfc(x) for x >= 0 (x < 0 through erfc(-x) = 2 - erfc(x)). Below 2.5 it is 1 - erf(x) with erf's series of
 * positive terms, erf(x) = 2/sqrt(pi) e^(-x^2) sum_n (2x^2)^n x / (1 * 3 * ... * (2n+1)), which never cancels;
 * from 2.5 on, Laplace's continued fraction erfc(x) = e^(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))),
 * evaluated bottom-up, which converges fast there and keeps its relative accuracy deep in the tail.
 */
function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2.5) {
    let term = x;
    let sum = x;
    for (let n = 1; term > 1e-17 * sum; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
    }
    return 1 - (2 / SQRT_PI) * Math.exp(-x * x) * sum;
  }
  if (x === Infinity) return 0;
  let t = x;
  for (let k = 120; k >= 1; k--) t = x + k / 2 / t;
  return Math.exp(-x * x) / (SQRT_PI * t);
}

/** P(a < Z < b) for a standard normal Z, taken from the tail where both ends are small (no 1 - 1 cancellation). */
function normalMass(a: number, b: number): number {
  return a > 0 ? normalCdf(-a) - normalCdf(-b) : normalCdf(b) - normalCdf(a);
}

/**
 * E[min(max(y, lo), hi)] for y ~ N(mu, sigma^2), the mean of a (doubly) clipped normal, in float64:
 *   lo Phi(alpha) + hi Phi(-beta) + mu (Phi(beta) - Phi(alpha)) + sigma (phi(alpha) - phi(beta)),
 *   alpha = (lo - mu) / sigma, beta = (hi - mu) / sigma,
 * where an infinite bound drops its term. ReLU (lo = 0, hi = Infinity) gives mu Phi(mu/sigma) + sigma phi(mu/sigma);
 * ReLU6 is lo = 0, hi = 6. sigma = 0 is the point mass: the clipped mu. Requires lo <= hi and sigma >= 0.
 */
export function clippedNormalMean(mu: number, sigma: number, lo: number, hi: number): number {
  if (sigma === 0) return Math.min(Math.max(mu, lo), hi);
  const alpha = (lo - mu) / sigma;
  const beta = (hi - mu) / sigma;
  const below = lo === -Infinity ? 0 : lo * normalCdf(alpha);
  const above = hi === Infinity ? 0 : hi * normalCdf(-beta);
  return below + above + mu * normalMass(alpha, beta) + sigma * (normalPdf(alpha) - normalPdf(beta));
}

/** The clip bounds of the piecewise-linear activations whose Gaussian mean has a closed form; null for the others. */
export function activationClip(fn: ActivationFn): readonly [number, number] | null {
  if (fn === 'linear') return [-Infinity, Infinity];
  if (fn === 'relu') return [0, Infinity];
  if (fn === 'relu6') return [0, 6];
  return null;
}
