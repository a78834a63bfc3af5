/**
 * Two-layer graphs for the fixes' tests whose producer output follows its folded batch-norm statistics exactly:
 * the producer is a diagonal layer y_i = gamma_i x_i + beta_i (a 1x1 conv, a 1x1 depthwise or a dense), so on
 * inputs x ~ N(0, 1) its pre-activation is N(beta_i, gamma_i^2), and on x in [-1, 1] it stays >= beta - |gamma|.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createExecutor } from '../../src/graph/execute';
import type { ActivationFn, FoldedBatchNorm, Graph, GraphNode } from '../../src/graph/ir';
import { mulberry32 } from '../support/random';

export type ProducerKind = 'conv' | 'depthwise' | 'dense';
export type ConsumerKind = 'conv3x3-same' | 'pad+depthwise3x3-stride2' | 'conv1x1' | 'dense';

export function statsProducer(kind: ProducerKind, beta: Float32Array, gamma: Float32Array, activation: ActivationFn, withStats = true): GraphNode {
  const c = beta.length;
  const folded: FoldedBatchNorm = { name: 'p_bn', gamma, beta, mean: new Float32Array(c), variance: new Float32Array(c).fill(1), epsilon: 0, factor: gamma };
  const common = { bias: { data: beta, shape: [c] }, activation, folded: withStats ? folded : null };
  const conv = { strides: [1, 1] as [number, number], padding: 'same' as const, dilations: [1, 1] as [number, number] };
  const diagonal = Float32Array.from({ length: c * c }, (_, k) => (Math.floor(k / c) === k % c ? gamma[k % c] : 0));
  const op: GraphNode['op'] = kind === 'conv'
    ? { kind: 'conv2d', filter: { data: diagonal, shape: [1, 1, c, c] }, ...conv, ...common }
    : kind === 'depthwise'
      ? { kind: 'depthwiseConv2d', filter: { data: gamma, shape: [1, 1, c, 1] }, ...conv, ...common }
      : { kind: 'dense', kernel: { data: diagonal, shape: [c, c] }, ...common };
  return { name: 'p', source: 'test', aliases: [], inputs: ['x'], op };
}

/** The consumer 'q' of 'p' (through a pad node for the depthwise case), with random weights and bias. */
export function consumerNodes(kind: ConsumerKind, c: number, out: number, seed: number): GraphNode[] {
  const rand = mulberry32(seed);
  const values = (n: number) => Float32Array.from({ length: n }, () => 2 * rand() - 1);
  const bias = { data: values(kind === 'pad+depthwise3x3-stride2' ? c : out), shape: [kind === 'pad+depthwise3x3-stride2' ? c : out] };
  const node = (op: GraphNode['op'], input = 'p'): GraphNode => ({ name: 'q', source: 'test', aliases: [], inputs: [input], op });
  switch (kind) {
    case 'conv3x3-same':
      return [node({ kind: 'conv2d', filter: { data: values(9 * c * out), shape: [3, 3, c, out] }, bias, strides: [1, 1], padding: 'same', dilations: [1, 1], activation: 'linear', folded: null })];
    case 'conv1x1':
      return [node({ kind: 'conv2d', filter: { data: values(c * out), shape: [1, 1, c, out] }, bias, strides: [1, 1], padding: 'same', dilations: [1, 1], activation: 'linear', folded: null })];
    case 'pad+depthwise3x3-stride2':
      return [
        { name: 'pad', source: 'ZeroPadding2D', aliases: [], inputs: ['p'], op: { kind: 'pad', paddings: [[1, 1], [1, 1]] } },
        node({ kind: 'depthwiseConv2d', filter: { data: values(9 * c), shape: [3, 3, c, 1] }, bias, strides: [2, 2], padding: 'valid', dilations: [1, 1], activation: 'linear', folded: null }, 'pad'),
      ];
    case 'dense':
      return [node({ kind: 'dense', kernel: { data: values(c * out), shape: [c, out] }, bias, activation: 'linear', folded: null })];
  }
}

/** x -> p -> q; images are size x size x c (dense: vectors of c). */
export function pairGraph(producer: GraphNode, consumer: ConsumerKind, c: number, out: number, size: number, seed: number): Graph {
  const dense = producer.op.kind === 'dense';
  return {
    name: `${producer.op.kind}->${consumer}`, format: 'tfjs-layers', outputs: ['q'],
    inputs: [{ name: 'x', shape: dense ? [null, c] : [null, size, size, c] }],
    nodes: [producer, ...consumerNodes(consumer, c, out, seed)],
  };
}

/** Per-channel betas and gammas from a seed, beta in [betaLo, betaHi], |gamma| in [gammaLo, gammaHi] with random signs. */
export function channelStats(c: number, seed: number, betaLo: number, betaHi: number, gammaLo: number, gammaHi: number): { beta: Float32Array; gamma: Float32Array } {
  const rand = mulberry32(seed);
  const beta = Float32Array.from({ length: c }, () => betaLo + (betaHi - betaLo) * rand());
  const gamma = Float32Array.from({ length: c }, () => (rand() < 0.5 ? -1 : 1) * (gammaLo + (gammaHi - gammaLo) * rand()));
  return { beta, gamma };
}

/** The graph's (first) output on x, run in float. */
export function floatOutputs(graph: Graph, x: tf.Tensor): Float32Array {
  const e = createExecutor(graph);
  const [y] = e.run(x);
  const out = y.dataSync() as Float32Array;
  y.dispose();
  e.dispose();
  return out;
}
