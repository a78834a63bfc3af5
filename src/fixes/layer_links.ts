import * as tf from '@tensorflow/tfjs-core';
import { createExecutor } from '../graph/execute';
import { isWeightedOp, type ActivationFn, type Graph, type GraphNode, type Weight, type WeightedOp } from '../graph/ir';
import { windowGeometry } from '../integer/geometry';

/**
 * What the fixes share about pairs of weighted layers: how a layer is fed by the one before it (through zero padding
 * and an activation), how its weights contract over input channels, and which kernel taps read real pixels rather
 * than padding.
 */

export type Weighted = WeightedOp;
export type WeightedNode = GraphNode & { readonly op: Weighted };
export { isWeightedOp as isWeighted };

export function weightOf(op: Weighted): Weight {
  return op.kind === 'dense' ? op.kernel : op.filter;
}

/** How many nodes (and graph outputs) read each tensor. */
export function readerCounts(graph: Graph): Map<string, number> {
  const readers = new Map<string, number>();
  for (const n of graph.nodes) for (const i of n.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  for (const o of graph.outputs) readers.set(o, (readers.get(o) ?? 0) + 1);
  return readers;
}

export type Paddings = readonly [readonly [number, number], readonly [number, number]];

/** A weighted layer feeding another, possibly through zero-padding nodes and one standalone activation. */
export interface ProducerLink {
  readonly kind: 'link';
  readonly producer: WeightedNode;
  /** The activation between the producer's affine output and the consumer (fused or standalone). */
  readonly activation: ActivationFn;
  /** The zero padding that pad nodes between them add, [[top, bottom], [left, right]]. */
  readonly pads: Paddings;
  /** The pad and activation nodes between, nearest the consumer first. */
  readonly between: readonly GraphNode[];
}

/**
 * The weighted layer whose output `consumer` reads, walking back through pad nodes and at most one standalone
 * activation; otherwise the reason there is none (the graph input, an add, a pool, a concat, ...). Zero padding
 * commutes with the activations the fixes use (linear, ReLU, ReLU6: f(0) = 0), so its place in the chain does not
 * matter.
 */
export function producerOf(graph: Graph, consumer: GraphNode): ProducerLink | { readonly kind: 'none'; readonly reason: string } {
  const none = (reason: string) => ({ kind: 'none' as const, reason });
  if (consumer.inputs.length !== 1) return none(`${consumer.name} has ${consumer.inputs.length} inputs`);
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const between: GraphNode[] = [];
  let standalone: ActivationFn = 'linear';
  let pads: Paddings = [[0, 0], [0, 0]];
  for (let name = consumer.inputs[0]; ;) {
    const node = byName.get(name);
    if (!node) return none(`its input is the graph input '${name}'`);
    if (isWeightedOp(node.op)) {
      if (node.op.activation !== 'linear' && standalone !== 'linear') return none(`two activations between ${node.name} and ${consumer.name}`);
      const activation = node.op.activation === 'linear' ? standalone : node.op.activation;
      return { kind: 'link', producer: node as WeightedNode, activation, pads, between };
    }
    if (node.op.kind === 'pad') {
      const [[t, b], [l, r]] = node.op.paddings;
      pads = [[pads[0][0] + t, pads[0][1] + b], [pads[1][0] + l, pads[1][1] + r]];
    } else if (node.op.kind === 'activation' && standalone === 'linear') {
      standalone = node.op.fn;
    } else {
      return none(`its input comes from the ${node.op.kind} '${node.name}'`);
    }
    between.push(node);
    name = node.inputs[0];
  }
}

/** The shape of every node's output (and every graph input), from one zero sample through the float executor. */
export function tensorShapes(graph: Graph): Map<string, readonly number[]> {
  const shapes = new Map<string, readonly number[]>();
  const executor = createExecutor(graph);
  const inputs = graph.inputs.map((input) => {
    const shape = input.shape.map((d) => d ?? 1);
    shapes.set(input.name, shape);
    return tf.zeros(shape);
  });
  try {
    tf.dispose(executor.run(inputs, { taps: 'all', onTap: (node, y) => shapes.set(node.name, y.shape) }));
  } finally {
    executor.dispose();
    tf.dispose(inputs);
  }
  return shapes;
}

/** Which taps of a conv window read real pixels at each output row and column (false: the tap reads padding). */
export interface TapValidity {
  /** rows[oy][ky] */
  readonly rows: readonly boolean[][];
  /** cols[ox][kx] */
  readonly cols: readonly boolean[][];
}

/**
 * For a conv or depthwise layer whose input is a [height, width] map zero-padded by `pads` (pad nodes) and then by
 * the layer's own padding, which taps land on real pixels at each output position. A tap (ky, kx) reads a real
 * pixel at (oy, ox) exactly when rows[oy][ky] and cols[ox][kx].
 */
export function tapValidity(op: Extract<Weighted, { kind: 'conv2d' | 'depthwiseConv2d' }>, height: number, width: number, pads: Paddings): TapValidity {
  const [kh, kw] = op.filter.shape;
  const g = windowGeometry(op.kind, [1, height + pads[0][0] + pads[0][1], width + pads[1][0] + pads[1][1], 1], [kh, kw], op.strides, op.dilations, op.padding);
  const axis = (out: number, taps: number, stride: number, dilation: number, before: number, padNode: number, size: number) =>
    Array.from({ length: out }, (_, o) => Array.from({ length: taps }, (_, k) => {
      const at = o * stride - before + k * dilation;
      return at >= padNode && at < padNode + size;
    }));
  return {
    rows: axis(g.outHeight, kh, g.strideHeight, g.dilationHeight, g.padTop, pads[0][0], height),
    cols: axis(g.outWidth, kw, g.strideWidth, g.dilationWidth, g.padLeft, pads[1][0], width),
  };
}

/** The fraction of output positions at which each tap (ky * kw + kx) reads a real pixel. */
export function tapCoverage(validity: TapValidity): Float64Array {
  const frac = (axis: readonly boolean[][]) => axis[0].map((_, k) => axis.filter((taps) => taps[k]).length / axis.length);
  const rows = frac(validity.rows);
  const cols = frac(validity.cols);
  return Float64Array.from({ length: rows.length * cols.length }, (_, t) => rows[Math.floor(t / cols.length)] * cols[t % cols.length]);
}

/**
 * sum over taps t and input channels i of tapWeight[t] * W[t, i, o] * v[i], per output channel o: what a constant
 * per-input-channel signal v contributes to each output. Layouts: conv [kh, kw, in, out], depthwise [kh, kw, C, M]
 * (output channel c * M + m reads input channel c), dense [in, out] (one tap). `tapWeight` null means every tap
 * counts fully (an interior position).
 */
export function contractInputChannels(op: Weighted, w: Float32Array, v: ArrayLike<number>, tapWeight: ArrayLike<number> | null): Float64Array {
  const shape = weightOf(op).shape;
  const inC = op.kind === 'dense' ? shape[0] : shape[2];
  const perIn = op.kind === 'dense' ? shape[1] : shape[3];
  const outC = op.kind === 'depthwiseConv2d' ? inC * perIn : perIn;
  const out = new Float64Array(outC);
  const tapSize = inC * perIn;
  for (let k = 0; k < w.length; k++) {
    const t = Math.floor(k / tapSize);
    const i = Math.floor(k / perIn) % inC;
    const o = op.kind === 'depthwiseConv2d' ? k % tapSize : k % perIn;
    out[o] += (tapWeight ? tapWeight[t] : 1) * w[k] * v[i];
  }
  return out;
}
