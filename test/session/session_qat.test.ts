import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planAccuracy } from '../../src/analysis/accuracy';
import type { ImageSet } from '../../src/data/fashion_mnist';
import { quantSession } from '../../src/session/quant_session';
import { JUPYTER_DISPLAY } from '../../src/views/display';
import { useBackend } from '../support/backends';
import { outlierMlp } from '../support/tiny_mlp';

function part(images: ImageSet, from: number, to: number): ImageSet {
  const px = images.height * images.width;
  return { ...images, count: to - from, images: images.images.subarray(from * px, to * px), labels: images.labels.subarray(from, to) };
}

test('session.qat trains from the session plan, reports progress and history, and returns a session on the best checkpoint', async () => {
  await useBackend('cpu');
  const { graph, images } = outlierMlp(7, 900, 'fc1', 'every channel');
  const ticks: number[] = [];
  const s = quantSession(graph, { calibration: part(images, 0, 300), evaluation: part(images, 600, 900) }, {
    progress: (total) => ({ update: (done) => ticks.push(done / total) }),
  });
  s.setPrecision('fc2', 'int16');
  const before = s.accuracy();
  const { session, result } = await s.qat(part(images, 0, 300), { epochs: 2, learningRate: 1e-2, validation: part(images, 300, 600), batchSize: 50 });
  assert.equal(ticks[ticks.length - 1], 1);
  assert.deepEqual(result.data.history.map((e) => e.epoch), [1, 2]);
  assert.ok(result.data.best.valAccuracy >= result.data.ptqAccuracy);
  // The new session keeps the old one's per-layer precision and evaluates the trained graph.
  assert.equal(session.plan.layerPrecision?.fc2, 'int16');
  assert.equal(session.graph, result.data.graph);
  assert.equal(session.accuracy(), planAccuracy(result.data.graph, session.plan, s.data.evaluation));
  assert.ok(session.accuracy() >= before - 0.02, `QAT ${session.accuracy()} vs PTQ ${before}`);
  assert.match(result[JUPYTER_DISPLAY]()['text/plain'] as string, /epoch 0 is post-training quantization/);
});
