import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * Runs other kernels of one backend from inside a kernel, straight through the kernel registry (never through the
 * engine, so nothing lands on the gradient tape or in a tidy scope), and disposes every intermediate it made.
 *
 * `run` returns the kernel's TensorInfo and remembers it; `withKernels` disposes all of them except the one the body
 * returns, also when the body throws. Reshapes share their input's data through the backend's reference count, so
 * disposing the input of a kept reshape is safe.
 */
export class KernelScope {
  private readonly made: TensorInfo[] = [];

  constructor(
    readonly backend: KernelBackend,
    readonly backendName: string,
    /** The kernel being implemented, for error messages. */
    readonly owner: string,
  ) {}

  run(kernelName: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo {
    const kernel = tf.getKernel(kernelName, this.backendName);
    if (kernel === undefined) {
      throw new Error(`${this.owner}: the ${this.backendName} backend has no ${kernelName} kernel to build on`);
    }
    const out = kernel.kernelFunc({ inputs, backend: this.backend, attrs });
    if (Array.isArray(out)) throw new Error(`${this.owner}: kernel ${kernelName} returned ${out.length} outputs; expected 1`);
    this.made.push(out);
    return out;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /**
   * Pads (positive amounts, with zeros) or crops (negative amounts) each axis: pads[i] = [before, after]. Returns x
   * itself when every amount is 0.
   */
  padOrCrop(x: TensorInfo, pads: readonly (readonly [number, number])[]): TensorInfo {
    let out = x;
    if (pads.some(([lo, hi]) => lo < 0 || hi < 0)) {
      const begin = pads.map(([lo]) => Math.max(0, -lo));
      const size = x.shape.map((n, i) => n - begin[i] - Math.max(0, -pads[i][1]));
      if (size.some((n) => n <= 0)) {
        throw new Error(`${this.owner}: cropping [${x.shape.join(', ')}] by ${JSON.stringify(pads)} leaves nothing`);
      }
      out = this.run('Slice', { x: out }, { begin, size });
    }
    if (pads.some(([lo, hi]) => lo > 0 || hi > 0)) {
      const paddings = pads.map(([lo, hi]) => [Math.max(0, lo), Math.max(0, hi)]);
      out = this.run('PadV2', { x: out }, { paddings, constantValue: 0 });
    }
    return out;
  }

  /**
   * Spreads an NHWC tensor's rows and columns apart by the strides, with zeros between (and s - 1 zeros after the
   * last row/column): [n, h, w, c] -> [n, h * sh, w * sw, c], element (i, j) moving to (i * sh, j * sw).
   */
  spread(x: TensorInfo, sh: number, sw: number): TensorInfo {
    if (sh === 1 && sw === 1) return x;
    const [n, h, w, c] = x.shape;
    const six = this.reshape(x, [n, h, 1, w, 1, c]);
    const padded = this.run('PadV2', { x: six }, { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
    return this.reshape(padded, [n, h * sh, w * sw, c]);
  }

  /** Disposes every intermediate except `keep`. */
  disposeAllBut(keep: TensorInfo | undefined): void {
    for (const info of this.made) if (info !== keep) this.backend.disposeData(info.dataId);
    this.made.length = 0;
  }
}

/** Runs `body` with a fresh scope and disposes its intermediates, keeping only what the body returns. */
export function withKernels(
  backend: KernelBackend,
  backendName: string,
  owner: string,
  body: (k: KernelScope) => TensorInfo,
): TensorInfo {
  const scope = new KernelScope(backend, backendName, owner);
  let out: TensorInfo | undefined;
  try {
    out = body(scope);
    return out;
  } finally {
    scope.disposeAllBut(out);
  }
}

/** A pair from a scalar-or-pair attribute (strides, dilations). */
export function pair(value: number | readonly number[] | undefined, fallback = 1): [number, number] {
  if (value === undefined || value === null) return [fallback, fallback];
  if (typeof value === 'number') return [value, value];
  return [value[0], value[1]];
}
