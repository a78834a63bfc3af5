import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clippedNormalMean, normalCdf } from '../../src/fixes/normal_moments';
import { clippedNormalMeanRef, normalCdfRef } from '../reference/normal_reference';

test('normalCdf matches float64 quadrature to 1e-11 relative, deep into the lower tail', () => {
  for (const z of [-30, -12, -8, -5, -3.6, -2.5, -1, -0.3, 0, 0.7, 1.5, 2.5, 3.54, 6]) {
    const ref = normalCdfRef(z);
    assert.ok(Math.abs(normalCdf(z) - ref) <= 1e-11 * ref, `Phi(${z}) = ${normalCdf(z)}, reference ${ref}`);
  }
  // torch.special.ndtr(-1.0) in float64 (the one golden value beyond the quadrature).
  assert.equal(normalCdf(-1).toPrecision(15), (0.15865525393145702).toPrecision(15));
  assert.ok(Number.isNaN(normalCdf(NaN)));
  assert.equal(normalCdf(-Infinity), 0);
  assert.equal(normalCdf(Infinity), 1);
});

test('clippedNormalMean (linear, ReLU, ReLU6, arbitrary clips) matches float64 quadrature of E[clip(y)]', () => {
  const clips: [number, number][] = [[-Infinity, Infinity], [0, Infinity], [0, 6], [-1, 0.5]];
  for (const [lo, hi] of clips) {
    for (const mu of [-25, -4, -1.2, 0, 0.3, 2, 5.5, 7, 30]) {
      for (const sigma of [0.01, 0.4, 1, 3.7]) {
        const ref = clippedNormalMeanRef(mu, sigma, lo, hi);
        const got = clippedNormalMean(mu, sigma, lo, hi);
        assert.ok(Math.abs(got - ref) <= 1e-11 * (Math.abs(ref) + sigma) + 1e-300, `E[clip(N(${mu}, ${sigma}^2), ${lo}, ${hi})] = ${got}, reference ${ref}`);
      }
    }
  }
  // The ReLU closed form mu Phi(mu/sigma) + sigma phi(mu/sigma), written out for one case.
  const [mu, sigma] = [0.8, 1.3];
  const phi = Math.exp(-0.5 * (mu / sigma) ** 2) / Math.sqrt(2 * Math.PI);
  assert.ok(Math.abs(clippedNormalMean(mu, sigma, 0, Infinity) - (mu * normalCdfRef(mu / sigma) + sigma * phi)) < 1e-12);
});

test('clippedNormalMean of a point mass (sigma = 0) is the clipped mean', () => {
  assert.equal(clippedNormalMean(-2, 0, 0, Infinity), 0);
  assert.equal(clippedNormalMean(7, 0, 0, 6), 6);
  assert.equal(clippedNormalMean(3, 0, 0, 6), 3);
});
