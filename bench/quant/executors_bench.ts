/**
 * Images per second of the float, fake-quant and integer executors on the kitchen-sink model (test/support), batch
 * 32, on the backend QUANTSCOPE_BACKEND names (default: the library's choice), executors interleaved round by round.
 * Run after a build:
 *   node build/bench/quant/executors_bench.js [--rounds 30]
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendName } from '../../src/backend';
import { createExecutor, type Executor } from '../../src/graph/execute';
import { createFakeQuantExecutor } from '../../src/quant/fake_quant_executor';
import { createIntegerExecutor } from '../../src/quant/integer_executor';
import { calibrate, imageBatches, kitchenSinkGraph } from '../../test/quant/support';

async function main(): Promise<void> {
  const requested = process.env.QUANTSCOPE_BACKEND as BackendName | undefined;
  await initBackend(requested);
  const graph = await kitchenSinkGraph();
  const calibration = imageBatches(4, 8, 1);
  const ranges = calibrate(graph, calibration);
  const [x] = imageBatches(1, 32, 99);
  const plan = (rounding: 'tflite' | 'onnx') => ({ defaultPrecision: 'int8' as const, weightGranularity: 'per-channel' as const, activationRanges: ranges, rounding });
  const executors: Array<[string, Executor]> = [
    ['float', createExecutor(graph)],
    ['fake-quant', createFakeQuantExecutor(graph, plan('tflite'))],
    ['integer tflite-double', createIntegerExecutor(graph, plan('tflite'), { profile: 'tflite-double' })],
    ['integer tflite-single', createIntegerExecutor(graph, plan('tflite'), { profile: 'tflite-single' })],
    ['integer onnxruntime', createIntegerExecutor(graph, plan('onnx'), { profile: 'onnxruntime' })],
  ];
  const rounds = arg('rounds', 30);
  console.log(`kitchen-sink model (16x16x3), batch 32, backend ${tf.getBackend()}, median of ${rounds} interleaved rounds after 5 warm-up`);
  // Interleaved: every round runs each executor once, so a load change on this shared machine hits them all alike and
  // the ratios to float stay meaningful even when the milliseconds move.
  const runs = executors.map(([, executor]) => () => { const out = executor.run(x); out.forEach((t) => t.dataSync()); tf.dispose(out); });
  for (let i = 0; i < 5; i++) runs.forEach((run) => run());
  const samples: number[][] = executors.map(() => []);
  for (let r = 0; r < rounds; r++) {
    runs.forEach((run, k) => {
      const t0 = process.hrtime.bigint();
      run();
      samples[k].push(Number(process.hrtime.bigint() - t0) / 1e6);
    });
  }
  const medians = samples.map((s) => s.sort((a, b) => a - b)[Math.floor(s.length / 2)]);
  const floatRate = 32 / (medians[0] / 1000);
  executors.forEach(([name, executor], k) => {
    const rate = 32 / (medians[k] / 1000);
    console.log(`${name.padEnd(24)} ${medians[k].toFixed(2).padStart(8)} ms/batch ${rate.toFixed(0).padStart(8)} images/s  ${(rate / floatRate).toFixed(2)}x float`);
    executor.dispose();
  });
  tf.dispose([x, ...calibration]);
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

main().catch((e) => { console.error(e); process.exit(1); });
