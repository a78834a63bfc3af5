import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imageBatches, planAccuracy } from '../../src/analysis/accuracy';
import { budgetTarget, searchMixedPrecision } from '../../src/fixes/mixed_precision';
import { createExecutor } from '../../src/graph/execute';
import { calibrateGraph, rangesFromHistograms } from '../../src/quant/calibrate_graph';
import type { QuantPlan } from '../../src/quant/plan';
import { useBackend } from '../support/backends';
import { outlierMlp } from '../support/tiny_mlp';

async function setup() {
  await useBackend('cpu');
  const { graph, images } = outlierMlp();
  const float = createExecutor(graph);
  const ranges = rangesFromHistograms(calibrateGraph(float, imageBatches(images)));
  float.dispose();
  const plan: QuantPlan = { defaultPrecision: 'int8', weightGranularity: 'per-tensor', activationRanges: ranges };
  return { graph, images, plan };
}

test('budgetTarget: points are percentage points, relative is a fraction of the float accuracy', () => {
  assert.equal(budgetTarget({ points: 1 }, 0.9), 0.9 - 0.01);
  assert.ok(Math.abs(budgetTarget({ relative: 0.1 }, 0.9) - 0.81) < 1e-15);
  assert.throws(() => budgetTarget({ points: -1 }, 0.9), /budget\.points/);
  assert.throws(() => budgetTarget({ relative: 1 }, 0.9), /budget\.relative/);
  assert.throws(() => budgetTarget({ points: NaN }, 0.9), /budget\.points/);
});

test('the search keeps the wrecked layer in float, meets the budget and reports every trial', async () => {
  const { graph, images, plan } = await setup();
  const quantized = planAccuracy(graph, plan, images);
  assert.ok(quantized < 0.95, `the constructed case must lose accuracy; got ${quantized}`);
  const seen: number[] = [];
  const result = searchMixedPrecision(graph, plan, images, { budget: { points: 2 }, onTrial: (t) => seen.push(t.step) });
  assert.equal(result.met, true);
  assert.equal(result.floatAccuracy, 1);
  assert.deepEqual(result.promoted, ['fc1']);
  assert.equal(result.plan.layerPrecision?.fc1, 'float');
  assert.ok(result.accuracy >= result.target);
  assert.equal(result.accuracy, planAccuracy(graph, result.plan, images));
  assert.deepEqual(seen, result.trials.map((t) => t.step));
  assert.equal(result.trials[0].move, 'start');
  assert.equal(result.trials[0].accuracy, quantized);
  assert.equal(result.note, null);
});

test('an unreachable budget is reported with the best configuration found', async () => {
  const { graph, images, plan } = await setup();
  // With the wrecked layer excluded, no promotion can recover it.
  const result = searchMixedPrecision(graph, plan, images, { budget: { points: 0 }, higher: 'int16', exclude: ['fc1'] });
  assert.equal(result.met, false);
  assert.match(result.note!, /the budget \(accuracy >= 100\.00%\) was not met even with 1 layer\(s\) in int16; the best found is \d+\.\d\d% with/);
  assert.equal(result.accuracy, Math.max(...result.trials.map((t) => t.accuracy)));
  assert.equal(result.accuracy, planAccuracy(graph, result.plan, images));
  assert.ok(result.trials.every((t) => !t.promoted.includes('fc1')));
  assert.throws(() => searchMixedPrecision(graph, plan, images, { budget: { points: 1 }, exclude: ['fc9'] }), /did you mean 'fc1'\?/);
  assert.throws(() => searchMixedPrecision(graph, plan, images, { budget: { points: 1 }, higher: 'int8' as never }), /options\.higher/);
});
