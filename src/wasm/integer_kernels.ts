import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WindowGeometry } from '../integer/geometry';
import { runDepthwise } from './depthwise_job';
import { requantizeArray, runConv, type Context, type IntegerConvExports } from './integer_jobs';
import { bindRequantizer, type RequantizePlan } from './requantize_kernels';

/** One convolution for the WebAssembly kernels: the caller has checked every argument. */
export interface WasmConvJob {
  /** NHWC codes, int8 or uint8. */
  readonly input: Int8Array | Uint8Array;
  readonly zeroPoint: number;
  readonly geometry: WindowGeometry;
  /** [kernelHeight, kernelWidth, channels, outChannels] for 'conv'; [kernelHeight, kernelWidth, channels] for 'depthwise'. */
  readonly filter: Int8Array;
  /** Output channels ('conv'); ignored by 'depthwise', whose output has the input's channels. */
  readonly outChannels: number;
  readonly bias: Int32Array | undefined;
  /** Where to write the accumulators (checked by the caller to have the output's length); a new array when absent. */
  readonly out?: Int32Array;
}

/**
 * A requantization fused after a kernel: the accumulators are requantized in WebAssembly memory, chunk by chunk while
 * they are still in cache, and only the codes leave it.
 */
export interface WasmEpilogue {
  /** The requantization for `paddedChannels` channels: the job's channels first, the rest ignored (any values). */
  plan(paddedChannels: number): RequantizePlan;
  /** Where the codes go, [pixels][channels] (the accumulators' layout); its type sets the code width. */
  readonly codes: Int8Array | Int16Array | Int32Array;
}

/**
 * The WebAssembly integer convolution loops (src/wasm/integer_conv.wat). Both return int32 accumulators
 * [batch, outHeight, outWidth, channels] in a new array (or job.out): bias + Σ (x − zeroPoint) · w over the window,
 * with padding taps contributing 0 (they read the zero point), wrapping modulo 2^32. With an epilogue they write the
 * requantized codes into `epilogue.codes` instead and return it. `requantize` runs a plan over an Int32Array
 * (src/wasm/requantize.wat) into `out`, which may be `acc`.
 */
export interface IntegerWasmKernels {
  conv(job: WasmConvJob): Int32Array;
  depthwise(job: WasmConvJob): Int32Array;
  convCodes(job: WasmConvJob, epilogue: WasmEpilogue): WasmEpilogue['codes'];
  depthwiseCodes(job: WasmConvJob, epilogue: WasmEpilogue): WasmEpilogue['codes'];
  /** null when requantize.wasm is not built. */
  readonly requantize: ((acc: Int32Array, plan: RequantizePlan, out: Int32Array) => void) | null;
}

let cached: IntegerWasmKernels | null | undefined;

/**
 * The kernels, instantiated once per process; their memory is reused from call to call (fresh pages are slow to
 * touch here). null where WebAssembly SIMD or the built module is unavailable: callers then use the JavaScript
 * loops. Not re-entrant, which JavaScript's single thread guarantees.
 */
export function integerWasmKernels(): IntegerWasmKernels | null {
  if (cached === undefined) cached = instantiate();
  return cached;
}

function instantiate(): IntegerWasmKernels | null {
  const file = path.join(__dirname, 'integer_conv.wasm');
  if (typeof WebAssembly !== 'object' || !fs.existsSync(file)) return null;
  let wasm: IntegerConvExports;
  try {
    const module = new WebAssembly.Module(fs.readFileSync(file));
    wasm = new WebAssembly.Instance(module).exports as unknown as IntegerConvExports;
  } catch {
    return null; // no SIMD support in this engine
  }
  const ensure = (bytes: number) => {
    const missing = bytes - wasm.memory.buffer.byteLength;
    if (missing > 0) wasm.memory.grow(Math.ceil(missing / 65536));
  };
  const requantizer = bindRequantizer(wasm.memory);
  const ctx: Context = { wasm, ensure, requantizer };
  const fused = (run: typeof runConv) => (job: WasmConvJob, epilogue: WasmEpilogue) => {
    if (!requantizer) throw new Error('integer kernels: requantize.wasm is not built (run node scripts/build-wasm.js)');
    return run(ctx, job, epilogue) as WasmEpilogue['codes'];
  };
  return {
    conv: (job) => runConv(ctx, job, null) as Int32Array,
    depthwise: (job) => runDepthwise(ctx, job, null) as Int32Array,
    convCodes: fused(runConv),
    depthwiseCodes: fused(runDepthwise),
    requantize: requantizer ? (acc, plan, out) => requantizeArray(ctx, requantizer, acc, plan, out) : null,
  };
}
