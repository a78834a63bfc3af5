import { check } from '../errors';
import { codeRange, type ActivationCodes } from './checks';

/** One input of {@link concatInt8}: codes, NHWC-style shape and quantization. */
export interface ConcatInput {
  readonly data: ActivationCodes;
  readonly shape: readonly number[];
  readonly scale: number;
  readonly zeroPoint: number;
}

/**
 * Concatenation along `axis` with each input requantized to the output's grid where its (scale, zero point)
 * differ; equal parameters copy the codes unchanged (TFLite does a memcpy; for int8 it even requires equal
 * parameters). The requantization of one code x:
 *
 *   'tflite'       TFLite's ConcatenationWithScaling (reference_ops): s = fround(sIn · fround(1 / sOut)),
 *                  bias = fround(−zIn · s), y = roundHalfAwayFromZero(fround(fround(x · s) + bias)) + zOut
 *   'onnxruntime'  com.microsoft.QLinearConcat's lookup table: v = fround((x − zIn) · sIn),
 *                  y = roundHalfToEven(fround(v / sOut)) + zOut
 *   then clamp to the code type. All inputs share the code type and every dimension but `axis`.
 * Returns { data, shape } with a new array. Throws when there is no input, types or shapes disagree, the axis is out
 * of range, or a scale or zero point is invalid.
 */
export function concatInt8(inputs: readonly ConcatInput[], axis: number, output: { scale: number; zeroPoint: number },
  profile: 'tflite' | 'onnxruntime' = 'tflite'): { data: ActivationCodes; shape: number[] } {
  const fn = 'concatInt8';
  check(Array.isArray(inputs as unknown) && inputs.length > 0, fn, 'inputs', inputs, 'a non-empty array of inputs');
  const first = inputs[0];
  check(first.data instanceof Int8Array || first.data instanceof Uint8Array, fn, 'inputs[0].data', first.data,
    'an Int8Array or a Uint8Array');
  const rank = first.shape.length;
  check(Number.isInteger(axis) && axis >= 0 && axis < rank, fn, 'axis', axis, `an integer in 0..${rank - 1}`);
  check(profile === 'tflite' || profile === 'onnxruntime', fn, 'profile', profile, "'tflite' or 'onnxruntime'");
  const { qmin, qmax } = codeRange(first.data);
  check(Number.isFinite(output.scale) && output.scale > 0, fn, 'output.scale', output.scale, 'a positive finite number');
  check(Number.isInteger(output.zeroPoint) && output.zeroPoint >= qmin && output.zeroPoint <= qmax, fn,
    'output.zeroPoint', output.zeroPoint, `an integer in ${qmin}..${qmax}`);
  inputs.forEach((inp, k) => {
    check(inp.data instanceof first.data.constructor, fn, `inputs[${k}].data`, inp.data,
      `a ${first.data.constructor.name} like inputs[0]`);
    check(inp.shape.length === rank && inp.shape.every((d, i) => Number.isInteger(d) && d > 0 &&
      (i === axis || d === first.shape[i])), fn, `inputs[${k}].shape`, inp.shape,
      `dimensions equal to inputs[0]'s except along axis ${axis}`);
    check(inp.data.length === inp.shape.reduce((a, b) => a * b, 1), fn, `inputs[${k}].data`, inp.data,
      `${inp.shape.reduce((a, b) => a * b, 1)} elements`);
    check(Number.isFinite(inp.scale) && inp.scale > 0, fn, `inputs[${k}].scale`, inp.scale, 'a positive finite number');
    check(Number.isInteger(inp.zeroPoint) && inp.zeroPoint >= qmin && inp.zeroPoint <= qmax, fn,
      `inputs[${k}].zeroPoint`, inp.zeroPoint, `an integer in ${qmin}..${qmax}`);
  });
  const outer = first.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = first.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const total = inputs.reduce((a, inp) => a + inp.shape[axis], 0);
  const shape = first.shape.slice();
  shape[axis] = total;
  const data = first.data instanceof Int8Array ? new Int8Array(outer * total * inner) : new Uint8Array(outer * total * inner);
  const sOut = Math.fround(output.scale);
  let offset = 0;
  for (const inp of inputs) {
    const table = new Int32Array(qmax - qmin + 1);
    for (let x = qmin; x <= qmax; x++) table[x - qmin] = requantizeCode(x, inp, sOut, output.zeroPoint, profile, qmin, qmax);
    const same = Math.fround(inp.scale) === sOut && inp.zeroPoint === output.zeroPoint;
    const block = inp.shape[axis] * inner;
    copyBlocks(inp.data, data, same ? null : table, qmin, outer, block, total * inner, offset * inner);
    offset += inp.shape[axis];
  }
  return { data, shape };
}

function requantizeCode(x: number, inp: ConcatInput, sOut: number, zOut: number, profile: 'tflite' | 'onnxruntime',
  qmin: number, qmax: number): number {
  const f = Math.fround;
  let y: number;
  if (profile === 'tflite') {
    const s = f(f(inp.scale) * f(1 / sOut));
    const bias = f(-inp.zeroPoint * s);
    const v = f(f(x * s) + bias);
    y = Math.sign(v) * Math.round(Math.abs(v)) + zOut;
  } else {
    const v = f(f((x - inp.zeroPoint) * f(inp.scale)) / sOut);
    const fl = Math.floor(v);
    const d = v - fl;
    y = (d > 0.5 || (d === 0.5 && fl % 2 !== 0) ? fl + 1 : fl) + zOut;
  }
  return y < qmin ? qmin : y > qmax ? qmax : y;
}

/**
 * Copies `outer` blocks of `block` codes from `src` (back to back) into `dst` at `at + o · stride`, through `table`
 * (indexed by code − qmin) unless it is null. A function of its own so the loop is compiled as such, not on stack
 * replacement inside the caller.
 */
function copyBlocks(src: ActivationCodes, dst: ActivationCodes, table: Int32Array | null, qmin: number, outer: number,
  block: number, stride: number, at: number): void {
  for (let o = 0; o < outer; o++) {
    const from = o * block;
    const to = at + o * stride;
    if (table === null) dst.set(src.subarray(from, from + block), to);
    else for (let i = 0; i < block; i++) dst[to + i] = table[src[from + i] - qmin];
  }
}
