import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { onnx } from 'onnx-proto';
import { createOnnxRuntimeRunner } from '../../src/export/onnxruntime_executor';
import { exportQdqOnnx, writeQdqOnnx } from '../../src/export/onnx_qdq';
import { createExecutor } from '../../src/graph/execute';
import type { Graph } from '../../src/graph/ir';
import { calibrateGraph, rangesFromHistograms } from '../../src/quant/calibrate_graph';
import { createFakeQuantExecutor } from '../../src/quant/fake_quant_executor';
import type { QuantPlan } from '../../src/quant/plan';
import { useBackend } from '../support/backends';
import { kitchenSinkGraph } from '../support/layers_models';
import { uniforms } from '../support/random';

async function setup(): Promise<{ graph: Graph; plan: QuantPlan; data: tf.Tensor }> {
  await useBackend('cpu');
  const graph = await kitchenSinkGraph();
  const float = createExecutor(graph);
  const batches = [0, 1, 2].map((k) => tf.tensor4d(uniforms(30 + k, 16 * 16 * 16 * 3, -1, 1), [16, 16, 16, 3]));
  const ranges = rangesFromHistograms(calibrateGraph(float, batches));
  float.dispose();
  tf.dispose(batches);
  const data = tf.tensor4d(uniforms(99, 32 * 16 * 16 * 3, -1, 1), [32, 16, 16, 3]);
  return { graph, plan: { defaultPrecision: 'int8', weightGranularity: 'per-channel', activationRanges: ranges, rounding: 'onnx' }, data };
}

function stats(a: Float32Array, b: Float32Array, classes: number) {
  let maxDiff = 0;
  let agree = 0;
  for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  for (let r = 0; r < a.length / classes; r++) {
    const row = (x: Float32Array) => x.subarray(r * classes, (r + 1) * classes);
    const argmax = (x: Float32Array) => x.indexOf(Math.max(...x));
    if (argmax(row(a)) === argmax(row(b))) agree++;
  }
  return { maxDiff, agreement: agree / (a.length / classes) };
}

test('the QDQ export holds int8 per-channel weights, int32 biases and Q/DQ pairs, and onnxruntime runs it like the fake-quant simulation', async () => {
  const { graph, plan, data } = await setup();
  const bytes = exportQdqOnnx(graph, plan);
  const model = onnx.ModelProto.decode(bytes);
  const ops = model.graph!.node!.map((n) => n.opType);
  assert.ok(ops.filter((o) => o === 'QuantizeLinear').length >= 10);
  const stemWeight = model.graph!.initializer!.find((t) => t.name === 'stem_conv/weight_quantized')!;
  assert.equal(stemWeight.dataType, onnx.TensorProto.DataType.INT8);
  assert.deepEqual(stemWeight.dims!.map(Number), [8, 3, 3, 3]);
  const stemScale = model.graph!.initializer!.find((t) => t.name === 'stem_conv/weight_scale')!;
  assert.deepEqual(stemScale.dims!.map(Number), [8]);
  assert.equal(model.graph!.initializer!.find((t) => t.name === 'stem_conv/bias_quantized')!.dataType, onnx.TensorProto.DataType.INT32);

  const runner = await createOnnxRuntimeRunner(bytes, graph);
  const ortOut = await runner.run(data);
  const fq = createFakeQuantExecutor(graph, plan);
  const [sim] = fq.run(data);
  const float = createExecutor(graph);
  const [ref] = float.run(data);
  const vsSim = stats(ortOut.dataSync() as Float32Array, sim.dataSync() as Float32Array, 10);
  const vsFloat = stats(ortOut.dataSync() as Float32Array, ref.dataSync() as Float32Array, 10);
  // The simulation and the runtime differ only by rounding inside the integer accumulation: a few output codes.
  console.log(`ORT vs fake-quant: max diff ${vsSim.maxDiff.toExponential(2)}, top-1 agreement ${vsSim.agreement}; ORT vs float: max diff ${vsFloat.maxDiff.toExponential(2)}, agreement ${vsFloat.agreement}`);
  assert.ok(vsSim.maxDiff < 0.05, `ORT vs fake-quant max difference ${vsSim.maxDiff}`);
  assert.ok(vsSim.agreement >= 0.9, `ORT vs fake-quant top-1 agreement ${vsSim.agreement}`);
  assert.ok(vsFloat.maxDiff > 0, 'the quantized model should not equal the float one');
  tf.dispose([ortOut, sim, ref, data]);
  fq.dispose();
  float.dispose();
  await runner.release();
});

test('a float-fallback layer exports in float, int16 layers are refused by name, and files are written whole', async () => {
  const { graph, plan, data } = await setup();
  const mixed: QuantPlan = { ...plan, layerPrecision: { fc1: 'float' } };
  const model = onnx.ModelProto.decode(exportQdqOnnx(graph, mixed));
  assert.ok(model.graph!.initializer!.some((t) => t.name === 'fc1/weight' && t.dataType === onnx.TensorProto.DataType.FLOAT));
  assert.ok(!model.graph!.initializer!.some((t) => t.name === 'fc1/weight_quantized'));
  assert.throws(() => exportQdqOnnx(graph, { ...plan, layerPrecision: { sep: 'int16' } }), /exportQdqOnnx: layer 'sep' is in int16; only int8 and float layers export/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qs-qdq-file-'));
  try {
    const file = path.join(dir, 'model.onnx');
    writeQdqOnnx(file, graph, mixed);
    assert.deepEqual(fs.readdirSync(dir), ['model.onnx']);
    const runner = await createOnnxRuntimeRunner(file, graph);
    const y = await runner.run(data);
    assert.deepEqual(y.shape, [32, 10]);
    tf.dispose([y, data]);
    await runner.release();
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});
