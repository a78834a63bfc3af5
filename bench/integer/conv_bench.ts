/**
 * Integer convolution speed: Quantscope's int8 kernels against tfjs-backend-wasm's float convolution and
 * onnxruntime-node's int8 QLinearConv (1 and 2 intra-op threads), on the same shapes in the same run.
 *
 *   npx tsc -b && node scripts/build-wasm.js && node build/bench/integer/conv_bench.js [--repeat 15]
 *
 * GOPS = 2 · MACs / time (a multiply-add is two operations), medians of rounds that run every Quantscope variant and
 * tfjs once each (so load changes on a shared machine hit them alike). "int8 acc" is the int32 accumulation alone
 * (conv2dInt8 / depthwiseConv2dInt8 into a reused buffer); "int8 +requant" adds src/fixedpoint's requantize
 * (onnxruntime profile) into a reused buffer; "int8 fused" is conv2dInt8Requantized / depthwiseConv2dInt8Requantized
 * (int8 codes out, the integer executor's path) with the onnxruntime or tflite-double profile. tfjs float leaves its
 * output in the backend (not read back), as before. Buffers are reused because first touches of fresh pages are slow here.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { initBackend } from '../../src/backend';
import { requantize } from '../../src/fixedpoint/requantize';
import { conv2dInt8 } from '../../src/integer/conv2d_int8';
import { depthwiseConv2dInt8 } from '../../src/integer/depthwise_conv2d_int8';
import { windowGeometry } from '../../src/integer/geometry';
import { onnxRuntimeOutputScales, tfliteOutputMultipliers } from '../../src/integer/output_scales';
import { conv2dInt8Requantized, depthwiseConv2dInt8Requantized } from '../../src/integer/requantized_int8';
import { uniforms } from '../../test/support/random';
import { qlinearConvModel, toNchw } from '../../test/integer/onnx_models';
import { randomCodes, randomInt32 } from '../../test/integer/support';

interface Shape {
  name: string;
  input: [number, number, number, number];
  kernel: [number, number];
  outC: number;
  depthwise: boolean;
}

const SHAPES: Shape[] = [
  { name: '3x3 conv 64->64, 56x56, batch 8', input: [8, 56, 56, 64], kernel: [3, 3], outC: 64, depthwise: false },
  { name: '3x3 depthwise 144 ch, 56x56, batch 8', input: [8, 56, 56, 144], kernel: [3, 3], outC: 144, depthwise: true },
  { name: '1x1 conv 144->24, 56x56, batch 8', input: [8, 56, 56, 144], kernel: [1, 1], outC: 24, depthwise: false },
];

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

/** Medians of several functions timed round by round (each round runs every one once), after warm-up runs. */
function interleaved(runs: Array<() => unknown>, repeats: number, warmup = 3): number[] {
  for (let i = 0; i < warmup; i++) runs.forEach((run) => run());
  const samples: number[][] = runs.map(() => []);
  for (let r = 0; r < repeats; r++) {
    runs.forEach((run, k) => {
      const t0 = process.hrtime.bigint();
      run();
      samples[k].push(Number(process.hrtime.bigint() - t0) / 1e6);
    });
  }
  return samples.map((s) => s.sort((a, b) => a - b)[Math.floor(s.length / 2)]);
}

