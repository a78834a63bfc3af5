/**
 * Quantization-aware training on the zoo, on Debian's full Fashion-MNIST (wasm backend):
 * - accuracy: top-1 of the float model, of post-training quantization and of QAT, on held-out test images (test
 *   images 1000-4999; images 0-999 choose the checkpoint), for 4-bit weights per channel and per tensor and int8
 *   per tensor, int8 activations calibrated (min/max) on training images 0-255. QAT trains on the next `--train`
 *   images; it runs only where PTQ loses at least `--min-loss` of float accuracy. Control: the same recipe in float
 *   (fine-tuning), then PTQ of the result, to separate quantization-awareness from more training.
 * - speed: images/s of QAT training (4-bit per-tensor plan) against float training of the same architecture with
 *   src/train (tfjs-layers, wasm training kernels), and against QAT's own code with a near-float plan (what fake
 *   quantization costs), same images and batch size, alternating, in the same run.
 *
 *   npx tsc -b && node scripts/build-wasm.js && node build/bench/qat.js [--models resnet,efficientnet] [--train 2000]
 *     [--epochs 2] [--lr 1e-4] [--speed-images 384] [--rounds 3] [--seeds 0] [--min-loss 0.01] [--speed-only]
 */
import * as path from 'node:path';
import { executorAccuracy, imageBatches } from '../src/analysis/accuracy';
import { describeBackend, initBackend } from '../src/backend';
import { loadFashionMnist, type ImageSet } from '../src/data/fashion_mnist';
import { quantizationAwareTraining } from '../src/fixes/qat';
import { createExecutor } from '../src/graph/execute';
import { foldBatchNorms } from '../src/graph/fold_batchnorm';
import { fuseActivations } from '../src/graph/fuse_activations';
import { importLayersModel } from '../src/graph/import_layers';
import type { Graph } from '../src/graph/ir';
import { calibrateGraph, rangesFromHistograms } from '../src/quant/calibrate_graph';
import { createFakeQuantExecutor } from '../src/quant/fake_quant_executor';
import type { QuantPlan } from '../src/quant/plan';
import { registerWasmTrainingKernels } from '../src/train/kernels/register';
import { trainClassifier } from '../src/train/train_model';
import { ZOO } from '../src/train/zoo';

const ROOT = path.resolve(__dirname, '..', '..');
const BATCH = 32;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
}

function slice(data: ImageSet, from: number, to: number): ImageSet {
  const pixels = data.height * data.width;
  return { ...data, count: to - from, images: data.images.subarray(from * pixels, to * pixels), labels: data.labels.subarray(from, to) };
}

function fakeQuantAccuracy(graph: Graph, plan: QuantPlan, data: ImageSet): number {
  const executor = createFakeQuantExecutor(graph, plan);
  const accuracy = executorAccuracy(executor, data).accuracy;
  executor.dispose();
  return accuracy;
}

/**
 * Images per second from the median batch time, leaving out the first batch (warm-up) and the last (QAT validates
 * there); the median resists the load spikes of this shared machine.
 */
function rate(batchEnds: readonly number[]): number {
  const durations = batchEnds.slice(1, -1).map((t, i) => t - batchEnds[i]).sort((a, b) => a - b);
  return BATCH / (durations[Math.floor(durations.length / 2)] / 1000);
}

/** A plan that keeps the model float (its first layer in fp16, as a plan must quantize something): float fine-tuning. */
function nearFloatPlan(graph: Graph, ranges: QuantPlan['activationRanges']): QuantPlan {
  return { defaultPrecision: 'float', layerPrecision: { [graph.nodes[0].name]: 'fp16' }, weightGranularity: 'per-channel', activationRanges: ranges };
}

function calibrated(graph: Graph, images: ImageSet): QuantPlan['activationRanges'] {
  const float = createExecutor(graph);
  const ranges = rangesFromHistograms(calibrateGraph(float, imageBatches(images, 128)));
  float.dispose();
  return ranges;
}

