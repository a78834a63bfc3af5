/**
 * The short quantization demo `npm start` runs until the tutorial notebooks exist: trains a small model on
 * Fashion-MNIST, calibrates its activations with every range method, and prints the test accuracy under each
 * quantization scheme next to float.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, initBackend } from '../backend';
import { quantizeBias } from '../bias';
import { histogramObserver, type RangeMethod } from '../calibration/histogram_observer';
import { rangeMethods } from '../calibration/methods';
import { minMaxObserver } from '../calibration/minmax_observer';
import type { StreamingHistogram } from '../calibration/histogram';
import { perChannelMinMaxObserver } from '../calibration/per_channel_observer';
import { loadFashionMnist, type ImageSet } from '../data/fashion_mnist';
import { fp16RoundTrip } from '../fp16';
import { qparamsFromChannelRanges, qparamsFromRange, type QParams } from '../qparams';
import { fakeQuantize } from '../quantize/quantize_tensor';
import { int16Activations, int8Activations, intScheme, schemeName, type IntScheme } from '../scheme';
import { trainDemoModel, type DenseLayer } from './demo_model';
import { formatTable } from './table';

type Precision = { kind: 'float' } | { kind: 'fp16' } | { kind: 'int'; scheme: IntScheme; method?: RangeMethod };

interface Plan {
  readonly name: string;
  readonly weights: Precision;
  readonly activations: Precision;
}

const TAPS = ['input', 'dense1', 'dense2', 'logits'];

async function main(): Promise<void> {
  const started = Date.now();
  const backend = await initBackend();
  console.log(`Quantscope demo. TensorFlow.js backend: ${describeBackend(backend)}`);
  const train = loadFashionMnist({ split: 'train', limit: 13000 });
  const test = loadFashionMnist({ split: 'test' });
  const [fit, calibration] = [slice(train, 0, 12000), slice(train, 12000, 13000)];
  console.log(`Training a 784-128-64-10 perceptron on ${fit.count} Fashion-MNIST images (seeded, 3 epochs)...`);
  const layers = await trainDemoModel(fit, 3, (epoch, loss, acc) =>
    console.log(`  epoch ${epoch + 1}: loss ${loss.toFixed(3)}, training accuracy ${(100 * acc).toFixed(1)}%`));

  console.log(`Calibrating on ${calibration.count} held-out training images (2048-bin streaming histograms)...`);
  const histograms = calibrate(layers, calibration);
  const methods: [string, RangeMethod | undefined][] = [
    ['min/max', undefined],
    ['percentile 99.99', rangeMethods.percentile(99.99)],
    ['entropy (KL)', rangeMethods.entropy()],
    ['MSE', rangeMethods.mse({ levels: 255 })],
    ['L2 (PyTorch)', rangeMethods.l2()],
  ];
  console.log('\nActivation ranges each method picks (min .. max):');
  console.log(formatTable(['tensor', ...methods.map(([n]) => n)], TAPS.map((tap) => [tap, ...methods.map(([, m]) => {
    const r = histogramObserver({ method: m }).range(histograms.get(tap)!);
    return `${r.min.toFixed(2)} .. ${r.max.toFixed(2)}`;
  })])));

  const perTensorW8 = intScheme({ bits: 8, symmetric: true, narrowRange: true });
  const perChannelW8 = intScheme({ bits: 8, symmetric: true, narrowRange: true, axis: 1 });
  const a8 = (method?: RangeMethod): Precision => ({ kind: 'int', scheme: int8Activations, method });
  const plans: Plan[] = [
    { name: 'FP32', weights: { kind: 'float' }, activations: { kind: 'float' } },
    { name: 'FP16', weights: { kind: 'fp16' }, activations: { kind: 'fp16' } },
    { name: 'INT8 w per-tensor, a min/max', weights: { kind: 'int', scheme: perTensorW8 }, activations: a8() },
    ...methods.map(([label, m]): Plan => ({ name: `INT8 w per-channel, a ${label}`, weights: { kind: 'int', scheme: perChannelW8 }, activations: a8(m) })),
    { name: 'INT8 w per-channel, INT16 a (16x8)', weights: { kind: 'int', scheme: perChannelW8 }, activations: { kind: 'int', scheme: int16Activations } },
    { name: 'INT4 w per-tensor, a min/max', weights: { kind: 'int', scheme: intScheme({ bits: 4, symmetric: true, narrowRange: true }) }, activations: a8() },
    { name: 'INT4 w per-channel, a min/max', weights: { kind: 'int', scheme: intScheme({ bits: 4, symmetric: true, narrowRange: true, axis: 1 }) }, activations: a8() },
  ];
  console.log(`\nTest accuracy on ${test.count} Fashion-MNIST test images (fake-quantized in float32, TFLite rounding):`);
  const rows: (string | number)[][] = [];
  let floatAccuracy = 0;
  for (const plan of plans) {
    const accuracy = evaluate(layers, plan, histograms, test);
    if (plan.name === 'FP32') floatAccuracy = accuracy;
    const weights = plan.weights.kind === 'int' ? schemeName(plan.weights.scheme) : plan.weights.kind;
    rows.push([plan.name, weights, `${(100 * accuracy).toFixed(2)}%`, plan.name === 'FP32' ? '' : `${(100 * (accuracy - floatAccuracy)).toFixed(2)}`]);
  }
  console.log(formatTable(['scheme', 'weights', 'accuracy', 'delta (points)'], rows));
  tf.dispose(layers.flatMap((l) => [l.kernel, l.bias]));
  console.log(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}

function slice(set: ImageSet, from: number, to: number): ImageSet {
  const pixels = set.height * set.width;
  return { ...set, count: to - from, images: set.images.subarray(from * pixels, to * pixels), labels: set.labels.subarray(from, to) };
}

/** Streams the calibration images through the float model, one histogram per tapped tensor. */
function calibrate(layers: DenseLayer[], data: ImageSet): Map<string, StreamingHistogram> {
  const observer = histogramObserver();
  const stats = new Map(TAPS.map((t) => [t, observer.empty()]));
  for (let from = 0; from < data.count; from += 250) {
    const batch = slice(data, from, Math.min(data.count, from + 250));
    const outputs = tf.tidy(() => {
      let a: tf.Tensor = tf.tensor2d(batch.images, [batch.count, batch.height * batch.width]);
      const taps: tf.Tensor[] = [a];
      for (const layer of layers) {
        a = tf.add(tf.matMul(a, layer.kernel), layer.bias);
        if (layer.relu) a = tf.relu(a);
        taps.push(a);
      }
      return taps;
    });
    outputs.forEach((t, i) => stats.set(TAPS[i], observer.collect(stats.get(TAPS[i])!, t)));
    tf.dispose(outputs);
  }
  return stats;
}