async function timeAsync(run: () => Promise<unknown>, repeats: number, warmup = 3): Promise<number> {
  for (let i = 0; i < warmup; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    await run();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

async function main(): Promise<void> {
  const repeats = arg('repeat', 15);
  await initBackend('wasm');
  console.log(`backend ${tf.getBackend()}, node ${process.version}, repeats ${repeats}`);
  const rows: Array<Record<string, string>> = [];
  for (const s of SHAPES) {
    const [n, h, w, c] = s.input;
    const g = windowGeometry('bench', s.input, s.kernel, 1, 1, 'same');
    const outElements = g.batch * g.outHeight * g.outWidth * s.outC;
    const macs = outElements * s.kernel[0] * s.kernel[1] * (s.depthwise ? 1 : c);
    const gops = (ms: number) => (2 * macs / (ms * 1e6)).toFixed(1);
    const x = randomCodes(Int8Array, 1, n * h * w * c, -128, 127);
    const filterShape = s.depthwise ? [s.kernel[0], s.kernel[1], c, 1] : [s.kernel[0], s.kernel[1], c, s.outC];
    const filter = randomCodes(Int8Array, 2, filterShape.reduce((a, b) => a * b, 1), -127, 127);
    const bias = randomInt32(3, s.outC, -1000, 1000);
    const acc = new Int32Array(outElements);
    const codes = new Int32Array(outElements);
    const wScales = uniforms(4, s.outC, 0.001, 0.002);
    const scale = onnxRuntimeOutputScales(0.05, wScales, 0.5);
    const m = tfliteOutputMultipliers(0.05, wScales, 0.5);
    const tflite = { profile: 'tflite-double' as const, ...m, zeroPoint: 0, qmin: -128, qmax: 127 };
    const conv = () => s.depthwise
      ? depthwiseConv2dInt8(x, s.input, 3, filter, filterShape, { padding: 'same', bias, out: acc })
      : conv2dInt8(x, s.input, 3, filter, filterShape, { padding: 'same', bias, out: acc });
    const params = { profile: 'onnxruntime' as const, scale, zeroPoint: 0, qmin: -128, qmax: 127 };
    const full = () => {
      conv();
      requantize(acc, params, codes);
    };
    const fusedOut = new Int8Array(outElements);
    const fused = () => s.depthwise
      ? depthwiseConv2dInt8Requantized(x, s.input, 3, filter, filterShape, params, { padding: 'same', bias, out: fusedOut })
      : conv2dInt8Requantized(x, s.input, 3, filter, filterShape, params, { padding: 'same', bias, out: fusedOut });
    const fusedTflite = () => s.depthwise
      ? depthwiseConv2dInt8Requantized(x, s.input, 3, filter, filterShape, tflite, { padding: 'same', bias, out: fusedOut })
      : conv2dInt8Requantized(x, s.input, 3, filter, filterShape, tflite, { padding: 'same', bias, out: fusedOut });
    const xf = tf.tensor4d(Float32Array.from(x), s.input);
    const wf = tf.tensor4d(Float32Array.from(filter), filterShape as [number, number, number, number]);
    const float = () => {
      const y = s.depthwise ? tf.depthwiseConv2d(xf, wf, 1, 'same') : tf.conv2d(xf, wf, 1, 'same');
      y.dispose();
    };
    const [intAcc, intFull, intFused, intFusedTflite, tfFloat] = interleaved([conv, full, fused, fusedTflite, float],
      repeats);
    xf.dispose();
    wf.dispose();

    const model = qlinearConvModel({
      inputShape: s.input, inputType: 'int8', xScale: 0.05, xZeroPoint: 3, filter,
      filterShape: s.depthwise ? [s.kernel[0], s.kernel[1], 1, c] : filterShape, wScales, yScale: 0.5, yZeroPoint: 0,
      bias, group: s.depthwise ? c : 1, strides: [1, 1], dilations: [1, 1],
      pads: [[g.padTop, g.padBottom], [g.padLeft, g.padRight]], outShape: [n, g.outHeight, g.outWidth, s.outC],
    });
    const feed = { x: new ort.Tensor('int8', toNchw(x, s.input), [n, c, h, w]) };
    // uint8 activations too: MLAS's u8s8 path is ORT's main x86 int8 route.
    const xu = Uint8Array.from(x, (v) => v + 128);
    const modelU8 = qlinearConvModel({
      inputShape: s.input, inputType: 'uint8', xScale: 0.05, xZeroPoint: 131, filter,
      filterShape: s.depthwise ? [s.kernel[0], s.kernel[1], 1, c] : filterShape, wScales, yScale: 0.5, yZeroPoint: 128,
      bias, group: s.depthwise ? c : 1, strides: [1, 1], dilations: [1, 1],
      pads: [[g.padTop, g.padBottom], [g.padLeft, g.padRight]], outShape: [n, g.outHeight, g.outWidth, s.outC],
    });
    const feedU8 = { x: new ort.Tensor('uint8', toNchw(xu, s.input), [n, c, h, w]) };
    const ortMs: number[] = [];
    for (const [m, f] of [[model, feed], [modelU8, feedU8]] as const) {
      for (const threads of [1, 2]) {
        const session = await ort.InferenceSession.create(m, { intraOpNumThreads: threads, interOpNumThreads: 1 });
        ortMs.push(await timeAsync(() => session.run(f), repeats));
        await session.release();
      }
    }
    rows.push({
      shape: s.name,
      'int8 acc (wasm)': `${gops(intAcc)} (${intAcc.toFixed(1)} ms)`,
      'int8 +requant': `${gops(intFull)} (${intFull.toFixed(1)} ms)`,
      'int8 fused ort': `${gops(intFused)} (${intFused.toFixed(1)} ms)`,
      'int8 fused tflite': `${gops(intFusedTflite)} (${intFusedTflite.toFixed(1)} ms)`,
      'tfjs-wasm float': `${gops(tfFloat)} (${tfFloat.toFixed(1)} ms)`,
      'fused / float': `${(tfFloat / intFused).toFixed(2)}x`,
      'ORT s8s8 1t': `${gops(ortMs[0])} (${ortMs[0].toFixed(1)} ms)`,
      'ORT s8s8 2t': `${gops(ortMs[1])} (${ortMs[1].toFixed(1)} ms)`,
      'ORT u8s8 1t': `${gops(ortMs[2])} (${ortMs[2].toFixed(1)} ms)`,
      'ORT u8s8 2t': `${gops(ortMs[3])} (${ortMs[3].toFixed(1)} ms)`,
    });
  }
  console.table(rows);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
