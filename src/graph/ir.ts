/**
 * The one intermediate representation every model format imports into. Nodes keep the user's layer names (a
 * layer that becomes two ops, like SeparableConv2D, yields `name/depthwise` and `name`), weights are plain float32
 * arrays with shapes (transforms return new graphs and never mutate), activations are NHWC, and the node list is in
 * topological order. `source` records the original layer class so reports speak the user's vocabulary.
 */
import { nearestName } from './nearest_name';

/** A constant tensor: row-major float32 data and its shape. */
export interface Weight {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

/** Activation functions a layer can apply (fused into conv/dense or standalone). */
export type ActivationFn = 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'tanh' | 'swish' | 'hard_swish' | 'softmax';

import type { Padding } from '../integer/geometry';

/** Window padding: one definition shared with the integer kernels (src/integer/geometry.ts). */
export type { Padding };

/** Batch-norm statistics folded into a conv or dense, kept so analysis (bias correction) can use them. */
export interface FoldedBatchNorm {
  readonly name: string;
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
  readonly mean: Float32Array;
  readonly variance: Float32Array;
  readonly epsilon: number;
  /** Per-channel factor gamma / sqrt(variance + epsilon) that multiplied the weights. */
  readonly factor: Float32Array;
}

export type Op =
  | { readonly kind: 'conv2d'; readonly filter: Weight; readonly bias: Weight | null; readonly strides: readonly [number, number]; readonly padding: Padding; readonly dilations: readonly [number, number]; readonly activation: ActivationFn; readonly folded: FoldedBatchNorm | null }
  | { readonly kind: 'depthwiseConv2d'; readonly filter: Weight; readonly bias: Weight | null; readonly strides: readonly [number, number]; readonly padding: Padding; readonly dilations: readonly [number, number]; readonly activation: ActivationFn; readonly folded: FoldedBatchNorm | null }
  | { readonly kind: 'dense'; readonly kernel: Weight; readonly bias: Weight | null; readonly activation: ActivationFn; readonly folded: FoldedBatchNorm | null }
  | { readonly kind: 'batchNorm'; readonly gamma: Weight; readonly beta: Weight; readonly mean: Weight; readonly variance: Weight; readonly epsilon: number }
  | { readonly kind: 'activation'; readonly fn: ActivationFn }
  | { readonly kind: 'add' }
  | { readonly kind: 'mul' }
  | { readonly kind: 'concat'; readonly axis: number }
  | { readonly kind: 'pad'; readonly paddings: readonly [readonly [number, number], readonly [number, number]] }
  | { readonly kind: 'maxPool' | 'avgPool'; readonly poolSize: readonly [number, number]; readonly strides: readonly [number, number]; readonly padding: 'same' | 'valid' }
  | { readonly kind: 'globalAvgPool'; readonly keepDims: boolean }
  | { readonly kind: 'flatten' }
  | { readonly kind: 'reshape'; readonly shape: readonly number[] }
  | { readonly kind: 'transpose'; readonly perm: readonly number[] }
  | { readonly kind: 'identity' };

export type OpKind = Op['kind'];

/** One op. Its output tensor is named after the node; `aliases` are other names that now refer to it. */
export interface GraphNode {
  readonly name: string;
  readonly op: Op;
  readonly inputs: readonly string[];
  /** The source format's op or layer class (e.g. "Conv2D", "Conv", "_FusedConv2D"). */
  readonly source: string;
  /** Names of source layers merged into this node (a folded batch norm, a fused activation layer). */
  readonly aliases: readonly string[];
}

export interface GraphInput {
  readonly name: string;
  /** Shape with null for the batch dimension (NHWC for images). */
  readonly shape: readonly (number | null)[];
  /** 'NCHW' when the source model took channels-first images (ONNX): feed the graph NHWC all the same. */
  readonly sourceLayout?: 'NCHW';
}

export interface Graph {
  readonly name: string;
  readonly format: 'tfjs-layers' | 'tfjs-graph' | 'onnx';
  readonly inputs: readonly GraphInput[];
  readonly nodes: readonly GraphNode[];
  readonly outputs: readonly string[];
}

/** The node producing a tensor name, following aliases; undefined if no node has that name. */
export function findNode(graph: Graph, name: string): GraphNode | undefined {
  return graph.nodes.find((n) => n.name === name || n.aliases.includes(name));
}

/**
 * The node named `name` (or aliased so), or an error from `fn` that names the graph and suggests the nearest layer
 * name, for user-typed names.
 */
export function requireNode(graph: Graph, name: string, fn: string, accept: (node: GraphNode) => boolean = () => true, what = 'layer'): GraphNode {
  const node = findNode(graph, name);
  if (node !== undefined && accept(node)) return node;
  if (node !== undefined) throw new Error(`${fn}: '${name}' in graph '${graph.name}' is a ${node.op.kind} (${node.source}), not a ${what}`);
  const candidates = graph.nodes.filter(accept).flatMap((n) => [n.name, ...n.aliases]);
  const nearest = nearestName(name, candidates);
  throw new Error(`${fn}: graph '${graph.name}' has no ${what} named '${name}'${nearest === null ? '' : `; did you mean '${nearest}'?`}`);
}

/** The layers quantization acts on: conv, depthwise and dense (they have weights). */
export type WeightedOp = Extract<Op, { kind: 'conv2d' | 'depthwiseConv2d' | 'dense' }>;

export function isWeightedOp(op: Op): op is WeightedOp {
  return op.kind === 'conv2d' || op.kind === 'depthwiseConv2d' || op.kind === 'dense';
}

export function isWeightedLayer(node: GraphNode): node is GraphNode & { readonly op: WeightedOp } {
  return isWeightedOp(node.op);
}

/** Every node that reads `name`. */
export function consumers(graph: Graph, name: string): GraphNode[] {
  return graph.nodes.filter((n) => n.inputs.includes(name));
}