async function main(): Promise<void> {
  const backend = await initBackend('wasm');
  registerWasmTrainingKernels();
  const models = arg('models', 'resnet,mobilenet_v2,efficientnet').split(',');
  const trainCount = Number(arg('train', '2000'));
  const epochs = Number(arg('epochs', '2'));
  const learningRate = Number(arg('lr', '1e-4'));
  const minLoss = Number(arg('min-loss', '0.01'));
  const speedImages = Number(arg('speed-images', '384'));
  const seeds = arg('seeds', '0').split(',').map(Number);
  const rounds = Number(arg('rounds', '3'));
  const train = loadFashionMnist({ split: 'train', limit: 256 + Math.max(trainCount, speedImages) });
  const test = loadFashionMnist({ split: 'test', limit: 5000 });
  const [validation, heldOut] = [slice(test, 0, 1000), slice(test, 1000, 5000)];
  console.log(`backend ${describeBackend(backend)}; QAT: ${trainCount} training images, ${epochs} epochs, batch ${BATCH}, Adam ${learningRate}, seeds ${seeds.join(',')}`);
  console.log('accuracy on 4000 held-out test images (1000-4999):');
  for (const name of process.argv.includes('--speed-only') ? [] : models) {
    const graph = fuseActivations(foldBatchNorms(importLayersModel(path.join(ROOT, 'models', 'zoo', name, 'model.json'))));
    const ranges = calibrated(graph, slice(train, 0, 256));
    const float = createExecutor(graph);
    const floatAccuracy = executorAccuracy(float, heldOut).accuracy;
    float.dispose();
    let fineTuned: Graph | undefined;
    const plans: Array<[string, QuantPlan]> = [
      ['int4 weights per channel', { defaultPrecision: 'int8', weightGranularity: 'per-channel', weightBits: 4, activationRanges: ranges }],
      ['int4 weights per tensor', { defaultPrecision: 'int8', weightGranularity: 'per-tensor', weightBits: 4, activationRanges: ranges }],
      ['int8 per tensor', { defaultPrecision: 'int8', weightGranularity: 'per-tensor', activationRanges: ranges }],
    ];
    for (const [label, plan] of plans) {
      const ptq = fakeQuantAccuracy(graph, plan, heldOut);
      let line = `  ${name.padEnd(13)} ${label.padEnd(25)} float ${floatAccuracy.toFixed(4)}  PTQ ${ptq.toFixed(4)}`;
      if (floatAccuracy - ptq < minLoss) {
        console.log(`${line}  (PTQ loses < ${minLoss}: no QAT run)`);
        continue;
      }
      const recipe = { epochs, batchSize: BATCH, learningRate, validation };
      const trainSet = slice(train, 256, 256 + trainCount);
      for (const seed of seeds) {
        const started = performance.now();
        const result = await quantizationAwareTraining(graph, plan, trainSet, { ...recipe, seed });
        const qat = fakeQuantAccuracy(result.graph, plan, heldOut);
        line += `  QAT(seed ${seed}) ${qat.toFixed(4)} (${qat >= ptq ? '+' : ''}${(100 * (qat - ptq)).toFixed(1)} pts; best epoch ${result.best.epoch}, ${((performance.now() - started) / 1000).toFixed(0)} s)`;
      }
      // Control: the same recipe in float, then post-training quantization of the fine-tuned model (recalibrated):
      // how much of the gain is just more training.
      fineTuned ??= (await quantizationAwareTraining(graph, nearFloatPlan(graph, ranges), trainSet, { ...recipe, seed: seeds[0] })).graph;
      const control = fakeQuantAccuracy(fineTuned, { ...plan, activationRanges: calibrated(fineTuned, slice(train, 0, 256)) }, heldOut);
      console.log(`${line}  float fine-tune + PTQ ${control.toFixed(4)}`);
    }
  }

  console.log(`speed: images/s training (median batch) on ${speedImages} images, batch ${BATCH}, ${rounds} alternating rounds (float = src/train on the untrained tfjs-layers model, batch norms in training mode; QAT = int4 per-tensor weights, int8 activations; same walk = QAT's code with a near-float plan, i.e. the cost of fake quantization):`);
  const speedSet = slice(train, 256, 256 + speedImages);
  for (const name of models) {
    const zoo = ZOO.find((z) => z.spec.name === name)!;
    const graph = fuseActivations(foldBatchNorms(importLayersModel(path.join(ROOT, 'models', 'zoo', name, 'model.json'))));
    const plan: QuantPlan = { defaultPrecision: 'int8', weightGranularity: 'per-tensor', weightBits: 4, activationRanges: calibrated(graph, slice(train, 0, 256)) };
    const rates: { float: number[]; qat: number[]; walk: number[] } = { float: [], qat: [], walk: [] };
    for (let round = 0; round < rounds; round++) {
      const model = zoo.build(zoo.spec);
      const floatEnds: number[] = [];
      const t0 = performance.now();
      await trainClassifier(model, speedSet, { epochs: 1, batchSize: BATCH, learningRates: [learningRate], reportEvery: 1, onProgress: () => floatEnds.push(performance.now() - t0) });
      model.dispose();
      // trainClassifier reports every batch but the last, then the epoch's end: the same points as QAT's.
      rates.float.push(rate(floatEnds));
      const qatEnds: number[] = [];
      const t1 = performance.now();
      await quantizationAwareTraining(graph, plan, speedSet, { epochs: 1, batchSize: BATCH, learningRate, validation: slice(test, 0, BATCH), onProgress: () => qatEnds.push(performance.now() - t1) });
      rates.qat.push(rate(qatEnds));
      const walkEnds: number[] = [];
      const t2 = performance.now();
      await quantizationAwareTraining(graph, nearFloatPlan(graph, plan.activationRanges), speedSet, { epochs: 1, batchSize: BATCH, learningRate, validation: slice(test, 0, BATCH), onProgress: () => walkEnds.push(performance.now() - t2) });
      rates.walk.push(rate(walkEnds));
    }
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
    const show = (v: number[]) => v.map((r) => r.toFixed(1)).join(', ');
    console.log(`  ${name.padEnd(13)} float ${show(rates.float)}  QAT ${show(rates.qat)}  same walk, float plan ${show(rates.walk)}  QAT/float ${(median(rates.qat) / median(rates.float)).toFixed(2)}  QAT/walk ${(median(rates.qat) / median(rates.walk)).toFixed(2)} (medians)`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
