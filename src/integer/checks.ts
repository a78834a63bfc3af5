import { check } from '../errors';

/** Activation codes the int8 kernels take: int8 or uint8, asymmetric (any zero point in the type's range). */
export type ActivationCodes = Int8Array | Uint8Array;

/** Which loops run an integer kernel: 'auto' (WebAssembly SIMD when available, else JavaScript), or one forced. */
export type IntegerEngine = 'auto' | 'wasm' | 'js';

/** The code range of a typed array of codes. */
export function codeRange(data: Int8Array | Uint8Array | Int16Array): { qmin: number; qmax: number } {
  if (data instanceof Int8Array) return { qmin: -128, qmax: 127 };
  if (data instanceof Uint8Array) return { qmin: 0, qmax: 255 };
  return { qmin: -32768, qmax: 32767 };
}

/** Checks that `data` is an Int8Array or Uint8Array. */
export function checkActivationCodes(fn: string, arg: string, data: unknown): asserts data is ActivationCodes {
  check(data instanceof Int8Array || data instanceof Uint8Array, fn, arg, data, 'an Int8Array or a Uint8Array of codes');
}

/** Checks a zero point against the code type of `data`. */
export function checkZeroPoint(fn: string, arg: string, zeroPoint: unknown, data: Int8Array | Uint8Array | Int16Array):
  asserts zeroPoint is number {
  const { qmin, qmax } = codeRange(data);
  check(Number.isInteger(zeroPoint) && (zeroPoint as number) >= qmin && (zeroPoint as number) <= qmax, fn, arg,
    zeroPoint, `an integer in ${qmin}..${qmax} (the range of a ${data.constructor.name})`);
}

/** Checks a shape: an array of `rank` positive integers. */
export function checkShape(fn: string, arg: string, shape: unknown, rank: number, what: string):
  asserts shape is number[] {
  check(Array.isArray(shape) && shape.length === rank && shape.every((d) => Number.isInteger(d) && d > 0), fn, arg,
    shape, `${what} of positive integers`);
}

/** Checks that a typed array holds exactly the product of `shape`. */
export function checkLength(fn: string, arg: string, data: ArrayLike<number> | BigInt64Array, shape: readonly number[]):
  void {
  const n = shape.reduce((a, b) => a * b, 1);
  check(data.length === n, fn, arg, data, `${n} elements for shape [${shape.join(', ')}]`);
}

/** Checks an optional int32 bias of `channels` entries. */
export function checkBias32(fn: string, bias: unknown, channels: number): asserts bias is Int32Array | undefined {
  check(bias === undefined || (bias instanceof Int32Array && bias.length === channels), fn, 'options.bias', bias,
    `undefined or an Int32Array of ${channels} entries (one per output channel)`);
}

/** Checks the engine option. */
export function checkEngine(fn: string, engine: unknown): asserts engine is IntegerEngine {
  check(engine === 'auto' || engine === 'wasm' || engine === 'js', fn, 'options.engine', engine,
    "'auto', 'wasm' or 'js'");
}

/** Checks an optional output buffer: undefined, or an Int32Array with one entry per element of `shape`. */
export function checkOut(fn: string, out: unknown, shape: readonly number[]): Int32Array | undefined {
  const n = shape.reduce((a, b) => a * b, 1);
  check(out === undefined || (out instanceof Int32Array && out.length === n), fn, 'options.out', out,
    `undefined or an Int32Array of ${n} entries (shape [${shape.join(', ')}])`);
  return out as Int32Array | undefined;
}

/**
 * The operand checks shared by the int8 convolutions: NHWC input codes with a fitting zero point, an Int8Array
 * filter [kh, kw, inChannels, last] whose inChannels match the input, and an options object. `last` names the
 * filter's last axis in error messages ('outChannels' or 'multiplier').
 */
export function checkConvOperands(fn: string, input: unknown, inputShape: unknown, inputZeroPoint: unknown, filter: unknown,
  filterShape: unknown, last: string, options: unknown): void {
  checkActivationCodes(fn, 'input', input);
  checkShape(fn, 'inputShape', inputShape, 4, '[batch, height, width, channels]');
  checkLength(fn, 'input', input, inputShape);
  checkZeroPoint(fn, 'inputZeroPoint', inputZeroPoint, input);
  check(filter instanceof Int8Array, fn, 'filter', filter, 'an Int8Array of weights');
  checkShape(fn, 'filterShape', filterShape, 4, `[kernelHeight, kernelWidth, inChannels, ${last}]`);
  checkLength(fn, 'filter', filter, filterShape);
  check(filterShape[2] === inputShape[3], fn, 'filterShape', filterShape,
    `inChannels equal to the input's channels (${inputShape[3]})`);
  check(typeof options === 'object' && options !== null, fn, 'options', options, 'an object or undefined');
}
