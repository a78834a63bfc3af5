import * as tf from '@tensorflow/tfjs-core';
// tfjs-layers registers tfjs-core's gradient functions (the CommonJS tfjs-core bundle does not).
import '@tensorflow/tfjs-layers';
import { fp16RoundTrip } from '../fp16';
import { weightsOf } from '../graph/execute';
import type { Graph, GraphNode, Op, Weight } from '../graph/ir';
import { applyOp, type NodeWeights } from '../graph/ops';
import { fakeQuantHooks } from '../quant/fake_quant_executor';
import type { QuantPlan } from '../quant/plan';
import { fakeQuantizeSte, straightThrough } from '../quant/ste';

/** What a forward pass returns: the model's output, or the values a cross-entropy loss reads (see {@link QatModel}). */
export type QatForwardMode = 'output' | 'logits';

/**
 * A graph turned into a trainable fake-quant model: every weight is a tf.Variable, and the forward pass is the
 * plan's fake-quant model with straight-through gradients.
 */
export interface QatModel {
  /** The trainable variables (every weight except batch-norm statistics). */
  readonly variables: readonly tf.Variable[];
  /**
   * 'output': what createFakeQuantExecutor computes for the same graph and plan. 'logits': the same model up to
   * the final softmax, whose input is returned instead (a cross-entropy on logits keeps its gradient where a
   * quantized probability is 0); a model without a final softmax returns its output. Call it inside tf.tidy or a
   * gradient scope: intermediate tensors are left to the enclosing scope.
   */
  forward(x: tf.Tensor, mode: QatForwardMode): tf.Tensor;
  /** The graph with the variables' current values as its float weights (copies). */
  snapshot(): Graph;
  /** Frees the variables. */
  dispose(): void;
}

interface Param {
  readonly param: string;
  readonly shape: readonly number[];
  readonly variable: tf.Variable;
}

/**
 * The trainable fake-quant model of `graph` under `plan`. The forward pass uses the fake-quant executor's own hooks
 * (fakeQuantHooks) and the graph's op implementations (applyOp), so the two cannot disagree: on each call every
 * weight is quantized by the plan from the variable's current value (per-channel or per-tensor min/max, the plan's
 * bits and symmetry, the bias at input scale x weight scale), and every activation is fake-quantized at the plan's
 * fixed ranges. Gradients are straight-through: activations use the clipped estimator (fakeQuantizeSte, zero where
 * the range clamps); weights and biases pass the gradient unchanged, because a weight's range is its own min/max,
 * so none of its codes is ever clamped. fn names the caller in errors.
 */
export function createQatModel(graph: Graph, plan: QuantPlan, fn: string): QatModel {
  const hooks = fakeQuantHooks(graph, plan, fn, {
    fakeQuantize: fakeQuantizeSte,
    fp16RoundTrip: (x) => straightThrough(x, fp16RoundTrip),
  });
  const params = new Map<string, Param[]>(graph.nodes.map((node) => [node.name, Object.entries(weightsOf(node.op)).flatMap(([param, w]) =>
    w === null ? [] : [{ param, shape: w.shape, variable: upload(w, isTrainable(node.op, param)) }])]));
  const variables = [...params.values()].flat().map((p) => p.variable);
  const output = graph.nodes.find((n) => n.name === graph.outputs[0]);

  const quantizedWeights = (node: GraphNode): NodeWeights => {
    const out: Record<string, tf.Tensor> = {};
    for (const { param, shape, variable } of params.get(node.name)!) {
      const current: Weight = { data: variable.dataSync() as Float32Array, shape };
      const used = hooks.weight!(node, param, current);
      out[param] = used === current ? variable : straightThrough(variable, () => tf.tensor(used.data, [...used.shape], 'float32'));
    }
    return out;
  };

  return {
    variables: variables.filter((v) => v.trainable),
    forward(x, mode) {
      const live = new Map<string, tf.Tensor>([[graph.inputs[0].name, x]]);
      for (const node of graph.nodes) {
        const args = node.inputs.map((name, k) => hooks.nodeInput!(node, k, live.get(name)!));
        if (mode === 'logits' && node === output && endsInSoftmax(node.op)) {
          return node.op.kind === 'activation' ? args[0] : applyOp({ ...node.op, activation: 'linear' } as Op, args, quantizedWeights(node));
        }
        live.set(node.name, hooks.output!(node, applyOp(node.op, args, quantizedWeights(node))));
      }
      return live.get(graph.outputs[0])!;
    },
    snapshot() {
      const nodes = graph.nodes.map((node): GraphNode => {
        const own = params.get(node.name)!;
        if (own.length === 0) return node;
        const values = Object.fromEntries(own.map(({ param, shape, variable }) => [param, { data: Float32Array.from(variable.dataSync()), shape }]));
        return { ...node, op: { ...node.op, ...values } as Op };
      });
      return { ...graph, nodes };
    },
    dispose() {
      tf.dispose(variables);
    },
  };
}

/** A variable holding w; the tensor it starts from is freed (the variable shares its data). */
function upload(w: Weight, trainable: boolean): tf.Variable {
  const initial = tf.tensor(w.data, [...w.shape], 'float32');
  const variable = tf.variable(initial, trainable);
  initial.dispose();
  return variable;
}

/** Batch-norm statistics stay what the float model measured; everything else learns. */
function isTrainable(op: Op, param: string): boolean {
  return !(op.kind === 'batchNorm' && (param === 'mean' || param === 'variance'));
}

function endsInSoftmax(op: Op): boolean {
  return op.kind === 'activation' ? op.fn === 'softmax' : 'activation' in op && op.activation === 'softmax';
}
