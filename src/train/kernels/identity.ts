import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * Identity that shares the input's data (reference-counted), as the CPU backend's does; wasm's copies every element.
 * TF.js never writes tensor data in place, so sharing is safe.
 */
export function identityShared(args: { inputs: { x: TensorInfo }; backend: KernelBackend }): TensorInfo {
  const { inputs: { x }, backend } = args;
  (backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}
