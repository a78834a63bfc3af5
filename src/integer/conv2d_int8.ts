import { check } from '../errors';
import { integerWasmKernels, type IntegerWasmKernels, type WasmConvJob } from '../wasm/integer_kernels';
import {
  checkBias32, checkConvOperands, checkEngine, checkOut,
  type ActivationCodes, type IntegerEngine,
} from './checks';
import { convLoop } from './conv_loops';
import { windowGeometry, type Padding, type Pair } from './geometry';

/** Options of {@link conv2dInt8}. */
export interface Conv2dInt8Options {
  /** Default 1. */
  readonly strides?: Pair;
  /** Default 1. */
  readonly dilations?: Pair;
  /** Default 'valid'. */
  readonly padding?: Padding;
  /** int32 bias, one per output channel (quantized with scale inputScale · weightScale_c, zero point 0). */
  readonly bias?: Int32Array;
  /** Default 'auto': WebAssembly SIMD when available. Every engine gives the same bits. */
  readonly engine?: IntegerEngine;
  /**
   * An Int32Array of the result's length to write into and return instead of a new array (reusing it in a loop
   * avoids touching fresh memory, which is slow here). Default: a new array.
   */
  readonly out?: Int32Array;
}

/** int32 accumulators of an integer kernel, NHWC (or [batch, units] for dense), before requantization. */
export interface Int32Accumulators {
  readonly values: Int32Array;
  readonly shape: number[];
}

/**
 * Integer 2-D convolution, int8/uint8 activations × int8 weights → int32 accumulators, as TFLite's
 * reference_integer_ops::ConvPerChannel and ONNX's QLinearConv / ConvInteger compute before requantization:
 *
 *   acc[n, oy, ox, o] = bias[o] + Σ_{ky, kx, c} (x[n, oy·sh − padTop + ky·dh, ox·sw − padLeft + kx·dw, c] − zp) · w[ky, kx, c, o]
 *
 * Padding taps read the input zero point, so they add 0 (TFLite skips them; ONNX pads with x_zero_point: the same).
 * Weights are symmetric (zero point 0), per channel or per tensor: their scales only enter the requantization.
 * The sum wraps modulo 2^32 like an int32 register; it is exact while K · max|x − zp| · max|w| + |bias| < 2^31
 * (K = kh·kw·inC; for int8 that is K < 65,793 with a zero bias).
 *
 * Shapes: input [batch, height, width, inC] (NHWC), filter [kh, kw, inC, outC] (TF.js Conv2D layout); the result is
 * [batch, outHeight, outWidth, outC]. Inputs are never modified. Throws, naming the argument, on a wrong array
 * type, a length that does not match its shape, mismatched channels, a zero point outside the code range, a bias of
 * the wrong length, bad strides/dilations/padding, or a window larger than the padded input.
 */
export function conv2dInt8(input: ActivationCodes, inputShape: readonly number[], inputZeroPoint: number,
  filter: Int8Array, filterShape: readonly number[], options: Conv2dInt8Options = {}): Int32Accumulators {
  const p = prepareConv2dInt8('conv2dInt8', input, inputShape, inputZeroPoint, filter, filterShape, options);
  return { values: p.accumulate(), shape: p.shape };
}

/**
 * A checked integer convolution, not yet run: the WebAssembly job when the kernels are available and wanted, and the
 * accumulation on whichever engine was chosen. Shared with the fused requantizing kernels (requantized_int8.ts).
 */
export interface PreparedInt8Kernel {
  readonly kind: 'conv' | 'depthwise';
  readonly shape: number[];
  readonly job: WasmConvJob;
  readonly kernels: IntegerWasmKernels | null;
  /** The int32 accumulators, into options.out when given. */
  accumulate(): Int32Array;
}

/**
 * Checks conv2dInt8's arguments (errors name `fn`) and prepares the run; with `accumulatorsOut` false,
 * options.out is the caller's (not an accumulator buffer) and is left alone.
 */
export function prepareConv2dInt8(fn: string, input: ActivationCodes, inputShape: readonly number[],
  inputZeroPoint: number, filter: Int8Array, filterShape: readonly number[],
  options: Conv2dInt8Options | Omit<Conv2dInt8Options, 'out'>, accumulatorsOut = true): PreparedInt8Kernel {
  checkConvOperands(fn, input, inputShape, inputZeroPoint, filter, filterShape, 'outChannels', options);
  const outC = filterShape[3];
  checkBias32(fn, options.bias, outC);
  const engine = options.engine ?? 'auto';
  checkEngine(fn, engine);
  const g = windowGeometry(fn, inputShape, [filterShape[0], filterShape[1]], options.strides, options.dilations,
    options.padding);
  const shape = [g.batch, g.outHeight, g.outWidth, outC];
  const out = accumulatorsOut ? checkOut(fn, (options as { out?: unknown }).out, shape) : undefined;
  const kernels = engine === 'js' ? null : integerWasmKernels();
  check(engine !== 'wasm' || kernels !== null, fn, 'options.engine', engine,
    "'auto' or 'js': the WebAssembly kernels are not available (run node scripts/build-wasm.js)");
  const job: WasmConvJob = { input, zeroPoint: inputZeroPoint, geometry: g, filter, outChannels: outC,
    bias: options.bias, out };
  return {
    kind: 'conv', shape, job, kernels,
    accumulate() {
      if (kernels) return kernels.conv(job);
      const values = out ?? new Int32Array(shape[0] * shape[1] * shape[2] * shape[3]);
      convLoop(input, inputZeroPoint, g, filter, outC, options.bias, values);
      return values;
    },
  };
}
