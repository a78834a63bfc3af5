import type { FoldedBatchNorm, Graph, GraphNode, Op, Weight } from '../graph/ir';
import { producerOf, readerCounts, type Weighted } from './layer_links';

type ConvLike = Extract<Op, { kind: 'conv2d' | 'depthwiseConv2d' }>;

/** One equalized pair: per-channel weight ranges of both layers before and after, and the scales applied. */
export interface EqualizedPair {
  readonly first: string;
  readonly second: string;
  /** s_i: layer one's output channel i was divided by it, layer two's input channel i multiplied. */
  readonly scales: Float32Array;
  readonly before: { readonly first: Float32Array; readonly second: Float32Array };
  readonly after: { readonly first: Float32Array; readonly second: Float32Array };
}

/** A pair that was left alone, and why. */
export interface SkippedPair {
  readonly first: string;
  readonly second: string;
  readonly reason: string;
}

export interface EqualizationResult {
  readonly graph: Graph;
  readonly pairs: readonly EqualizedPair[];
  readonly skipped: readonly SkippedPair[];
}

/**
 * Cross-layer equalization (Nagel et al. 2019, "Data-Free Quantization"): for consecutive layers W1 -> act -> W2
 * where act is positively homogeneous (linear or ReLU: f(x / s) = f(x) / s for s > 0), scale output channel i of
 * W1 (and its bias) by 1 / s_i and input channel i of W2 by s_i, with
 *   s_i = sqrt(r1_i / r2_i),   r1_i = max |W1[..., i]|,   r2_i = max |W2[..., i, ...]|,
 * which leaves the float function unchanged and makes both ranges sqrt(r1_i r2_i): per-tensor quantization then
 * wastes no grid on one channel's outlier range. Pairs are conv -> conv, conv -> depthwise and depthwise -> conv
 * (a depthwise layer's channel is both its input and its output channel, so a conv -> depthwise -> conv chain is
 * equalized pair by pair, `iterations` sweeps, as in the paper), also when zero-padding nodes sit between them. A
 * folded batch norm's beta and gamma are rescaled with its channel, so the statistics stay those of the new layer.
 *
 * ReLU6 is not positively homogeneous: relu6(x / s) = min(max(x / s, 0), 6) is not relu6(x) / s when s != 1, as
 * the clip at 6 moves to 6 s. By default such pairs are skipped and listed with that reason; `relu6: 'as-relu'`
 * equalizes them anyway, replacing the clip with a plain ReLU (what the paper did for MobileNetV2), and the result
 * says so. A layer with another consumer, or a channel whose range is 0 in either layer, is left alone.
 * Returns a new graph; the input is never mutated.
 */
export function equalizeCrossLayer(graph: Graph, options: { iterations?: number; relu6?: 'skip' | 'as-relu' } = {}): EqualizationResult {
  const iterations = options.iterations ?? 20;
  const relu6 = options.relu6 ?? 'skip';
  const nodes = graph.nodes.map((n) => n);
  const index = new Map(nodes.map((n, i) => [n.name, i]));
  const { candidates, skipped } = equalizationPairs(graph, relu6);
  const initial = new Map<string, { first: Float32Array; second: Float32Array }>();
  const total = new Map<string, Float32Array>();
  for (let sweep = 0; sweep < iterations; sweep++) {
    for (const [a, b] of candidates) {
      const first = nodes[index.get(a)!];
      const second = nodes[index.get(b)!];
      const r1 = outputRanges(first.op as ConvLike);
      const r2 = inputRanges(second.op as ConvLike);
      const key = `${a}->${b}`;
      if (!initial.has(key)) initial.set(key, { first: r1, second: r2 });
      const s = new Float32Array(r1.length);
      for (let i = 0; i < s.length; i++) s[i] = r1[i] > 0 && r2[i] > 0 ? Math.sqrt(r1[i] / r2[i]) : 1;
      const acc = total.get(key) ?? new Float32Array(s.length).fill(1);
      total.set(key, acc.map((v, i) => v * s[i]));
      [nodes[index.get(a)!], nodes[index.get(b)!]] = rescaleChannels(first, second, s, relu6 === 'as-relu');
    }
  }
  const pairs = candidates.map(([a, b]): EqualizedPair => ({
    first: a, second: b, scales: total.get(`${a}->${b}`)!, before: initial.get(`${a}->${b}`)!,
    after: { first: outputRanges(nodes[index.get(a)!].op as ConvLike), second: inputRanges(nodes[index.get(b)!].op as ConvLike) },
  }));
  return { graph: { ...graph, nodes }, pairs, skipped };
}

/**
 * The pairs cross-layer equalization may rescale, as [first, second] names, and the ones it must leave alone with
 * the reason. The second layer may read the first through zero-padding nodes (padding commutes with the scaling:
 * pad(x / s) = pad(x) / s); the first layer and those nodes must have no other reader.
 */
