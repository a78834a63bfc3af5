import type { WindowGeometry } from '../integer/geometry';
import type { WasmConvJob, WasmEpilogue } from './integer_kernels';
import { CODE_BYTES, type CodeWidth, type RequantizePlan, type Requantizer } from './requantize_kernels';

/**
 * The jobs of the integer kernels (src/wasm/integer_kernels.ts): regions of the module's memory laid out from offset
 * 16 for each call (nothing persists between calls), the input staged, the window tables and packed weights written,
 * the kernel run, and the accumulators or codes copied out. The convolution job is here with the helpers that the
 * depthwise job (depthwise_job.ts) shares.
 */

/** The exports of integer_conv.wasm. */
export interface IntegerConvExports {
  readonly memory: WebAssembly.Memory;
  stage(src: number, dst: number, pixels: number, c: number, stride: number, zp: number, signed: number): void;
  conv(input: number, pix: number, npix: number, taps: number, ntaps: number, quads: number, w: number, ocb: number,
    bias: number, out: number): void;
  flip(at: number, bytes: number): void;
  depthwise(input: number, pix: number, npix: number, taps: number, ntp: number, cb: number, w: number, bias: number,
    out: number, mode: number, table: number, tableStride: number, lo: number, hi: number, zp: number,
    scratch: number): void;
}

/** Accumulators requantized per chunk: about this many bytes, so a chunk is still in L2 when the epilogue reads it. */
const CHUNK_BYTES = 128 * 1024;

/** The instance a job runs on. */
export interface Context {
  readonly wasm: IntegerConvExports;
  readonly ensure: (bytes: number) => void;
  readonly requantizer: Requantizer | null;
}

function codeWidth(codes: WasmEpilogue['codes']): CodeWidth {
  return codes instanceof Int8Array ? 1 : codes instanceof Int16Array ? 2 : 0;
}

/** Copies acc into memory, requantizes it there and copies the codes out. */
export function requantizeArray(ctx: Context, requantizer: Requantizer, acc: Int32Array, plan: RequantizePlan,
  out: Int32Array): void {
  const n = acc.length;
  const { offsets, end } = layout([n * 4 + 16, n * 4 + 16, requantizer.tableBytes(plan)]);
  const [src, dst, table] = offsets;
  ctx.ensure(end);
  new Int32Array(ctx.wasm.memory.buffer, src, n).set(acc);
  requantizer.run(plan, src, dst, n, 0, table);
  out.set(new Int32Array(ctx.wasm.memory.buffer, dst, n));
}

/**
 * Runs `kernel(pixOffset, count, outAt)` over pixel chunks (multiples of 4) into one chunk buffer and requantizes
 * each chunk into the codes region, then copies the codes out, dropping the padding channels. `bound` bounds the
 * accumulators' magnitudes (Infinity when unknown).
 */
export function chunkedEpilogue(ctx: Context, epilogue: WasmEpilogue, pixels: number, pixCount: number, channels: number,
  paddedChannels: number, regionsEnd: number, bound: number,
  kernel: (first: number, count: number, outAt: number) => void): WasmEpilogue['codes'] {
  const requantizer = ctx.requantizer!;
  const plan = epilogue.plan(paddedChannels);
  const width = codeWidth(epilogue.codes);
  const bytes = CODE_BYTES[width];
  const chunk = Math.max(4, Math.floor(CHUNK_BYTES / (paddedChannels * 4 * 4)) * 4);
  const { offsets, end } = layout([chunk * paddedChannels * 4 + 16, pixCount * paddedChannels * bytes + 16,
    requantizer.tableBytes(plan)], regionsEnd);
  const [acc, codes, table] = offsets;
  ctx.ensure(end);
  for (let first = 0; first < pixCount; first += chunk) {
    const count = Math.min(chunk, pixCount - first);
    kernel(first, count, acc);
    requantizer.run(plan, acc, codes + first * paddedChannels * bytes, count * paddedChannels, width, table, bound);
  }
  return copyCodes(ctx, codes, epilogue.codes, pixels, channels, paddedChannels);
}

/** Copies [pixels][channels] codes out of a [pixels][paddedChannels] region at `codes` into `out`. */
export function copyCodes(ctx: Context, codes: number, out: WasmEpilogue['codes'], pixels: number, channels: number,
  paddedChannels: number): WasmEpilogue['codes'] {
  const Type = out.constructor as new (buffer: ArrayBuffer, offset: number, length: number) => typeof out;
  const view = new Type(ctx.wasm.memory.buffer, codes, pixels * paddedChannels);
  if (channels === paddedChannels) {
    out.set(view);
  } else {
    for (let p = 0, o = 0; p < pixels; p++) {
      const row = p * paddedChannels;
      for (let c = 0; c < channels; c++) out[o++] = view[row + c];
    }
  }
  return out;
}

export const align16 = (x: number) => (x + 15) & ~15;
export const roundUp = (x: number, m: number) => Math.ceil(x / m) * m;

/** Byte offsets of the regions a job uses, in order, each 16-byte aligned. */
export function layout(sizes: number[], start = 16): { offsets: number[]; end: number } {
  const offsets: number[] = [];
  let at = align16(start);
  for (const s of sizes) {
    offsets.push(at);
    at = align16(at + s);
  }
  return { offsets, end: at };
}

/** Copies the input into memory at `raw`, then stages it as int16 (x − zp) into the padded NHWC buffer at `staged`. */
export function stageInput(wasm: IntegerConvExports, job: WasmConvJob, paddedChannels: number, raw: number, staged: number): void {
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

/**
 * Byte offsets of every output pixel's window origin and of every tap (row-major), in a staged buffer of `pixelBytes`
 * per pixel.
 */
export function windowTables(wasm: IntegerConvExports, g: WindowGeometry, pixelBytes: number, pix: number, pixCount: number,
  taps: number): void {
  const hp = g.inHeight + g.padTop + g.padBottom;
  const wp = g.inWidth + g.padLeft + g.padRight;
  const pixTable = new Int32Array(wasm.memory.buffer, pix, pixCount);
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
export function readOutput(wasm: IntegerConvExports, out: number, pixels: number, channels: number, paddedChannels: number,
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

export function runConv(ctx: Context, job: WasmConvJob, epilogue: WasmEpilogue | null): WasmEpilogue['codes'] {
  const { wasm, ensure } = ctx;
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
    epilogue ? 0 : pixCount * ocb * 32,
  ]);
  const [raw, staged, pix, taps, weights, bias, out] = offsets;
  ensure(end);
  stageInput(wasm, job, cp, raw, staged);
  windowTables(wasm, g, cp * 2, pix, pixCount, taps);
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
  const kernel = (first: number, count: number, outAt: number) =>
    wasm.conv(staged, pix + 4 * first, count, taps, ntaps, cp / 4, weights, ocb, bias, outAt);
  // No accumulator bound: a conv's sums over taps × channels are rarely under the 2^21 that would pay for one.
  if (epilogue) return chunkedEpilogue(ctx, epilogue, pixels, pixCount, oc, ocb * 8, end, Infinity, kernel);
  kernel(0, pixCount, out);
  return readOutput(wasm, out, pixels, oc, ocb * 8, job.out);
}
