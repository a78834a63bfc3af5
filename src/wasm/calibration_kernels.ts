import * as fs from 'node:fs';
import * as path from 'node:path';

/** The result of scanning staged data: extremes, and whether every value was finite. */
export interface StagedExtent {
  readonly min: number;
  readonly max: number;
  readonly finite: boolean;
}

/**
 * The WebAssembly calibration loops (src/wasm/calibration.wat) over one staged copy of the data: `stage` copies a batch
 * into the module's memory once, then `extent` and `bin` both read it there.
 */
export interface CalibrationKernels {
  stage(data: Float32Array): void;
  extent(): StagedExtent;
  /** Adds every staged value to counts[floor(x / 2^exponent) - start]; every bin must be inside counts. */
  bin(counts: Float64Array, exponent: number, start: number): void;
}

interface Exports {
  readonly memory: WebAssembly.Memory;
  extent(data: number, n: number, out: number): void;
  bin(data: number, n: number, counts: number, bins: number, inverse: number, offset: number): void;
}

const SCRATCH = 0; // 16 bytes for extent's results
const DATA = 16;

let cached: CalibrationKernels | null | undefined;

/**
 * The kernels, instantiated once per process and reused (their memory is the staging buffer, and reusing it avoids
 * the slow first touch of fresh pages); null where WebAssembly or the built module is unavailable, in which case
 * callers use the TypeScript loops.
 */
export function calibrationKernels(): CalibrationKernels | null {
  if (cached === undefined) cached = instantiate();
  return cached;
}

function instantiate(): CalibrationKernels | null {
  const file = path.join(__dirname, 'calibration.wasm');
  if (typeof WebAssembly !== 'object' || !fs.existsSync(file)) return null;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(file)));
  const wasm = instance.exports as unknown as Exports;
  let staged = 0;
  const ensure = (bytes: number) => {
    const missing = bytes - wasm.memory.buffer.byteLength;
    if (missing > 0) wasm.memory.grow(Math.ceil(missing / 65536));
  };
  return {
    stage(data) {
      ensure(DATA + data.length * 4);
      new Float32Array(wasm.memory.buffer, DATA, data.length).set(data);
      staged = data.length;
    },
    extent() {
      wasm.extent(DATA, staged, SCRATCH);
      const [min, max, poison] = new Float32Array(wasm.memory.buffer, SCRATCH, 3);
      return { min, max, finite: poison === 0 };
    },
    bin(counts, exponent, start) {
      const bins = counts.length;
      const countsAt = DATA + staged * 4 + ((16 - ((staged * 4) % 16)) % 16);
      ensure(countsAt + 16 * bins);
      const lanes = new Int32Array(wasm.memory.buffer, countsAt, 4 * bins);
      lanes.fill(0);
      wasm.bin(DATA, staged, countsAt, bins, 2 ** -exponent, 2 ** 52 - start);
      for (let i = 0; i < bins; i++) counts[i] += lanes[i] + lanes[bins + i] + lanes[2 * bins + i] + lanes[3 * bins + i];
    },
  };
}
