import * as tf from '@tensorflow/tfjs-core';
import type { ActivationFn, Op, Padding } from './ir';

/** The weights of one node as tensors, by parameter name ('filter', 'bias', 'kernel', 'gamma', ...). */
export type NodeWeights = Readonly<Record<string, tf.Tensor>>;

/**
 * Computes one op on NHWC tensors with the semantics of TF.js Layers (and Keras): 'same' padding as TF defines it,
 * batch norm through tf.batchNorm, Dense on the last axis. Call inside tf.tidy; the result is a new tensor.
 */
export function applyOp(op: Op, inputs: readonly tf.Tensor[], weights: NodeWeights): tf.Tensor {
  const x = inputs[0];
  switch (op.kind) {
    case 'conv2d':
    case 'depthwiseConv2d': {
      // The fused kernels add the bias and apply ReLU/ReLU6/sigmoid in one pass, as tfjs-layers does.
      const fusable = FUSABLE[op.activation];
      if (typeof op.padding !== 'string') {
        // The fused kernels take no explicit padding.
        const conv = op.kind === 'conv2d' ? tf.conv2d : tf.depthwiseConv2d;
        const y = conv(x as tf.Tensor4D, weights.filter as tf.Tensor4D, pair(op.strides), padArg(op.padding), 'NHWC', pair(op.dilations));
        return activate(weights.bias ? tf.add(y, weights.bias) : y, op.activation);
      }
      const args = {
        x: x as tf.Tensor4D, filter: weights.filter as tf.Tensor4D, strides: pair(op.strides), pad: op.padding,
        dataFormat: 'NHWC' as const, dilations: pair(op.dilations), bias: weights.bias, activation: fusable ?? 'linear',
      };
      const y = op.kind === 'conv2d' ? tf.fused.conv2d(args) : tf.fused.depthwiseConv2d(args);
      return fusable ? y : activate(y, op.activation);
    }
    case 'dense': {
      const [inDim, outDim] = weights.kernel.shape;
      const flat = x.rank === 2 ? x : tf.reshape(x, [-1, inDim]);
      let y: tf.Tensor = tf.matMul(flat as tf.Tensor2D, weights.kernel as tf.Tensor2D);
      if (weights.bias) y = tf.add(y, weights.bias);
      if (x.rank !== 2) y = tf.reshape(y, [...x.shape.slice(0, -1), outDim]);
      return activate(y, op.activation);
    }
    case 'batchNorm':
      return tf.batchNorm(x, weights.mean as tf.Tensor1D, weights.variance as tf.Tensor1D, weights.beta as tf.Tensor1D, weights.gamma as tf.Tensor1D, op.epsilon);
    case 'activation':
      return activate(x, op.fn);
    case 'add':
      return inputs.slice(1).reduce((a, b) => tf.add(a, b), x);
    case 'mul':
      return inputs.slice(1).reduce((a, b) => tf.mul(a, b), x);
    case 'concat':
      return tf.concat(inputs as tf.Tensor[], op.axis);
    case 'pad':
      return tf.pad(x, [[0, 0], [op.paddings[0][0], op.paddings[0][1]], [op.paddings[1][0], op.paddings[1][1]], [0, 0]]);
    case 'maxPool':
      return tf.maxPool(x as tf.Tensor4D, pair(op.poolSize), pair(op.strides), op.padding);
    case 'avgPool':
      return tf.avgPool(x as tf.Tensor4D, pair(op.poolSize), pair(op.strides), op.padding);
    case 'globalAvgPool':
      return tf.mean(x, [1, 2], op.keepDims);
    case 'flatten':
      return tf.reshape(x, [x.shape[0], -1]);
    case 'reshape':
      return tf.reshape(x, [x.shape[0], ...op.shape]);
    case 'transpose':
      return tf.transpose(x, [...op.perm]);
    case 'identity':
      return tf.clone(x);
  }
}

/** Activations the fused tfjs kernels apply themselves. */
const FUSABLE: Partial<Record<ActivationFn, 'linear' | 'relu' | 'relu6' | 'sigmoid'>> = { linear: 'linear', relu: 'relu', relu6: 'relu6', sigmoid: 'sigmoid' };

/** Applies an activation function; hard_swish is x * relu6(x + 3) / 6 (MobileNetV3). */
export function activate(x: tf.Tensor, fn: ActivationFn): tf.Tensor {
  switch (fn) {
    case 'linear': return x;
    case 'relu': return tf.relu(x);
    case 'relu6': return tf.relu6(x);
    case 'sigmoid': return tf.sigmoid(x);
    case 'tanh': return tf.tanh(x);
    case 'swish': return tf.mul(x, tf.sigmoid(x));
    case 'hard_swish': return tf.div(tf.mul(x, tf.relu6(tf.add(x, 3))), 6);
    case 'softmax': return tf.softmax(x);
  }
}

function padArg(p: Padding): 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]] {
  if (p === 'same' || p === 'valid') return p;
  return [[0, 0], [p[0][0], p[0][1]], [p[1][0], p[1][1]], [0, 0]];
}

function pair(p: readonly [number, number]): [number, number] {
  return [p[0], p[1]];
}
