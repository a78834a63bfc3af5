import { check } from '../errors';
import { requantize, requantizeRowPlan, type RequantizeParams } from '../fixedpoint/requantize';
import type { Conv2dInt8Options, PreparedInt8Kernel } from './conv2d_int8';
import { prepareConv2dInt8 } from './conv2d_int8';
import type { ActivationCodes } from './checks';
import { prepareDenseInt8, type DenseInt8Options } from './dense_int8';
import { prepareDepthwiseConv2dInt8 } from './depthwise_conv2d_int8';

/** Output codes of a requantized integer layer: int8 (or int16 for a clamp wider than int8) in the layer's layout. */
export interface RequantizedCodes {
  readonly values: Int8Array | Int16Array;
  readonly shape: number[];
}

/** Where the codes go: an Int8Array or Int16Array of the output's length. Default: a new array of the narrowest fit. */
type CodesOut = { readonly out?: Int8Array | Int16Array };

/**
 * conv2dInt8 then `requantize`, in one pass: out = requantize(conv2dInt8(...).values, params) stored as codes.
 * Equal to that composition element for element (the tests check it), and where the WebAssembly kernels run it is
 * fused: each chunk of accumulators is requantized in WebAssembly memory right after the kernel writes it, and only
 * the codes are copied out. `params` has one entry per output channel or scalars; its clamp must fit the code type
 * (int8 when [qmin, qmax] lies inside −128..127, else int16, or the type of options.out). Throws on the errors of
 * conv2dInt8 and requantize (naming this function) and on a clamp or options.out that does not fit.
 */
export function conv2dInt8Requantized(input: ActivationCodes, inputShape: readonly number[], inputZeroPoint: number,
  filter: Int8Array, filterShape: readonly number[], params: RequantizeParams,
  options: Omit<Conv2dInt8Options, 'out'> & CodesOut = {}): RequantizedCodes {
  const fn = 'conv2dInt8Requantized';
  const p = prepareConv2dInt8(fn, input, inputShape, inputZeroPoint, filter, filterShape, options, false);
  return runRequantized(fn, p, params, options.out);
}

/** depthwiseConv2dInt8 then `requantize`, fused as in {@link conv2dInt8Requantized}; the same contract. */
export function depthwiseConv2dInt8Requantized(input: ActivationCodes, inputShape: readonly number[],
  inputZeroPoint: number, filter: Int8Array, filterShape: readonly number[], params: RequantizeParams,
  options: Omit<Conv2dInt8Options, 'out'> & CodesOut = {}): RequantizedCodes {
  const fn = 'depthwiseConv2dInt8Requantized';
  const p = prepareDepthwiseConv2dInt8(fn, input, inputShape, inputZeroPoint, filter, filterShape, options, false);
  return runRequantized(fn, p, params, options.out);
}

/** denseInt8 then `requantize`, fused as in {@link conv2dInt8Requantized}; the same contract. */
export function denseInt8Requantized(input: ActivationCodes, inputShape: readonly number[], inputZeroPoint: number,
  kernel: Int8Array, kernelShape: readonly number[], params: RequantizeParams,
  options: Omit<DenseInt8Options, 'out'> & CodesOut = {}): RequantizedCodes {
  const fn = 'denseInt8Requantized';
  const p = prepareDenseInt8(fn, input, inputShape, inputZeroPoint, kernel, kernelShape, options, false);
  return runRequantized(fn, p, params, options.out);
}

function runRequantized(fn: string, p: PreparedInt8Kernel, params: RequantizeParams,
  out: Int8Array | Int16Array | undefined): RequantizedCodes {
  const channels = p.shape[p.shape.length - 1];
  const n = p.shape.reduce((a, b) => a * b, 1);
  check(typeof params === 'object' && params !== null, fn, 'params', params, 'requantization parameters');
  const perChannel = params.profile === 'onnxruntime' ? [['params.scale', params.scale] as const]
    : [['params.multiplier', params.multiplier] as const, ['params.shift', params.shift] as const];
  for (const [arg, v] of perChannel) {
    check(typeof v === 'number' || v?.length === channels, fn, arg, v,
      `a number or one entry per output channel (${channels})`);
  }
  const narrow = params.qmin >= -128 && params.qmax <= 127;
  const codes = out ?? (narrow ? new Int8Array(n) : new Int16Array(n));
  check((codes instanceof Int8Array || codes instanceof Int16Array) && codes.length === n, fn, 'options.out', out,
    `undefined or an Int8Array or Int16Array of ${n} codes`);
  const lo = codes instanceof Int8Array ? -128 : -32768;
  check(params.qmin >= lo && params.qmax <= -lo - 1, fn, 'params.qmin', params.qmin,
    `a clamp [qmin, qmax] inside the ${codes.constructor.name}'s range ${lo}..${-lo - 1} (qmax ${params.qmax})`);
  const padded = Math.ceil(channels / 8) * 8; // the kernels' output channel blocks
  const plan = requantizeRowPlan(fn, params, channels, padded);
  if (p.kernels && plan) {
    const epilogue = { codes, plan: (paddedChannels: number) => {
      if (paddedChannels !== padded) throw new Error(`${fn}: kernel rows of ${paddedChannels}, expected ${padded}`);
      return plan;
    } };
    const run = p.kind === 'conv' ? p.kernels.convCodes : p.kernels.depthwiseCodes;
    run(p.job, epilogue);
    return { values: codes, shape: p.shape };
  }
  codes.set(requantize(p.accumulate(), params));
  return { values: codes, shape: p.shape };
}
