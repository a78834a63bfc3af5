import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The requantization epilogues of src/wasm/requantize.wat: the per-channel constant tables they read (built here in
 * plain JavaScript from already-checked parameters) and a runner bound to one WebAssembly memory. The arithmetic and
 * why it is exact are documented in the .wat; test/integer/requantize_wasm.test.ts checks it bit for bit against
 * the JavaScript `requantize` and the BigInt transcriptions.
 */

/** How the codes are stored: 0 = int32, 1 = int8, 2 = int16. */
export type CodeWidth = 0 | 1 | 2;

/** Bytes per output element of each {@link CodeWidth}. */
export const CODE_BYTES: readonly number[] = [4, 1, 2];

/** A requantization compiled for the WebAssembly loops. Built by {@link tflitePlan} or {@link onnxRuntimePlan}. */
export type RequantizePlan =
  | {
    /** Four lanes at a time, TFLite's double rounding (any shift) or single rounding (shifts <= 0). */
    readonly loop: 'tflite';
    /** lcm(channels, 4) / 4 blocks of 320 bytes (see the .wat). */
    readonly table: Uint8Array;
    readonly period: number;
    readonly left: boolean;
    readonly lo: number;
    readonly hi: number;
    readonly zeroPoint: number;
  }
  | {
    /** One element at a time in i64: single rounding with some shift > 0. */
    readonly loop: 'tflite-scalar';
    /** (multiplier, shift) per channel. */
    readonly table: Int32Array;
    readonly channels: number;
    readonly single: boolean;
    readonly lo: number;
    readonly hi: number;
    readonly zeroPoint: number;
  }
  | {
    /** Four lanes at a time, MLAS's float requantization. */
    readonly loop: 'ort';
    /** lcm(channels, 4) float32 scales. */
    readonly table: Float32Array;
    readonly period: number;
    readonly lo: number;
    readonly hi: number;
    readonly zeroPoint: number;
  };

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const TFLITE_BLOCK = 320;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** The lanes of a table that repeats with the channels and fills whole 4-lane blocks: lcm(channels, 4). */
function tableLanes(channels: number): number {
  return channels * 4 / gcd(channels, 4);
}

/**
 * The integer clamp as the loops apply it, y = clamp(r, lo, hi) + zeroPoint with int32 lo, hi, and no int32
 * wrap-around: clamp(r + zp, qmin, qmax) = clamp(r, qmin − zp, qmax − zp) + zp for int32 r, where a bound beyond
 * int32 either clips to int32 (it cannot bind) or makes every output the same code (then lo = hi = 0 and the
 * zero point is that code).
 */
function integerClamp(zeroPoint: number, qmin: number, qmax: number): { lo: number; hi: number; zeroPoint: number } {
  const lo = qmin - zeroPoint;
  const hi = qmax - zeroPoint;
  if (lo > INT32_MAX) return { lo: 0, hi: 0, zeroPoint: qmin };
  if (hi < INT32_MIN) return { lo: 0, hi: 0, zeroPoint: qmax };
  return { lo: Math.max(lo, INT32_MIN), hi: Math.min(hi, INT32_MAX), zeroPoint };
}

/**
 * TFLite's epilogue: clamp(MultiplyByQuantizedMultiplier(acc, m_c, shift_c) + zp, qmin, qmax), double or single
 * rounding. Arguments must already satisfy `requantize`'s checks (multipliers in 0..2^31 − 1, shifts in −31..30,
 * int32 zero point and clamp with qmin <= qmax); a scalar is shared by every channel. `forceScalar` picks the
 * one-element i64 loop whatever the shifts (tests use it to check that loop everywhere).
 */
