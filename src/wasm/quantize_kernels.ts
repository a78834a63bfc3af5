import * as fs from 'node:fs';
import * as path from 'node:path';

/** How a value is rounded onto the grid: src/rounding.ts's profiles. */
export type QuantizeRounding = 'tflite' | 'onnx' | 'pytorch';

/**
 * The WebAssembly quantization loop (src/wasm/quantize.wat): float32 values to int8 or int16 codes,
 * clamp(round(v / scale) + zeroPoint, qmin, qmax) with the profile's float32 arithmetic and rounding. Returns false
 * (and leaves `out` partly written) when some value is NaN or ±Infinity; the caller reports which.
 */
export type QuantizeKernel = (values: Float32Array, scale: number, zeroPoint: number, qmin: number, qmax: number,
  rounding: QuantizeRounding, out: Int8Array | Int16Array) => boolean;

interface Exports {
  readonly memory: WebAssembly.Memory;
  quantize(src: number, dst: number, blocks: number, factor: number, zp: number, qmin: number, qmax: number,
    mode: number, kind: number): number;
}

let cached: QuantizeKernel | null | undefined;

/**
 * The kernel, instantiated once per process (its memory is reused from call to call); null where WebAssembly SIMD
 * or the built module is unavailable. Not re-entrant, which JavaScript's single thread guarantees.
 */
export function quantizeKernel(): QuantizeKernel | null {
  if (cached === undefined) cached = instantiate();
  return cached;
}

function instantiate(): QuantizeKernel | null {
  const file = path.join(__dirname, 'quantize.wasm');
  if (typeof WebAssembly !== 'object' || !fs.existsSync(file)) return null;
  let wasm: Exports;
  try {
    wasm = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(file))).exports as unknown as Exports;
  } catch {
    return null;
  }
  const SRC = 16;
  return (values, scale, zeroPoint, qmin, qmax, rounding, out) => {
    const n = values.length;
    const blocks = Math.ceil(n / 4);
    const dst = SRC + blocks * 16;
    const bytes = out instanceof Int8Array ? 1 : 2;
    const end = dst + blocks * 4 * bytes;
    const missing = end - wasm.memory.buffer.byteLength;
    if (missing > 0) wasm.memory.grow(Math.ceil(missing / 65536));
    const src = new Float32Array(wasm.memory.buffer, SRC, blocks * 4);
    src.set(values);
    src.fill(0, n); // the last block's spare lanes: finite
    const mode = rounding === 'tflite' ? 0 : rounding === 'onnx' ? 1 : 2;
    const factor = mode === 2 ? Math.fround(1 / scale) : scale;
    const bad = wasm.quantize(SRC, dst, blocks, factor, zeroPoint, qmin, qmax, mode, bytes);
    if (bad) return false;
    const Type = out.constructor as new (buffer: ArrayBuffer, offset: number, length: number) => typeof out;
    out.set(new Type(wasm.memory.buffer, dst, n));
    return true;
  };
}
