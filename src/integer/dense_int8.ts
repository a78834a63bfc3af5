import { check } from '../errors';
import { integerWasmKernels, type WasmConvJob } from '../wasm/integer_kernels';
import {
  checkActivationCodes, checkBias32, checkEngine, checkLength, checkOut, checkShape, checkZeroPoint,
  type ActivationCodes, type IntegerEngine,
} from './checks';
import type { Int32Accumulators, PreparedInt8Kernel } from './conv2d_int8';
import { convLoop } from './conv_loops';
import { windowGeometry } from './geometry';

/** Options of {@link denseInt8}. */
export interface DenseInt8Options {
  /** int32 bias, one per output unit. */
  readonly bias?: Int32Array;
  /** Default 'auto'. */
  readonly engine?: IntegerEngine;
  /** An Int32Array of batch · outUnits entries to write into and return; default a new array. */
  readonly out?: Int32Array;
}

/**
 * Integer fully-connected layer, int8/uint8 activations × int8 weights → int32, as TFLite's
 * reference_integer_ops::FullyConnected (per-channel) and ONNX's QLinearMatMul / QGemm before requantization:
 *
 *   acc[b, o] = bias[o] + Σ_i (x[b, i] − zp) · w[i, o]
 *
 * input [batch, inUnits], kernel [inUnits, outUnits] (TF.js Dense layout), result [batch, outUnits]; int32
 * wrap-around as in conv2dInt8 (exact while inUnits · 255 · 128 + |bias| < 2^31). It runs as a 1x1 convolution.
 * Throws, naming the argument, on a wrong array type or length, mismatched units or a bad zero point or bias.
 */
export function denseInt8(input: ActivationCodes, inputShape: readonly number[], inputZeroPoint: number,
  kernel: Int8Array, kernelShape: readonly number[], options: DenseInt8Options = {}): Int32Accumulators {
  const p = prepareDenseInt8('denseInt8', input, inputShape, inputZeroPoint, kernel, kernelShape, options);
  return { values: p.accumulate(), shape: p.shape };
}

/**
 * Checks denseInt8's arguments (errors name `fn`) and prepares the run; with `accumulatorsOut` false,
 * options.out is the caller's (not an accumulator buffer) and is left alone (a 1x1 convolution). */
export function prepareDenseInt8(fn: string, input: ActivationCodes, inputShape: readonly number[],
  inputZeroPoint: number, kernel: Int8Array, kernelShape: readonly number[],
  options: DenseInt8Options | Omit<DenseInt8Options, 'out'>, accumulatorsOut = true): PreparedInt8Kernel {
  checkActivationCodes(fn, 'input', input);
  checkShape(fn, 'inputShape', inputShape, 2, '[batch, inUnits]');
  checkLength(fn, 'input', input, inputShape);
  checkZeroPoint(fn, 'inputZeroPoint', inputZeroPoint, input);
  check(kernel instanceof Int8Array, fn, 'kernel', kernel, 'an Int8Array of weights');
  checkShape(fn, 'kernelShape', kernelShape, 2, '[inUnits, outUnits]');
  checkLength(fn, 'kernel', kernel, kernelShape);
  check(kernelShape[0] === inputShape[1], fn, 'kernelShape', kernelShape,
    `inUnits equal to the input's (${inputShape[1]})`);
  check(typeof options === 'object' && options !== null, fn, 'options', options, 'an object or undefined');
  const [batch, inUnits] = inputShape;
  const outUnits = kernelShape[1];
  checkBias32(fn, options.bias, outUnits);
  const engine = options.engine ?? 'auto';
  checkEngine(fn, engine);
  const g = windowGeometry(fn, [batch, 1, 1, inUnits], [1, 1]);
  const shape = [batch, outUnits];
  const out = accumulatorsOut ? checkOut(fn, (options as { out?: unknown }).out, shape) : undefined;
  const kernels = engine === 'js' ? null : integerWasmKernels();
  check(engine !== 'wasm' || kernels !== null, fn, 'options.engine', engine,
    "'auto' or 'js': the WebAssembly kernels are not available (run node scripts/build-wasm.js)");
  const job: WasmConvJob = { input, zeroPoint: inputZeroPoint, geometry: g, filter: kernel, outChannels: outUnits,
    bias: options.bias, out };
  return {
    kind: 'conv', shape, job, kernels,
    accumulate() {
      if (kernels) return kernels.conv(job);
      const values = out ?? new Int32Array(batch * outUnits);
      convLoop(input, inputZeroPoint, g, kernel, outUnits, options.bias, values);
      return values;
    },
  };
}