export function tflitePlan(multiplier: number | Int32Array, shift: number | Int32Array, channels: number,
  single: boolean, zeroPoint: number, qmin: number, qmax: number, forceScalar = false): RequantizePlan {
  const m = (c: number) => (typeof multiplier === 'number' ? multiplier : multiplier[c]);
  const s = (c: number) => (typeof shift === 'number' ? shift : shift[c]);
  const clamp = integerClamp(zeroPoint, qmin, qmax);
  let anyLeft = false;
  for (let c = 0; c < channels; c++) if (s(c) > 0) anyLeft = true;
  if ((single && anyLeft) || forceScalar) {
    const table = new Int32Array(2 * channels);
    for (let c = 0; c < channels; c++) {
      table[2 * c] = m(c);
      table[2 * c + 1] = s(c);
    }
    return { loop: 'tflite-scalar', table, channels, single, ...clamp };
  }
  const lanes = tableLanes(channels);
  const table = new Uint8Array(lanes / 4 * TFLITE_BLOCK);
  const i32 = new Int32Array(table.buffer);
  const f32 = new Float32Array(table.buffer);
  const f64 = new Float64Array(table.buffer);
  // The depthwise kernel's float32 screen (src/wasm/integer_conv.wat): its error margin for results that the clamp
  // does not decide, |y| <= max(|lo|, |hi|) + 2.
  const margin = (Math.max(Math.abs(clamp.lo), Math.abs(clamp.hi)) + 2) * 2 ** -21;
  for (let lane = 0; lane < lanes; lane++) {
    const c = lane % channels;
    const block = lane >> 2;
    const j = lane & 3;
    const left = Math.max(s(c), 0);
    const e = Math.max(-s(c), 0);
    const nudged = !single && e > 0;
    const base = block * TFLITE_BLOCK;
    i32[base / 4 + j] = m(c);
    // c as an int64 lane (low word, high word 0): 2^30 for double rounding, and for single rounding when e = 0.
    i32[(base + 16) / 4 + 2 * j] = !single || e === 0 ? 2 ** 30 : 0;
    i32[(base + 48) / 4 + j] = nudged ? -1 : 0;
    f64[(base + 64) / 8 + j] = e > 0 ? 0.5 : 0;
    f64[(base + 96) / 8 + j] = 1.5 * 2 ** (52 + e);
    f64[(base + 128) / 8 + j] = 2 ** left;
    // The short path's constants, s = 2^−(31+e): see the .wat.
    const scale = 2 ** -(31 + e);
    f64[(base + 160) / 8 + j] = m(c) * scale;
    f64[(base + 192) / 8 + j] = -(2 ** 30) * scale;
    f64[(base + 224) / 8 + j] = (nudged ? 2 ** 30 + 0.5 : 0.5) * scale;
    f64[(base + 256) / 8 + j] = nudged ? -(2 ** 31) * scale : 0;
    // The screen's ms = fround(m · s) and T <= 1/2 − W − margin, W = 2^−(e+1) where double rounding rounds twice.
    f32[(base + 288) / 4 + j] = m(c) * scale;
    f32[(base + 304) / 4 + j] = float32Below(Math.max(0.5 - (nudged ? 2 ** -(e + 1) : 0) - margin, 0));
  }
  return { loop: 'tflite', table, period: lanes / 4, left: anyLeft, ...clamp };
}

/** The largest float32 <= x, for x >= 0. */
function float32Below(x: number): number {
  const f = new Float32Array([x]);
  if (f[0] > x) new Uint32Array(f.buffer)[0]--;
  return f[0];
}

/**
 * MLAS's float epilogue, clamp(roundHalfToEven(clamp(fround(fround(acc) · scale_c), flo, fhi)) + zp, qmin, qmax),
 * or null when qmin − zp or qmax − zp is beyond ±2^22 (then the float32 bounds are not exact and the caller uses
 * the JavaScript loop). Scales must already be checked (finite, >= 0, float32-finite).
 */
export function onnxRuntimePlan(scale: number | Float32Array, channels: number, zeroPoint: number, qmin: number,
  qmax: number): RequantizePlan | null {
  const lo = qmin - zeroPoint;
  const hi = qmax - zeroPoint;
  if (Math.abs(lo) > 2 ** 22 || Math.abs(hi) > 2 ** 22) return null;
  const lanes = tableLanes(channels);
  const table = new Float32Array(lanes);
  for (let lane = 0; lane < lanes; lane++) {
    table[lane] = typeof scale === 'number' ? scale : scale[lane % channels];
  }
  return { loop: 'ort', table, period: lanes / 4, lo, hi, zeroPoint };
}

interface Exports {
  tflite(src: number, dst: number, blocks: number, table: number, period: number, left: number, short: number,
    lo: number, hi: number, zp: number, kind: number): void;
  ort(src: number, dst: number, blocks: number, table: number, period: number, flo: number, fhi: number, zp: number,
    kind: number): void;
  tflite_scalar(src: number, dst: number, n: number, table: number, channels: number, single: number, lo: number,
    hi: number, zp: number, kind: number): void;
}

