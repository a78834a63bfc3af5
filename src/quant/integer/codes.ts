import type { TensorQParams } from '../../qparams';
import { roundToGrid, type RoundingProfile } from '../../rounding';
import { quantizeKernel } from '../../wasm/quantize_kernels';

/**
 * A tensor held as integer codes on one grid: real value = scale · (q − zeroPoint). int8 layers carry Int8Array
 * codes (int8Activations: asymmetric, zero point in −128..127), int16 layers Int16Array codes (int16Activations:
 * symmetric, zero point 0). `shape` is row-major (NHWC for images).
 */
export interface Codes {
  readonly data: Int8Array | Int16Array;
  readonly shape: readonly number[];
  readonly qp: TensorQParams;
}

/** The number of elements of a shape (1 for []). */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A new typed array of `n` codes of the grid's width (int16 when qmax > 127). */
export function newCodes(qp: TensorQParams, n: number): Int8Array | Int16Array {
  return qp.qmax > 127 ? new Int16Array(n) : new Int8Array(n);
}

/** Two grids are the same when scale (float32), zero point and clamp agree. */
export function sameGrid(a: TensorQParams, b: TensorQParams): boolean {
  return Math.fround(a.scale) === Math.fround(b.scale) && a.zeroPoint === b.zeroPoint && a.qmin === b.qmin &&
    a.qmax === b.qmax;
}

/**
 * Codes of float32 values, exactly as the fake-quant executor rounds them (quantizeArray's arithmetic):
 *   q = clamp(round(x / scale) + zeroPoint, qmin, qmax)      x / scale in float32, `rounding` as in rounding.ts
 * through src/wasm/quantize.wat for 64 values or more (bit-exact with the loop here, see test/quant), else in
 * JavaScript. A non-finite value throws, naming `what` (the tensor) and the flat index.
 */
export function quantizeValues(x: Float32Array, shape: readonly number[], qp: TensorQParams, rounding: RoundingProfile,
  what: string): Codes {
  const data = newCodes(qp, x.length);
  const { scale, zeroPoint, qmin, qmax } = qp;
  const kernel = x.length >= 64 ? quantizeKernel() : null;
  if (kernel && kernel(x, scale, zeroPoint, qmin, qmax, rounding, data)) return { data, shape, qp };
  // The JavaScript loop: the reference for the WebAssembly one, the fallback, and where a non-finite value is found.
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v - v !== 0) throw new Error(`integer executor: tensor '${what}' holds ${v} at flat index ${i}; expected finite values`);
    const q = roundToGrid(v, scale, rounding) + zeroPoint;
    data[i] = q < qmin ? qmin : q > qmax ? qmax : q;
  }
  return { data, shape, qp };
}

/** Real values fround(scale · (q − zeroPoint)), as a Float32Array (what fake quantization produces on the grid). */
export function dequantizeCodes(c: Codes): Float32Array {
  const out = new Float32Array(c.data.length);
  const { scale, zeroPoint } = c.qp;
  const data = c.data;
  for (let i = 0; i < out.length; i++) out[i] = (data[i] - zeroPoint) * scale;
  return out;
}

/**
 * Moves codes to another grid the way the fake-quant executor does when a layer reads a tensor quantized on a
 * different grid: dequantize in float32, then quantize (a 2^bits-entry table, so one rounding per code value).
 * Returns `c` itself when the grids are the same.
 */
export function regrid(c: Codes, to: TensorQParams, rounding: RoundingProfile): Codes {
  if (sameGrid(c.qp, to)) return c;
  const { qmin, qmax, scale, zeroPoint } = c.qp;
  const table = new Int32Array(qmax - qmin + 1);
  for (let q = qmin; q <= qmax; q++) {
    const v = Math.fround((q - zeroPoint) * scale);
    const r = roundToGrid(v, to.scale, rounding) + to.zeroPoint;
    table[q - qmin] = r < to.qmin ? to.qmin : r > to.qmax ? to.qmax : r;
  }
  const data = newCodes(to, c.data.length);
  const from = c.data;
  for (let i = 0; i < data.length; i++) data[i] = table[from[i] - qmin];
  return { data, shape: c.shape, qp: to };
}

/**
 * A lookup table over every code of the input grid: table[q − qmin] = clamp(round(f(x_q) / sOut) + zOut) where
 * x_q = fround(sIn · (q − zIn)) and `values` holds f(x_q) for q = qmin..qmax (computed by the caller, in float).
 * This is how TFLite (LUTPopulate for int8 LOGISTIC, TANH, ELU...) and ONNX Runtime (QlinearBuildLookupTable for
 * QLinearSigmoid, QLinearLeakyRelu...) run elementwise functions on int8: in float, once per code, at load time.
 */
export function lookupTable(values: Float32Array, out: TensorQParams, rounding: RoundingProfile): Int32Array {
  const table = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const r = roundToGrid(values[i], out.scale, rounding) + out.zeroPoint;
    table[i] = r < out.qmin ? out.qmin : r > out.qmax ? out.qmax : r;
  }
  return table;
}

/** Applies a table built by {@link lookupTable}: out[i] = table[x[i] − qmin of the input grid]. */
export function applyTable(c: Codes, table: Int32Array, out: TensorQParams): Codes {
  const data = newCodes(out, c.data.length);
  const qmin = c.qp.qmin;
  const from = c.data;
  for (let i = 0; i < data.length; i++) data[i] = table[from[i] - qmin];
  return { data, shape: c.shape, qp: out };
}

/** Every code value of a grid, dequantized: fround(scale · (q − zeroPoint)) for q = qmin..qmax. */
export function gridValues(qp: TensorQParams): Float32Array {
  return Float32Array.from({ length: qp.qmax - qp.qmin + 1 }, (_, i) => (qp.qmin + i - qp.zeroPoint) * qp.scale);
}
