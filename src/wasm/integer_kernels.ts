import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WindowGeometry } from '../integer/geometry';

/** One convolution for the WebAssembly kernels: the caller has checked every argument. */
export interface WasmConvJob {
  /** NHWC codes, int8 or uint8. */
  readonly input: Int8Array | Uint8Array;
  readonly zeroPoint: number;
  readonly geometry: WindowGeometry;
  /** [kernelHeight, kernelWidth, channels, outChannels] for 'conv'; [kernelHeight, kernelWidth, channels] for 'depthwise'. */
  readonly filter: Int8Array;
  /** Output channels ('conv'); ignored by 'depthwise', whose output has the input's channels. */
  readonly outChannels: number;
  readonly bias: Int32Array | undefined;
  /** Where to write the accumulators (checked by the caller to have the output's length); a new array when absent. */
  readonly out?: Int32Array;
}

/**
 * The WebAssembly integer convolution loops (src/wasm/integer_conv.wat). Both return int32 accumulators
 * [batch, outHeight, outWidth, channels] in a new array: bias + Σ (x − zeroPoint) · w over the window, with padding
 * taps contributing 0 (they read the zero point), wrapping modulo 2^32.
 */
export interface IntegerWasmKernels {
  conv(job: WasmConvJob): Int32Array;
  depthwise(job: WasmConvJob): Int32Array;
}

interface Exports {
  readonly memory: WebAssembly.Memory;
  stage(src: number, dst: number, pixels: number, c: number, stride: number, zp: number, signed: number): void;
  conv(input: number, pix: number, npix: number, taps: number, ntaps: number, quads: number, w: number, ocb: number,
    bias: number, out: number): void;
  depthwise(input: number, pix: number, npix: number, taps: number, ntaps: number, cb: number, w: number, bias: number,
    out: number): void;
}

let cached: IntegerWasmKernels | null | undefined;

/**
 * The kernels, instantiated once per process; their memory is reused from call to call (fresh pages are slow to
 * touch here). null where WebAssembly SIMD or the built module is unavailable: callers then use the JavaScript
 * loops. Not re-entrant, which JavaScript's single thread guarantees.
 */
export function integerWasmKernels(): IntegerWasmKernels | null {
  if (cached === undefined) cached = instantiate();
  return cached;
}

function instantiate(): IntegerWasmKernels | null {
  const file = path.join(__dirname, 'integer_conv.wasm');
  if (typeof WebAssembly !== 'object' || !fs.existsSync(file)) return null;
  let wasm: Exports;
  try {
    wasm = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(file))).exports as unknown as Exports;
  } catch {
    return null; // no SIMD support in this engine
  }
  const ensure = (bytes: number) => {
    const missing = bytes - wasm.memory.buffer.byteLength;
    if (missing > 0) wasm.memory.grow(Math.ceil(missing / 65536));
  };
  return {
    conv: (job) => runConv(wasm, ensure, job),
    depthwise: (job) => runDepthwise(wasm, ensure, job),
  };
}

const align16 = (x: number) => (x + 15) & ~15;
const roundUp = (x: number, m: number) => Math.ceil(x / m) * m;

/** Byte offsets of the regions a job uses, in order, each 16-byte aligned. */
function layout(sizes: number[]): { offsets: number[]; end: number } {
  const offsets: number[] = [];
  let at = 16;
  for (const s of sizes) {
    offsets.push(at);
    at = align16(at + s);
  }
  return { offsets, end: at };
}

/** Copies the input into memory at `raw`, then stages it as int16 (x − zp) into the padded NHWC buffer at `staged`. */
function stageInput(wasm: Exports, job: WasmConvJob, paddedChannels: number, raw: number, staged: number): void {
  const g = job.geometry;
  const hp = g.inHeight + g.padTop + g.padBottom;
  const wp = g.inWidth + g.padLeft + g.padRight;
  const c = g.channels;
  const bytes = new Uint8Array(wasm.memory.buffer);
  bytes.set(new Uint8Array(job.input.buffer, job.input.byteOffset, job.input.length), raw);
  const stagedElements = g.batch * hp * wp * paddedChannels;
  if (hp !== g.inHeight || wp !== g.inWidth || paddedChannels !== c) {
    new Int16Array(wasm.memory.buffer, staged, stagedElements).fill(0);
  }
  const signed = job.input instanceof Int8Array ? 1 : 0;
  const rowElements = g.inWidth * c;
  for (let n = 0; n < g.batch; n++) {
    for (let y = 0; y < g.inHeight; y++) {
      const src = raw + (n * g.inHeight + y) * rowElements;
      const dst = staged + (((n * hp + y + g.padTop) * wp + g.padLeft) * paddedChannels) * 2;
      if (paddedChannels === c) wasm.stage(src, dst, 1, rowElements, rowElements, job.zeroPoint, signed);
      else wasm.stage(src, dst, g.inWidth, c, paddedChannels, job.zeroPoint, signed);
    }
  }
}