/**
 * How the depthwise kernel takes a plan as its own epilogue (src/wasm/integer_conv.wat), or null where it cannot:
 * MLAS's loop (mode 1) and TFLite's short path (mode 2, accumulators under 2^21 in magnitude, no left shift, clamp
 * bounds within ±2^22 for the kernel's float32 screen), over a table whose lanes are the channels (lcm(channels, 4) =
 * channels, a multiple of 8). `stride` is the table's bytes per 8 channels; lo, hi and zp are the loops' clamp
 * arguments (for MLAS the float32 bounds' bits).
 */
export function fusedEpilogue(plan: RequantizePlan, bound: number):
  { mode: 1 | 2; stride: number; lo: number; hi: number; zp: number } | null {
  if (plan.loop === 'ort') {
    const bits = new Int32Array(new Float32Array([plan.lo, plan.hi]).buffer);
    return { mode: 1, stride: 32, lo: bits[0], hi: bits[1], zp: 0x4b400000 - plan.zeroPoint };
  }
  if (plan.loop === 'tflite' && !plan.left && bound < 2 ** 21 && Math.abs(plan.lo) <= 2 ** 22
    && Math.abs(plan.hi) <= 2 ** 22) {
    return { mode: 2, stride: 2 * TFLITE_BLOCK, lo: plan.lo, hi: plan.hi, zp: plan.zeroPoint };
  }
  return null;
}

/** Copies the plan's table into `memory` at `at`. */
export function writeTable(memory: WebAssembly.Memory, plan: RequantizePlan, at: number): void {
  new Uint8Array(memory.buffer, at, plan.table.byteLength)
    .set(new Uint8Array(plan.table.buffer, plan.table.byteOffset, plan.table.byteLength));
}

/** The epilogue loops bound to one memory. */
export interface Requantizer {
  /** Bytes {@link run} needs at `tableAt` for the plan's table (a multiple of 16). */
  tableBytes(plan: RequantizePlan): number;
  /**
   * Requantizes `count` int32 accumulators at byte offset `src` (element 0 is channel 0) into codes at `dst`, copying
   * the plan's table to `tableAt` first. The four-lane loops read and write whole blocks: up to 3 elements past
   * `count` on both sides must be addressable (their values are ignored and their outputs may be overwritten).
   * `bound`, when the caller knows one, is a bound on the accumulators' magnitudes: below 2^21 TFLite's four-lane
   * loop takes its shorter path.
   */
  run(plan: RequantizePlan, src: number, dst: number, count: number, width: CodeWidth, tableAt: number,
    bound?: number): void;
}

/**
 * Instantiates src/wasm/requantize.wasm over `memory` (the integer convolution module's). null when the module is
 * not built or the engine lacks WebAssembly SIMD.
 */
export function bindRequantizer(memory: WebAssembly.Memory): Requantizer | null {
  const file = path.join(__dirname, 'requantize.wasm');
  if (!fs.existsSync(file)) return null;
  let wasm: Exports;
  try {
    const module = new WebAssembly.Module(fs.readFileSync(file));
    wasm = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Exports;
  } catch {
    return null;
  }
  const tableBytes = (plan: RequantizePlan) => (plan.table.byteLength + 15) & ~15;
  return {
    tableBytes,
    run(plan, src, dst, count, width, tableAt, bound = Infinity) {
      if (count === 0) return;
      writeTable(memory, plan, tableAt);
      const blocks = Math.ceil(count / 4);
      switch (plan.loop) {
        case 'tflite':
          wasm.tflite(src, dst, blocks, tableAt, plan.period, plan.left ? 1 : 0, !plan.left && bound < 2 ** 21 ? 1 : 0,
            plan.lo, plan.hi, plan.zeroPoint, width);
          return;
        case 'ort':
          wasm.ort(src, dst, blocks, tableAt, plan.period, plan.lo, plan.hi, 0x4b400000 - plan.zeroPoint, width);
          return;
        case 'tflite-scalar':
          wasm.tflite_scalar(src, dst, count, tableAt, plan.channels, plan.single ? 1 : 0, plan.lo, plan.hi,
            plan.zeroPoint, width);
      }
    },
  };
}