function evaluate(layers: DenseLayer[], plan: Plan, histograms: Map<string, StreamingHistogram>, data: ImageSet): number {
  const actParams = new Map(TAPS.map((tap) => [tap, activationParams(plan.activations, histograms.get(tap)!)]));
  const weights = layers.map((layer) => weightTensors(layer, plan, actParams));
  let correct = 0;
  for (let from = 0; from < data.count; from += 1000) {
    const batch = slice(data, from, Math.min(data.count, from + 1000));
    const predictions = tf.tidy(() => {
      let a = applyActivation(plan.activations, actParams.get('input'), tf.tensor2d(batch.images, [batch.count, batch.height * batch.width]));
      layers.forEach((layer, i) => {
        a = tf.add(tf.matMul(a, weights[i].kernel), weights[i].bias);
        if (layer.relu) a = tf.relu(a);
        a = applyActivation(plan.activations, actParams.get(layer.name), a);
      });
      return tf.argMax(a, 1);
    });
    const predicted = predictions.dataSync();
    predictions.dispose();
    for (let i = 0; i < batch.count; i++) if (predicted[i] === batch.labels[i]) correct++;
  }
  tf.dispose(weights.flatMap((w) => [w.kernel, w.bias]));
  return correct / data.count;
}

function activationParams(precision: Precision, histogram: StreamingHistogram): QParams | undefined {
  if (precision.kind !== 'int') return undefined;
  return qparamsFromRange(histogramObserver({ method: precision.method }).range(histogram), precision.scheme);
}

function applyActivation(precision: Precision, qp: QParams | undefined, x: tf.Tensor): tf.Tensor {
  if (precision.kind === 'fp16') return fp16RoundTrip(x);
  return qp === undefined ? x : fakeQuantize(x, qp);
}

/** The kernel as the device stores it, and the bias as int32 at input scale x weight scale when both are integer. */
function weightTensors(layer: DenseLayer, plan: Plan, actParams: Map<string, QParams | undefined>) {
  const w = plan.weights;
  if (w.kind === 'float') return { kernel: tf.clone(layer.kernel), bias: tf.clone(layer.bias) };
  if (w.kind === 'fp16') return { kernel: fp16RoundTrip(layer.kernel), bias: fp16RoundTrip(layer.bias) };
  const data = { data: layer.kernel.dataSync() as Float32Array, shape: layer.kernel.shape };
  const perChannel = perChannelMinMaxObserver({ axis: 1 });
  const perTensor = minMaxObserver();
  const qp = w.scheme.granularity.kind === 'per-axis'
    ? qparamsFromChannelRanges(perChannel.range(perChannel.collect(perChannel.empty(), data)), w.scheme)
    : qparamsFromRange(perTensor.range(perTensor.collect(perTensor.empty(), data)), w.scheme);
  const kernel = fakeQuantize(layer.kernel, qp);
  const inputQp = actParams.get(inputOf(layer.name));
  if (inputQp === undefined || inputQp.kind !== 'per-tensor') return { kernel, bias: tf.clone(layer.bias) };
  // 16x8 layers keep their bias in int64, as TFLite's 16x8 kernels do.
  const accumulatorBits = inputQp.qmax > 127 ? 64 : 32;
  const biasQ = quantizeBias(layer.bias.dataSync() as Float32Array, inputQp.scale, qp.scale, { accumulatorBits });
  const bias = Float32Array.from(biasQ.values as ArrayLike<number | bigint>, (v, i) => Number(v) * biasQ.scale[biasQ.scale.length === 1 ? 0 : i]);
  return { kernel, bias: tf.tensor1d(bias) };
}

function inputOf(layerName: string): string {
  return TAPS[TAPS.indexOf(layerName) - 1];
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
