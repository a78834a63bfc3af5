/**
 * Images per second of the float, fake-quant and integer executors on the kitchen-sink model (test/support), batch
 * 32, on the backend QUANTSCOPE_BACKEND names (default: the library's choice). Run after a build:
 *   node build/bench/quant/executors_bench.js
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendName } from '../../src/backend';
import { createExecutor, type Executor } from '../../src/graph/execute';
import { createFakeQuantExecutor } from '../../src/quant/fake_quant_executor';
import { createIntegerExecutor } from '../../src/quant/integer_executor';
import { calibrate, imageBatches, kitchenSinkGraph } from '../../test/quant/support';
import { time } from '../timing';

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
  console.log(`kitchen-sink model (16x16x3), batch 32, backend ${tf.getBackend()}, median of 20 runs after 5 warm-up`);
  let floatRate = 0;
  for (const [name, executor] of executors) {
    const run = () => { const out = executor.run(x); out.forEach((t) => t.dataSync()); tf.dispose(out); };
    const timing = time(run, 20);
    const rate = 32 / (timing.medianMs / 1000);
    if (name === 'float') floatRate = rate;
    console.log(`${name.padEnd(24)} ${timing.medianMs.toFixed(2).padStart(8)} ms/batch ${rate.toFixed(0).padStart(8)} images/s  ${(rate / floatRate).toFixed(2)}x float`);
    executor.dispose();
  }
  tf.dispose([x, ...calibration]);
}

main().catch((e) => { console.error(e); process.exit(1); });
