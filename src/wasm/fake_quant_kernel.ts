import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { RoundingProfile } from '../rounding';

/** Per-tensor parameters of one fused fake quantization: out = clamp(round(x / scale), lo, hi) * scale. */
export interface FusedFakeQuantParams {
  readonly scale: number;
  /** qmin - zeroPoint and qmax - zeroPoint: the centred code range. */
  readonly lo: number;
  readonly hi: number;
  readonly rounding: RoundingProfile;
}

/** The fused kernel's name in tfjs's registry. */
export const FAKE_QUANTIZE_KERNEL = 'QuantscopeFakeQuantize';

const MODES: Record<RoundingProfile, number> = { tflite: 0, onnx: 1, pytorch: 2 };

interface Exports {
  fake_quantize(src: number, dst: number, n: number, scale: number, inverse: number, lo: number, hi: number, mode: number): void;
}

/** The parts of tfjs-backend-wasm's BackendWasm this kernel reads: its tensor table and its Emscripten module. */
interface WasmBackendView {
  readonly dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  readonly wasm: { readonly asm?: { readonly memory?: unknown } };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

const instances = new WeakMap<object, Exports | null>();
let moduleBytes: Uint8Array | null | undefined;

/**
 * Fake-quantizes a float32 tensor in one pass of src/wasm/fake_quant.wat over tfjs-backend-wasm's own heap (the module
 * imports the backend's memory, so nothing is copied), with exactly the float32 arithmetic of the tensor-op version
 * in src/quantize/quantize_tensor.ts. Returns null, and the caller uses the tensor ops, when the active backend is not
 * wasm, WebAssembly SIMD or the built module is missing, or the backend's memory is shared (threaded builds).
 * Its gradient is zero, as the tensor-op version's (round has a zero gradient in tfjs).
 */
export function fusedFakeQuantize(x: tf.Tensor, params: FusedFakeQuantParams): tf.Tensor | null {
  if (tf.getBackend() !== 'wasm' || exportsFor(tf.backend() as unknown as WasmBackendView) === null) return null;
  registerOnce();
  const attrs = { scale: params.scale, lo: params.lo, hi: params.hi, mode: MODES[params.rounding] };
  return tf.engine().runKernel(FAKE_QUANTIZE_KERNEL, { x }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

let registered = false;

function registerOnce(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({
    kernelName: FAKE_QUANTIZE_KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const x = inputs.x as tf.TensorInfo;
      const view = backend as unknown as WasmBackendView;
      const { scale, lo, hi, mode } = attrs as unknown as { scale: number; lo: number; hi: number; mode: number };
      const out = view.makeOutput([...x.shape], 'float32');
      const n = x.shape.reduce((a, b) => a * b, 1);
      const wasm = exportsFor(view);
      if (wasm === null) throw new Error(`${FAKE_QUANTIZE_KERNEL}: the wasm backend's memory is not importable`);
      // Offsets are read after makeOutput: its allocation may grow (and move the views of) the heap.
      if (n > 0) wasm.fake_quantize(offset(view, x.dataId), offset(view, out.dataId), n, scale, Math.fround(1 / scale), lo, hi, mode);
      return out;
    },
  });
  tf.registerGradient({ kernelName: FAKE_QUANTIZE_KERNEL, gradFunc: (dy) => ({ x: () => tf.zerosLike(dy as tf.Tensor) }) });
}

function offset(view: WasmBackendView, dataId: object): number {
  const entry = view.dataIdMap.get(dataId);
  if (entry === undefined) throw new Error(`${FAKE_QUANTIZE_KERNEL}: a tensor is not on the wasm backend`);
  return entry.memoryOffset;
}

/** The module instantiated against this backend's memory, once per memory; null when that cannot be done. */
function exportsFor(view: WasmBackendView): Exports | null {
  const memory = view.wasm?.asm?.memory;
  if (typeof memory !== 'object' || memory === null) return null;
  let exports = instances.get(memory);
  if (exports === undefined) {
    exports = instantiate(memory);
    instances.set(memory, exports);
  }
  return exports;
}

function instantiate(memory: object): Exports | null {
  if (moduleBytes === undefined) {
    const file = path.join(__dirname, 'fake_quant.wasm');
    moduleBytes = typeof WebAssembly === 'object' && fs.existsSync(file) ? fs.readFileSync(file) : null;
  }
  if (moduleBytes === null) return null;
  try {
    return new WebAssembly.Instance(new WebAssembly.Module(moduleBytes), { env: { memory } }).exports as unknown as Exports;
  } catch {
    // A shared (threaded) memory does not match the module's unshared import; SIMD may be missing.
    return null;
  }
}
