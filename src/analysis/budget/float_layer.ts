import * as tf from '@tensorflow/tfjs-core';
import type { ActivationFn, GraphNode, Op } from '../../graph/ir';
import { activate, applyOp } from '../../graph/ops';
import type { Scratch } from './scratch';

/**
 * The float side of an error budget: a conv2d / depthwiseConv2d / dense layer's float output on a batch, and the
 * convolution of differences (by linearity) through the backend's float32 ops.
 */

export type LinearOp = Extract<Op, { kind: 'conv2d' | 'depthwiseConv2d' | 'dense' }>;

/** A layer's float side, the same under every plan: its weights uploaded once, its bias and its activation. */
export interface FloatLayer {
  readonly node: GraphNode;
  readonly op: LinearOp;
  /** The op without bias and activation, applied to differences by linearity. */
  readonly linear: LinearOp;
  readonly weightKey: 'filter' | 'kernel';
  readonly weight: tf.Tensor;
  /** The float bias per output channel (zeros without a bias). */
  readonly bias: Float64Array;
  readonly channels: number;
}

/** A linear node's float side; its weight tensor is the caller's to dispose. */
export function floatLayer(node: GraphNode): FloatLayer {
  const op = node.op as LinearOp;
  const w = op.kind === 'dense' ? op.kernel : op.filter;
  const channels = op.kind === 'depthwiseConv2d' ? w.shape[2] * w.shape[3] : w.shape[w.shape.length - 1];
  return {
    node, op, linear: { ...op, bias: null, activation: 'linear' }, weightKey: op.kind === 'dense' ? 'kernel' : 'filter',
    weight: tf.tensor(w.data, [...w.shape], 'float32'),
    bias: op.bias ? Float64Array.from(op.bias.data) : new Float64Array(channels), channels,
  };
}

/** The float reference on one batch: pre-activation conv(x, W) + b, the output f(pre), and its shape. */
export interface FloatReference {
  readonly pre: Float64Array;
  readonly y: Float64Array;
  readonly shape: number[];
}

/** conv(x, W) + b (the convolution in float32, the bias added in float64) and its activation, in scratch arrays. */
export function floatReference(f: FloatLayer, x: tf.Tensor, work: Scratch): FloatReference {
  const { values, shape } = convolve(f, x, f.weight);
  const pre = work.f64('pre', values.length);
  for (let i = 0, c = 0; i < pre.length; i++) {
    pre[i] = values[i] + f.bias[c];
    if (++c === f.channels) c = 0;
  }
  return { pre, y: activateValues(f.op.activation, pre, shape, work.f64('y0', pre.length)), shape };
}

/** The number of products in one output's sum: kh · kw · inC (conv), kh · kw (depthwise), inUnits (dense). */
export function dotProductTerms(f: FloatLayer): number {
  const w = f.op.kind === 'dense' ? f.op.kernel : f.op.filter;
  return f.op.kind === 'dense' ? w.shape[0] : f.op.kind === 'conv2d' ? w.shape[0] * w.shape[1] * w.shape[2] : w.shape[0] * w.shape[1];
}

/** The activations that are clamps, evaluated in float64; the others go through the backend's op. */
export const CLAMPS: Partial<Record<ActivationFn, readonly [number, number]>> = {
  linear: [-Infinity, Infinity], relu: [0, Infinity], relu6: [0, 6],
};

/**
 * f(pre) into `out`: a clamp in float64, or the float model's own activation op in float32 (sigmoid, swish,
 * softmax, ...). Returns `pre` itself for 'linear'.
 */
export function activateValues(fn: ActivationFn, pre: Float64Array, shape: number[], out: Float64Array): Float64Array {
  const clamp = CLAMPS[fn];
  if (clamp) {
    if (fn === 'linear') return pre;
    const [lo, hi] = clamp;
    for (let i = 0; i < out.length; i++) out[i] = pre[i] < lo ? lo : pre[i] > hi ? hi : pre[i];
    return out;
  }
  const y = tf.tidy(() => activate(tf.tensor(Float32Array.from(pre), shape, 'float32'), fn));
  out.set(y.dataSync());
  y.dispose();
  return out;
}

/** The layer's convolution (or matmul) of x with `weight`, no bias and no activation, on the backend in float32. */
export function convolve(f: FloatLayer, x: tf.Tensor, weight: tf.Tensor): { values: Float32Array; shape: number[] } {
  const y = tf.tidy(() => applyOp(f.linear, [x], { [f.weightKey]: weight }));
  const values = y.dataSync() as Float32Array;
  const shape = y.shape;
  y.dispose();
  return { values, shape };
}

/** {@link convolve} of an array of input values (a difference x̃ − x) with the float weights. */
export function convolveValues(f: FloatLayer, values: Float32Array, shape: readonly number[]): Float32Array {
  const x = tf.tensor(values, [...shape], 'float32');
  try {
    return convolve(f, x, f.weight).values;
  } finally {
    x.dispose();
  }
}

/** Σ (a − b)² in float64. */
export function squaredError(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return s;
}
