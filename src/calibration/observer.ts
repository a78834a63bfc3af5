import * as tf from '@tensorflow/tfjs-core';
import { check, checkFiniteData } from '../errors';
import { calibrationKernels } from '../wasm/calibration_kernels';

/**
 * The contract every calibration observer follows (after PyTorch's observers and AIMET's encoding analyzers, but
 * with immutable statistics so observers can run on shards and be merged):
 * - `empty()` is the statistics of no data;
 * - `collect(stats, x)` returns new statistics that include x (never mutates `stats`);
 * - `merge(a, b)` combines statistics collected on disjoint data;
 * - `range(stats)` turns statistics into the range to quantize over.
 */
export interface Observer<S, R> {
  readonly name: string;
  empty(): S;
  collect(stats: S, x: Observed): S;
  merge(a: S, b: S): S;
  range(stats: S): R;
}

/** What observers accept: a float32 tensor, a flat array, or a flat array with its row-major shape. */
export type Observed = tf.Tensor | Float32Array | { readonly data: Float32Array; readonly shape: readonly number[] };

/**
 * Flat float32 data and shape of an observed value, checked non-empty and (unless `checkFinite` is false, for a
 * caller that checks finiteness in its own pass) finite.
 */
export function observedData(fn: string, x: Observed, checkFinite = true): { data: Float32Array; shape: readonly number[] } {
  let result: { data: Float32Array; shape: readonly number[] };
  if (x instanceof tf.Tensor) {
    check(x.dtype === 'float32', fn, 'x', `a ${x.dtype} tensor`, 'a float32 tensor');
    result = { data: x.dataSync() as Float32Array, shape: x.shape };
  } else if (x instanceof Float32Array) {
    result = { data: x, shape: [x.length] };
  } else {
    check(typeof x === 'object' && x !== null && x.data instanceof Float32Array && Array.isArray(x.shape), fn, 'x', x,
      'a tf.Tensor, a Float32Array or { data: Float32Array, shape: number[] }');
    const size = x.shape.reduce((a, b) => a * b, 1);
    check(size === x.data.length, fn, 'x.shape', `[${x.shape.join(', ')}]`, `a shape with ${x.data.length} elements`);
    result = x;
  }
  if (checkFinite) checkFiniteData(fn, 'x', result.data);
  else check(result.data.length > 0, fn, 'x', result.data, 'a non-empty tensor');
  return result;
}

/** Smallest and largest element of non-empty finite data, in one pass. */
export function extent(data: Float32Array): { min: number; max: number } {
  let min = data[0];
  let max = data[0];
  for (let i = 1; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    else if (v > max) max = v;
  }
  return { min, max };
}

/**
 * {@link observedData} plus the data's extremes, found in one WebAssembly SIMD pass that also detects NaN and Inf
 * (the TypeScript loops where WebAssembly is unavailable). Throws like observedData.
 */
export function observedExtent(fn: string, x: Observed): { data: Float32Array; shape: readonly number[]; min: number; max: number } {
  const observed = observedData(fn, x, false);
  const kernels = calibrationKernels();
  if (kernels === null) {
    checkFiniteData(fn, 'x', observed.data);
    return { ...observed, ...extent(observed.data) };
  }
  kernels.stage(observed.data);
  const scanned = kernels.extent();
  if (!scanned.finite) checkFiniteData(fn, 'x', observed.data); // throws, naming the index
  return { ...observed, min: scanned.min, max: scanned.max };
}