/** Byte offsets of every output pixel's window origin and of every tap, in the staged buffer. */
function windowTables(wasm: Exports, g: WindowGeometry, paddedChannels: number, pix: number, pixCount: number,
  taps: number): void {
  const hp = g.inHeight + g.padTop + g.padBottom;
  const wp = g.inWidth + g.padLeft + g.padRight;
  const pixTable = new Int32Array(wasm.memory.buffer, pix, pixCount);
  const pixelBytes = paddedChannels * 2;
  let i = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let oy = 0; oy < g.outHeight; oy++) {
      const row = (n * hp + oy * g.strideHeight) * wp;
      for (let ox = 0; ox < g.outWidth; ox++) pixTable[i++] = (row + ox * g.strideWidth) * pixelBytes;
    }
  }
  for (; i < pixCount; i++) pixTable[i] = pixTable[i - 1]; // padding pixels repeat the last one
  const tapTable = new Int32Array(wasm.memory.buffer, taps, g.kernelHeight * g.kernelWidth);
  let t = 0;
  for (let ky = 0; ky < g.kernelHeight; ky++) {
    for (let kx = 0; kx < g.kernelWidth; kx++) {
      tapTable[t++] = (ky * g.dilationHeight * wp + kx * g.dilationWidth) * pixelBytes;
    }
  }
}

/** Copies [pixels][channels] out of a [pixels][paddedChannels] int32 region into a new array. */
function readOutput(wasm: Exports, out: number, pixels: number, channels: number, paddedChannels: number,
  into: Int32Array | undefined): Int32Array {
  const view = new Int32Array(wasm.memory.buffer, out, pixels * paddedChannels);
  const result = into ?? new Int32Array(pixels * channels);
  if (channels === paddedChannels) {
    result.set(view);
    return result;
  }
  for (let p = 0; p < pixels; p++) {
    result.set(view.subarray(p * paddedChannels, p * paddedChannels + channels), p * channels);
  }
  return result;
}

function runConv(wasm: Exports, ensure: (bytes: number) => void, job: WasmConvJob): Int32Array {
  const g = job.geometry;
  const c = g.channels;
  const oc = job.outChannels;
  const cp = roundUp(c, 4);
  const ocb = Math.ceil(oc / 8);
  const ntaps = g.kernelHeight * g.kernelWidth;
  const pixels = g.batch * g.outHeight * g.outWidth;
  const pixCount = roundUp(pixels, 4);
  const stagedElements = g.batch * (g.inHeight + g.padTop + g.padBottom) * (g.inWidth + g.padLeft + g.padRight) * cp;
  const { offsets, end } = layout([
    job.input.length, stagedElements * 2, pixCount * 4, ntaps * 4, ocb * ntaps * cp * 16, ocb * 32,
    pixCount * ocb * 32,
  ]);
  const [raw, staged, pix, taps, weights, bias, out] = offsets;
  ensure(end);
  stageInput(wasm, job, cp, raw, staged);
  windowTables(wasm, g, cp, pix, pixCount, taps);
  // Weights [ob][tap][quad][pair][8 oc][2]: see the .wat.
  const packed = new Int16Array(wasm.memory.buffer, weights, ocb * ntaps * cp * 8);
  packed.fill(0);
  const f = job.filter;
  for (let ob = 0; ob < ocb; ob++) {
    for (let t = 0; t < ntaps; t++) {
      const base = (ob * ntaps + t) * cp * 8;
      for (let ic = 0; ic < c; ic++) {
        // ic = quad·4 + pair·2 + e  →  element ((quad·2 + pair)·8 + o)·2 + e = (ic − e)·8 + 2o + e
        const e = ic & 1;
        const row = base + (ic - e) * 8 + e;
        const src = (t * c + ic) * oc + ob * 8;
        const o8 = Math.min(8, oc - ob * 8);
        for (let o = 0; o < o8; o++) packed[row + 2 * o] = f[src + o];
      }
    }
  }
  const biasView = new Int32Array(wasm.memory.buffer, bias, ocb * 8);
  biasView.fill(0);
  if (job.bias) biasView.set(job.bias);
  wasm.conv(staged, pix, pixCount, taps, ntaps, cp / 4, weights, ocb, bias, out);
  return readOutput(wasm, out, pixels, oc, ocb * 8, job.out);
}

function runDepthwise(wasm: Exports, ensure: (bytes: number) => void, job: WasmConvJob): Int32Array {
  const g = job.geometry;
  const c = g.channels;
  const cp = roundUp(c, 8);
  const ntaps = g.kernelHeight * g.kernelWidth;
  const pixels = g.batch * g.outHeight * g.outWidth;
  const stagedElements = g.batch * (g.inHeight + g.padTop + g.padBottom) * (g.inWidth + g.padLeft + g.padRight) * cp;
  const { offsets, end } = layout([
    job.input.length, stagedElements * 2, pixels * 4, ntaps * 4, ntaps * cp * 2, cp * 4, (pixels + 1) * cp * 4,
  ]);
  const [raw, staged, pix, taps, weights, bias, out] = offsets;
  ensure(end);
  stageInput(wasm, job, cp, raw, staged);
  windowTables(wasm, g, cp, pix, pixels, taps);
  const packed = new Int16Array(wasm.memory.buffer, weights, ntaps * cp);
  packed.fill(0);
  for (let t = 0; t < ntaps; t++) {
    for (let ch = 0; ch < c; ch++) packed[t * cp + ch] = job.filter[t * c + ch];
  }
  const biasView = new Int32Array(wasm.memory.buffer, bias, cp);
  biasView.fill(0);
  if (job.bias) biasView.set(job.bias);
  wasm.depthwise(staged, pix, pixels, taps, ntaps, cp / 8, weights, bias, out);
  return readOutput(wasm, out, pixels, c, cp, job.out);
}
