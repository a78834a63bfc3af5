import { check } from '../errors';
import { integerWasmKernels, type WasmConvJob } from '../wasm/integer_kernels';
import {
  checkBias32, checkConvOperands, checkEngine, checkOut,
  type ActivationCodes,
} from './checks';
import type { Conv2dInt8Options, Int32Accumulators, PreparedInt8Kernel } from './conv2d_int8';
import { depthwiseLoop } from './conv_loops';
import { windowGeometry } from './geometry';

/**
 * Integer depthwise 2-D convolution with a channel multiplier m, int8/uint8 activations × int8 weights → int32, as
 * TFLite's reference_integer_ops::DepthwiseConvPerChannel and ONNX's QLinearConv with group = inC:
 *
 *   acc[n, oy, ox, c·m + j] = bias[c·m + j] + Σ_{ky, kx} (x[n, iy, ix, c] − zp) · w[ky, kx, c, j]
 *
 * with iy, ix, padding (zero point) and the int32 wrap-around as in {@link conv2dInt8}. Shapes: input
 * [batch, height, width, inC], filter [kh, kw, inC, m] (TF.js DepthwiseConv2D layout), result
 * [batch, outHeight, outWidth, inC · m]; the bias has inC · m entries. Throws on the same bad input as conv2dInt8.
 */
export function depthwiseConv2dInt8(input: ActivationCodes, inputShape: readonly number[], inputZeroPoint: number,
  filter: Int8Array, filterShape: readonly number[], options: Conv2dInt8Options = {}): Int32Accumulators {
  const p = prepareDepthwiseConv2dInt8('depthwiseConv2dInt8', input, inputShape, inputZeroPoint, filter, filterShape,
    options);
  return { values: p.accumulate(), shape: p.shape };
}

/**
 * Checks depthwiseConv2dInt8's arguments (errors name `fn`) and prepares the run; with `accumulatorsOut` false,
 * options.out is the caller's (not an accumulator buffer) and is left alone.
 */
export function prepareDepthwiseConv2dInt8(fn: string, input: ActivationCodes, inputShape: readonly number[],
  inputZeroPoint: number, filter: Int8Array, filterShape: readonly number[],
  options: Conv2dInt8Options | Omit<Conv2dInt8Options, 'out'>, accumulatorsOut = true): PreparedInt8Kernel {
  checkConvOperands(fn, input, inputShape, inputZeroPoint, filter, filterShape, 'multiplier', options);
  const multiplier = filterShape[3];
  const outC = inputShape[3] * multiplier;
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
  // A multiplier m is a depthwise conv over the input with each channel repeated m times: the filter
  // [kh, kw, inC, m] read flat is already [kh, kw, inC · m].
  const job: WasmConvJob = {
    input: kernels && multiplier !== 1 ? repeatChannels(input, inputShape[3], multiplier) : input,
    zeroPoint: inputZeroPoint, geometry: kernels && multiplier !== 1 ? { ...g, channels: outC } : g, filter,
    outChannels: outC, bias: options.bias, out,
  };
  return {
    kind: 'depthwise', shape, job, kernels,
    accumulate() {
      if (kernels) return kernels.depthwise(job);
      const values = out ?? new Int32Array(shape[0] * shape[1] * shape[2] * shape[3]);
      depthwiseLoop(input, inputZeroPoint, g, filter, multiplier, options.bias, values);
      return values;
    },
  };
}

function repeatChannels(x: ActivationCodes, channels: number, m: number): ActivationCodes {
  const out = x instanceof Int8Array ? new Int8Array(x.length * m) : new Uint8Array(x.length * m);
  for (let p = 0, o = 0; p < x.length; p += channels) {
    for (let c = 0; c < channels; c++) {
      const v = x[p + c];
      for (let j = 0; j < m; j++) out[o++] = v;
    }
  }
  return out;
}
