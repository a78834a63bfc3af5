import { absorbIntoProducers } from './absorb';
import type { FoldedBatchNorm, Graph, Op, Weight } from './ir';

/**
 * Folds every batch norm that directly follows a conv2d, depthwise conv2d or dense with a linear activation and no
 * other consumer, as deployment runtimes (TFLite, ONNX Runtime) do before quantizing:
 *   factor_c = gamma_c / sqrt(variance_c + epsilon)
 *   W'[..., c] = W[..., c] * factor_c
 *   b'_c = (b_c - mean_c) * factor_c + beta_c
 * The folded node keeps the conv's name, lists the batch norm's name in `aliases` (so taps and reports by either
 * name work), and records the statistics and factors in `folded` for analysis. Returns a new graph; batch norms
 * that cannot fold (after a nonlinearity, or after a layer with other consumers) stay as they are.
 */
export function foldBatchNorms(graph: Graph): Graph {
  return absorbIntoProducers(graph, (bn, producer) => {
    const op = producer.op;
    if (bn.op.kind !== 'batchNorm') return null;
    if ((op.kind !== 'conv2d' && op.kind !== 'depthwiseConv2d' && op.kind !== 'dense') || op.activation !== 'linear' || op.folded) return null;
    return fold(op, bn.name, bn.op);
  });
}

type Foldable = Extract<Op, { kind: 'conv2d' | 'depthwiseConv2d' | 'dense' }>;

function fold(op: Foldable, bnName: string, bn: Extract<Op, { kind: 'batchNorm' }>): Foldable {
  const channels = bn.mean.data.length;
  const factor = new Float32Array(channels);
  for (let c = 0; c < channels; c++) factor[c] = bn.gamma.data[c] / Math.sqrt(bn.variance.data[c] + bn.epsilon);
  const w = op.kind === 'dense' ? op.kernel : op.filter;
  // Every weight layout here has the output channel innermost: conv [kh, kw, in, out], dense [in, out], and
  // depthwise [kh, kw, in, multiplier] whose output channel in * multiplier + m is the flattened last two axes.
  const outChannels = op.kind === 'depthwiseConv2d' ? w.shape[2] * w.shape[3] : w.shape[w.shape.length - 1];
  if (outChannels !== channels) {
    throw new Error(`foldBatchNorms: batch norm '${bnName}' has ${channels} channels but the layer before it produces ${outChannels}`);
  }
  const data = new Float32Array(w.data.length);
  for (let i = 0; i < data.length; i++) data[i] = w.data[i] * factor[i % channels];
  const bias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const b = op.bias ? op.bias.data[c] : 0;
    bias[c] = (b - bn.mean.data[c]) * factor[c] + bn.beta.data[c];
  }
  const folded: FoldedBatchNorm = {
    name: bnName, gamma: bn.gamma.data, beta: bn.beta.data, mean: bn.mean.data, variance: bn.variance.data, epsilon: bn.epsilon, factor,
  };
  const weight: Weight = { data, shape: w.shape };
  const biasWeight: Weight = { data: bias, shape: [channels] };
  return op.kind === 'dense'
    ? { ...op, kernel: weight, bias: biasWeight, folded }
    : { ...op, filter: weight, bias: biasWeight, folded };
}
