import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { conv2dBackpropFilter } from './conv2d_backprop_filter';
import { conv2dBackpropInput } from './conv2d_backprop_input';
import { depthwiseConv2dBackpropFilter } from './depthwise_backprop_filter';
import { depthwiseConv2dBackpropInput } from './depthwise_backprop_input';
import { tileByBroadcast } from './tile';
import { identityShared } from './identity';

/** What {@link registerWasmTrainingKernels} did, and how to undo it. */
export interface TrainingKernelRegistration {
  /** Kernels the backend lacked and now has. */
  readonly added: readonly string[];
  /** Kernels the backend had (slow) and that now run the convolution-based version. */
  readonly replaced: readonly string[];
  /** Puts the registry back as it was (removes the added kernels, restores the replaced ones). */
  restore(): void;
}

/** The gradient kernels this module provides, each built from the backend's own forward convolutions. */
export const TRAINING_KERNELS: Readonly<Record<string, (args: never, backendName: string) => tf.TensorInfo>> = {
  Conv2DBackpropFilter: conv2dBackpropFilter,
  Conv2DBackpropInput: conv2dBackpropInput,
  DepthwiseConv2dNativeBackpropFilter: depthwiseConv2dBackpropFilter,
  DepthwiseConv2dNativeBackpropInput: depthwiseConv2dBackpropInput,
};

const ours = new WeakSet<KernelFunc>();

/**
 * Makes convolution training run on the wasm backend (or `backendName`): registers Conv2DBackpropFilter,
 * DepthwiseConv2dNativeBackpropFilter and DepthwiseConv2dNativeBackpropInput, which tfjs-backend-wasm 4.22 lacks,
 * and, unless `replace` is false, replaces kernels it has but runs slowly in training: Conv2DBackpropInput (a scalar
 * loop), Tile (as a broadcast add; falls back to the original beyond 6
 * broadcast dimensions) and Identity (shares data instead of copying). Each kernel is a composition of the
 * backend's Transpose, Reshape, Slice, PadV2, Reverse, Tile, Sum and (depthwise) Conv2D kernels, so it runs at about
 * forward-convolution speed. Calling it again is a no-op for kernels already registered by it.
 */
export function registerWasmTrainingKernels(options: { backendName?: string; replace?: boolean } = {}): TrainingKernelRegistration {
  const backendName = options.backendName ?? 'wasm';
  const replace = options.replace ?? true;
  const added: string[] = [];
  const replaced: string[] = [];
  const previous: KernelConfig[] = [];
  // Faster versions of kernels the backend has; each falls back to the original where it does not apply.
  const faster: Record<string, (args: never, original: KernelFunc) => tf.TensorInfo> = {
    Tile: (args, original) => tileByBroadcast(args, backendName) ?? (original(args) as tf.TensorInfo),
    Identity: (args) => identityShared(args),
  };
  for (const [kernelName, impl] of Object.entries(faster)) {
    const existing = tf.getKernel(kernelName, backendName);
    if (!replace || existing === undefined || ours.has(existing.kernelFunc)) continue;
    const kernelFunc: KernelFunc = (args) => impl(args as never, existing.kernelFunc);
    ours.add(kernelFunc);
    previous.push(existing);
    tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel({ ...existing, kernelFunc });
    replaced.push(kernelName);
  }
  for (const [kernelName, impl] of Object.entries(TRAINING_KERNELS)) {
    const existing = tf.getKernel(kernelName, backendName);
    if (existing !== undefined && (ours.has(existing.kernelFunc) || !replace)) continue;
    const kernelFunc: KernelFunc = (args) => impl(args as never, backendName);
    ours.add(kernelFunc);
    if (existing !== undefined) {
      previous.push(existing);
      tf.unregisterKernel(kernelName, backendName);
      replaced.push(kernelName);
    } else {
      added.push(kernelName);
    }
    tf.registerKernel({ kernelName, backendName, kernelFunc });
  }
  return {
    added,
    replaced,
    restore() {
      for (const name of [...added, ...replaced]) {
        if (tf.getKernel(name, backendName) !== undefined) tf.unregisterKernel(name, backendName);
      }
      for (const config of previous) tf.registerKernel(config);
    },
  };
}
