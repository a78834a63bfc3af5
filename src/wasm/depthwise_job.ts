import type { WasmConvJob, WasmEpilogue } from './integer_kernels';
import {
  chunkedEpilogue, copyCodes, layout, readOutput, roundUp, windowTables, type Context, type IntegerConvExports,
} from './integer_jobs';
import { fusedEpilogue, writeTable } from './requantize_kernels';

/**
 * Depthwise: the input is copied in padded with its zero point, and the zero point is folded into the bias,
 * bias'_c = bias_c − zp · Σ_taps w_c (modulo 2^32, like the sums), so the kernel multiplies raw codes, pairing rows
 * as it loads them. uint8 codes are flipped to x − 128 with zero point zp − 128. int8 codes whose requantization the
 * kernel can do itself (fusedEpilogue) never leave its registers as accumulators; the rest are requantized chunk by
 * chunk.
 */
export function runDepthwise(ctx: Context, job: WasmConvJob, epilogue: WasmEpilogue | null): WasmEpilogue['codes'] {
  const { wasm, ensure } = ctx;
  const g = job.geometry;
  const c = g.channels;
  const cp = roundUp(c, 8);
  const cb = cp / 8;
  const kh = g.kernelHeight;
  const kw = g.kernelWidth;
  const ntaps = kh * kw;
  const ntp = Math.ceil(ntaps / 2); // the kernel takes taps two at a time, in row-major order
  const hp = g.inHeight + g.padTop + g.padBottom;
  const wp = g.inWidth + g.padLeft + g.padRight;
  const pixels = g.batch * g.outHeight * g.outWidth;
  const pixCount = roundUp(pixels, 4);
  const rows = g.batch * hp;
  // The kernel reads up to 7 bytes past a pixel's channels (channel blocks of 8).
  const { offsets, end } = layout([
    rows * wp * c + 16, pixCount * 4, ntp * 8, ntp * cp * 4, cp * 4, epilogue ? 0 : pixCount * cp * 4,
  ]);
  const [padded, pix, taps, weights, bias, out] = offsets;
  ensure(end);
  const unsigned = !(job.input instanceof Int8Array);
  padInput(wasm, job, padded, hp, wp);
  if (unsigned) wasm.flip(padded, rows * wp * c);
  windowTables(wasm, g, c, pix, pixCount, taps);
  // An odd tap count's last pair repeats its tap, whose second weight is zero.
  const tapTable = new Int32Array(wasm.memory.buffer, taps, ntp * 2);
  if (ntaps % 2) tapTable[ntaps] = tapTable[ntaps - 1];
  // Weights [tap pair][block][8 channels][2]: (w[2j][ch], w[2j + 1][ch]) over the flattened taps, zero past the
  // kernel and the channels.
  const packed = new Int16Array(wasm.memory.buffer, weights, ntp * cp * 2);
  packed.fill(0);
  const f = job.filter;
  for (let t = 0; t < ntaps; t++) {
    const base = (t >> 1) * cp * 2 + (t & 1);
    for (let ch = 0; ch < c; ch++) packed[base + 2 * ch] = f[t * c + ch];
  }
  const zp = unsigned ? job.zeroPoint - 128 : job.zeroPoint;
  const biasView = new Int32Array(wasm.memory.buffer, bias, cp);
  biasView.fill(0);
  // |acc| <= |bias| + 255 · Σ|w| per channel (|x − zp| <= 255 for int8 and uint8 codes alike), exact in doubles.
  let bound = 0;
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    let abs = 0;
    for (let t = 0; t < ntaps; t++) {
      sum += f[t * c + ch];
      abs += Math.abs(f[t * c + ch]);
    }
    const b = job.bias ? job.bias[ch] : 0;
    biasView[ch] = (b - zp * sum) | 0;
    bound = Math.max(bound, Math.abs(b) + 255 * abs);
  }
  const fused = epilogue?.codes instanceof Int8Array ? fusedEpilogue(epilogue.plan(cp), bound) : null;
  if (epilogue && fused) {
    const plan = epilogue.plan(cp);
    const regions = layout([pixCount * cp + 16, plan.table.byteLength, 128], end);
    const [codes, table, scratch] = regions.offsets;
    ensure(regions.end);
    writeTable(wasm.memory, plan, table);
    wasm.depthwise(padded, pix, pixCount, taps, ntp, cb, weights, bias, codes, fused.mode, table, fused.stride, fused.lo,
      fused.hi, fused.zp, scratch);
    return copyCodes(ctx, codes, epilogue.codes, pixels, c, cp);
  }
  const kernel = (first: number, count: number, outAt: number) =>
    wasm.depthwise(padded, pix + 4 * first, count, taps, ntp, cb, weights, bias, outAt, 0, 0, 0, 0, 0, 0, 0);
  if (epilogue) return chunkedEpilogue(ctx, epilogue, pixels, pixCount, c, cp, end, bound, kernel);
  kernel(0, pixCount, out);
  return readOutput(wasm, out, pixels, c, cp, job.out);
}

/** Copies the input into memory as [batch][hp][wp][c] with the padding filled with the zero point's code. */
function padInput(wasm: IntegerConvExports, job: WasmConvJob, at: number, hp: number, wp: number): void {
  const g = job.geometry;
  const c = g.channels;
  const bytes = new Uint8Array(wasm.memory.buffer, at, g.batch * hp * wp * c);
  const src = new Uint8Array(job.input.buffer, job.input.byteOffset, job.input.length);
  const fill = job.zeroPoint & 0xff;
  const rowBytes = wp * c;
  const inRow = g.inWidth * c;
  const left = g.padLeft * c;
  for (let n = 0; n < g.batch; n++) {
    const image = n * hp * rowBytes;
    if (g.padTop > 0) bytes.fill(fill, image, image + g.padTop * rowBytes);
    for (let y = 0; y < g.inHeight; y++) {
      const row = image + (y + g.padTop) * rowBytes;
      if (left > 0) bytes.fill(fill, row, row + left);
      bytes.set(src.subarray((n * g.inHeight + y) * inRow, (n * g.inHeight + y + 1) * inRow), row + left);
      if (left + inRow < rowBytes) bytes.fill(fill, row + left + inRow, row + rowBytes);
    }
    if (g.padBottom > 0) bytes.fill(fill, image + (g.padTop + g.inHeight) * rowBytes, image + hp * rowBytes);
  }
}
