import type { KernelBackend, TensorInfo, TileAttrs } from '@tensorflow/tfjs-core';
import { withKernels } from './kernel_scope';

/** The most dimensions the wasm backend's broadcasting binary kernels (XNNPACK) take. */
const MAX_BROADCAST_RANK = 6;

/**
 * Tile as a broadcast: x of shape [d0, …, dk] tiled by reps equals x reshaped to [1, d0, 1, d1, …] plus zeros of
 * shape [r0, d0, r1, d1, …], reshaped to [r0·d0, r1·d1, …] (dimensions with r = 1 or d = 1 need no interleaving).
 * Batch norm's gradient tiles its per-channel factors to the activation's full shape, and wasm's own Tile is a
 * scalar loop (84 ms for [1, 1, 1, 16] to [128, 28, 28, 16]). Returns undefined when the broadcast would need more
 * than 6 dimensions or the dtype is not float32; the caller then uses the backend's own kernel.
 */
export function tileByBroadcast(
  args: { inputs: { x: TensorInfo }; backend: KernelBackend; attrs: TileAttrs },
  backendName: string,
): TensorInfo | undefined {
  const { inputs: { x }, backend, attrs: { reps } } = args;
  if (x.dtype !== 'float32' || reps.length !== x.shape.length) return undefined;
  const inShape: number[] = [];
  const outShape: number[] = [];
  x.shape.forEach((d, i) => {
    if (reps[i] !== 1 && d !== 1) {
      inShape.push(1, d);
      outShape.push(reps[i], d);
    } else {
      inShape.push(d);
      outShape.push(d * reps[i]);
    }
  });
  if (outShape.length > MAX_BROADCAST_RANK) return undefined;
  return withKernels(backend, backendName, 'Tile', (k) => {
    const zeros = k.run('Fill', {}, { shape: outShape, value: 0, dtype: 'float32' });
    const sum = k.run('Add', { a: k.reshape(x, inShape), b: zeros });
    return k.reshape(sum, x.shape.map((d, i) => d * reps[i]));
  });
}
