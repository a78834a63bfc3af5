import * as tf from '@tensorflow/tfjs-core';
import { requireNode, type Graph, type GraphNode, type Op, type Weight } from './ir';
import { applyOp, type NodeWeights } from './ops';

/** Options of one run. */
export interface RunOptions {
  /** Node names (or aliases) whose outputs to pass to `onTap`, or 'all'. */
  readonly taps?: readonly string[] | 'all';
  /**
   * Receives each tapped output and, from executors that have them, the node's inputs; the tensors are valid only
   * during the call (clone them to keep them).
   */
  readonly onTap?: (node: GraphNode, output: tf.Tensor, inputs?: readonly tf.Tensor[]) => void;
  /**
   * Outputs of nodes already computed for these same inputs (by this graph, under hooks that give the same values
   * for them): used instead of computing those nodes again. The caller keeps ownership. Sensitivity analysis uses it
   * to recompute only what lies downstream of the layer it changed.
   */
  readonly reuse?: ReadonlyMap<string, tf.Tensor>;
}

/** Where a quantization scheme plugs into execution: rewrite weights once, or rewrite each node's output. */
export interface ExecutorHooks {
  weight?(node: GraphNode, param: string, w: Weight): Weight;
  /** Called inside a tidy; returns the tensor the rest of the graph sees (for example, fake-quantized). */
  output?(node: GraphNode, y: tf.Tensor): tf.Tensor;
  /** The same for each graph input. */
  input?(name: string, x: tf.Tensor): tf.Tensor;
  /** Rewrites what a node reads (called inside the node's tidy), e.g. quantizing a float input of an int8 layer. */
  nodeInput?(node: GraphNode, index: number, x: tf.Tensor): tf.Tensor;
}

/** Runs a graph batch after batch with its weights uploaded once. */
export interface Executor {
  readonly graph: Graph;
  /** The graph outputs for one batch (one tensor per graph input, in order); the caller disposes them. */
  run(inputs: tf.Tensor | readonly tf.Tensor[], options?: RunOptions): tf.Tensor[];
  /** Frees the weight tensors. */
  dispose(): void;
}

/** An executor that can also compute a single node on given inputs (local, layer-by-layer analysis). */
export interface GraphExecutor extends Executor {
  /** One node's output for the given inputs, with this executor's weights and hooks; the caller disposes it. */
  applyNode(name: string, inputs: readonly tf.Tensor[]): tf.Tensor;
}

/**
 * An executor for `graph`: each run computes the nodes in order, frees every intermediate tensor as soon as its
 * last consumer has run (so streaming a data set never holds more than one batch's live activations), and hands
 * tapped outputs to `onTap`. Input shapes are checked against the graph's declared shapes.
 */
export function createExecutor(graph: Graph, hooks: ExecutorHooks = {}): GraphExecutor {
  const weights = new Map<string, NodeWeights>(graph.nodes.map((node) => [node.name, uploadWeights(node, hooks)]));
  const uses = new Map<string, number>();
  for (const node of graph.nodes) for (const i of node.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  let disposed = false;
  const compute = (node: GraphNode, args: readonly tf.Tensor[]) => tf.tidy(() => {
    const seen = hooks.nodeInput ? args.map((a, k) => hooks.nodeInput!(node, k, a)) : args;
    const raw = applyOp(node.op, seen, weights.get(node.name)!);
    return hooks.output ? hooks.output(node, raw) : raw;
  });
  return {
    graph,
    applyNode(name, inputs) {
      if (disposed) throw new Error(`applyNode: the executor of graph '${graph.name}' was disposed`);
      const node = requireNode(graph, name, 'applyNode');
      if (inputs.length !== node.inputs.length) throw new Error(`applyNode: layer '${name}' takes ${node.inputs.length} input(s), got ${inputs.length}`);
      return compute(node, inputs);
    },
    run(inputs, options = {}) {
      if (disposed) throw new Error(`run: the executor of graph '${graph.name}' was disposed`);
      const given = inputs instanceof tf.Tensor ? [inputs] : inputs;
      checkInputs(graph, given);
      const tapped = tapSet(graph, options.taps);
      const live = new Map<string, tf.Tensor>();
      const remaining = new Map(uses);
      const owned = new Set<tf.Tensor>();
      graph.inputs.forEach((input, k) => {
        const x = hooks.input ? tf.tidy(() => hooks.input!(input.name, given[k])) : given[k];
        if (x !== given[k]) owned.add(x);
        live.set(input.name, x);
      });
      const outputs = new Set(graph.outputs);
      try {
        for (const node of graph.nodes) {
          const args = node.inputs.map((name) => {
            const t = live.get(name);
            if (t === undefined) throw new Error(`run: node '${node.name}' reads '${name}', which no earlier node produced`);
            return t;
          });
          const reused = options.reuse?.get(node.name);
          const y = reused ?? compute(node, args);
          if (reused === undefined) owned.add(y);
          live.set(node.name, y);
          if (tapped.has(node.name)) options.onTap?.(node, y, args);
          for (const name of node.inputs) {
            const left = remaining.get(name)! - 1;
            remaining.set(name, left);
            const t = live.get(name)!;
            if (left === 0 && !outputs.has(name) && owned.has(t)) { t.dispose(); owned.delete(t); }
          }
        }
        return graph.outputs.map((name) => {
          const t = live.get(name)!;
          // A reused output still belongs to the caller of `reuse`; the run's caller gets its own copy.
          if (options.reuse?.get(name) === t) return tf.clone(t);
          owned.delete(t);
          return t;
        });
      } finally {
        for (const t of owned) t.dispose();
      }
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const w of weights.values()) tf.dispose(Object.values(w));
    },
  };
}