export function equalizationPairs(graph: Graph, relu6: 'skip' | 'as-relu'): { candidates: [string, string][]; skipped: SkippedPair[] } {
  const readers = readerCounts(graph);
  const candidates: [string, string][] = [];
  const skipped: SkippedPair[] = [];
  for (const second of graph.nodes) {
    if (!isConv(second.op)) continue;
    const link = producerOf(graph, second);
    if (link.kind === 'none' || !isConv(link.producer.op) || link.between.some((n) => n.op.kind !== 'pad')) continue;
    const first = link.producer;
    if (first.op.kind === 'depthwiseConv2d' && second.op.kind === 'depthwiseConv2d') continue;
    if ([first, ...link.between].some((n) => readers.get(n.name) !== 1)) { skipped.push({ first: first.name, second: second.name, reason: `${first.name} has other consumers` }); continue; }
    const act = first.op.activation;
    if (act === 'relu6' && relu6 === 'skip') {
      skipped.push({ first: first.name, second: second.name, reason: 'ReLU6 between them: relu6(x / s) != relu6(x) / s, the clip at 6 would move to 6 s; pass relu6: "as-relu" to equalize with a plain ReLU' });
      continue;
    }
    if (act !== 'linear' && act !== 'relu' && act !== 'relu6') { skipped.push({ first: first.name, second: second.name, reason: `${act} is not positively homogeneous` }); continue; }
    candidates.push([first.name, second.name]);
  }
  return { candidates, skipped };
}

/**
 * Divides output channel i of `first` (weights, bias, and its folded batch norm's statistics) by s_i and multiplies
 * input channel i of `second` by s_i: for a positively homogeneous activation between them the float function is
 * unchanged. `relu6AsRelu` replaces a ReLU6 on `first` with a ReLU. Returns the two new nodes.
 */
export function rescaleChannels(first: GraphNode, second: GraphNode, s: Float32Array, relu6AsRelu: boolean): [GraphNode, GraphNode] {
  return [{ ...first, op: scaleOutputs(first.op as ConvLike, s, relu6AsRelu) }, { ...second, op: scaleInputs(second.op as ConvLike, s) }];
}

function isConv(op: Op): op is ConvLike {
  return op.kind === 'conv2d' || op.kind === 'depthwiseConv2d';
}

/** max |W| per output channel: conv [kh, kw, in, out] and dense [in, out] -> out; depthwise [kh, kw, C, M] -> C * M. */
export function outputRanges(op: Weighted): Float32Array {
  const w = op.kind === 'dense' ? op.kernel : op.filter;
  const channels = op.kind === 'depthwiseConv2d' ? w.shape[2] * w.shape[3] : w.shape[w.shape.length - 1];
  const r = new Float32Array(channels);
  for (let k = 0; k < w.data.length; k++) r[k % channels] = Math.max(r[k % channels], Math.abs(w.data[k]));
  return r;
}

/** max |W| per input channel: conv -> in (axis 2); depthwise -> its channel. */
export function inputRanges(op: ConvLike): Float32Array {
  if (op.kind === 'depthwiseConv2d') return outputRanges(op);
  const w = op.filter;
  const [, , inC, outC] = w.shape;
  const r = new Float32Array(inC);
  for (let k = 0; k < w.data.length; k++) {
    const i = Math.floor(k / outC) % inC;
    r[i] = Math.max(r[i], Math.abs(w.data[k]));
  }
  return r;
}

function scaleOutputs(op: ConvLike, s: Float32Array, relu6AsRelu: boolean): ConvLike {
  if (op.kind === 'depthwiseConv2d' && op.filter.shape[3] !== 1) throw new Error('equalizeCrossLayer: depthwise layers with a channel multiplier are not equalized');
  const channels = s.length;
  const filter: Weight = { data: op.filter.data.map((v, k) => v / s[k % channels]), shape: op.filter.shape };
  const bias = op.bias ? { data: op.bias.data.map((v, i) => v / s[i]), shape: op.bias.shape } : null;
  const activation = op.activation === 'relu6' && relu6AsRelu ? 'relu' : op.activation;
  return { ...op, filter, bias, activation, folded: op.folded && scaleFolded(op.folded, s) };
}

/**
 * The folded batch norm's output, the pre-activation N(beta, gamma^2), scales with the channel: beta and gamma (and
 * the folding factor gamma / sqrt(variance + epsilon)) divide by s_i, so high-bias absorption and analytical bias
 * correction read the equalized distribution. mean and variance describe the conv's raw output, which is unchanged.
 */
function scaleFolded(bn: FoldedBatchNorm, s: Float32Array): FoldedBatchNorm {
  const div = (v: Float32Array) => v.map((x, i) => x / s[i]);
  return { ...bn, gamma: div(bn.gamma), beta: div(bn.beta), factor: div(bn.factor) };
}

function scaleInputs(op: ConvLike, s: Float32Array): ConvLike {
  const w = op.filter;
  if (op.kind === 'depthwiseConv2d') {
    // The depthwise channel is scaled on its input; its bias is untouched (the output scale is the next pair's job).
    return { ...op, filter: { data: w.data.map((v, k) => v * s[k % s.length]), shape: w.shape } };
  }
  const [, , inC, outC] = w.shape;
  return { ...op, filter: { data: w.data.map((v, k) => v * s[Math.floor(k / outC) % inC]), shape: w.shape } };
}