function uploadWeights(node: GraphNode, hooks: ExecutorHooks): NodeWeights {
  const out: Record<string, tf.Tensor> = {};
  for (const [param, w] of Object.entries(weightsOf(node.op))) {
    if (w === null) continue;
    const used = hooks.weight ? hooks.weight(node, param, w) : w;
    out[param] = tf.tensor(used.data, [...used.shape], 'float32');
  }
  return out;
}

/** The weight tensors of an op by parameter name (null for an absent bias). */
export function weightsOf(op: Op): Record<string, Weight | null> {
  switch (op.kind) {
    case 'conv2d':
    case 'depthwiseConv2d':
      return { filter: op.filter, bias: op.bias };
    case 'dense':
      return { kernel: op.kernel, bias: op.bias };
    case 'batchNorm':
      return { gamma: op.gamma, beta: op.beta, mean: op.mean, variance: op.variance };
    default:
      return {};
  }
}

/** Checks a batch against the graph's inputs: count, shape, dtype, and no NaN or Inf. Shared by every executor. */
export function checkInputs(graph: Graph, given: readonly tf.Tensor[]): void {
  if (given.length !== graph.inputs.length) {
    throw new Error(`run: graph '${graph.name}' takes ${graph.inputs.length} input(s) (${graph.inputs.map((i) => i.name).join(', ')}), got ${given.length}`);
  }
  graph.inputs.forEach((input, k) => {
    const shape = given[k].shape;
    const ok = shape.length === input.shape.length && input.shape.every((d, i) => d === null || d === shape[i]);
    if (!ok) {
      throw new Error(`run: input '${input.name}' of graph '${graph.name}' has shape [${shape.join(', ')}]; the model expects [${input.shape.map((d) => d ?? 'batch').join(', ')}]`);
    }
    if (given[k].dtype !== 'float32') throw new Error(`run: input '${input.name}' is ${given[k].dtype}; expected float32`);
    const poison = tf.tidy(() => tf.sum(tf.sub(given[k], given[k])));
    const finite = poison.dataSync()[0] === 0;
    poison.dispose();
    if (!finite) {
      const data = given[k].dataSync();
      const at = data.findIndex((v) => !Number.isFinite(v));
      throw new Error(`run: input '${input.name}' of graph '${graph.name}' holds ${data[at]} at flat index ${at}; inputs must be finite`);
    }
  });
}

/** The node names a run taps, resolving aliases; an unknown name throws with the list of layers. */
export function tapSet(graph: Graph, taps: RunOptions['taps']): Set<string> {
  if (taps === undefined) return new Set();
  if (taps === 'all') return new Set(graph.nodes.map((n) => n.name));
  return new Set(taps.map((name) => {
    return requireNode(graph, name, 'run (taps)').name;
  }));
}
