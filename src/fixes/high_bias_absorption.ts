import type { ActivationFn, Graph, GraphNode } from '../graph/ir';
import type { Range } from '../range';
import type { SkippedPair } from './equalize';
import {
  contractInputChannels, producerOf, readerCounts, tapValidity, tensorShapes, weightOf, isWeighted,
  type ProducerLink, type Weighted, type WeightedNode,
} from './layer_links';

/** One absorption: what moved from the producer's bias into the consumer's, and what that did. */
export interface AbsorbedPair {
  readonly producer: string;
  readonly consumer: string;
  /** c_i = max(0, beta_i - 3 |gamma_i|): subtracted from the producer's bias, W2 . c added to the consumer's. */
  readonly absorbed: Float32Array;
  /**
   * The producer's output range (after its activation) that its batch-norm statistics predict: the union over
   * channels of act(beta_i -+ 3 |gamma_i|), before and after.
   */
  readonly range: { readonly before: Range; readonly after: Range };
  /**
   * The exact change the absorption makes to the consumer's outputs, |sum over padded taps of W2[tap, i, o] c_i|,
   * as the mean and the largest value over every output position and channel; 0 without padding. See
   * `absorbHighBias`.
   */
  readonly paddingShift: { readonly meanAbs: number; readonly maxAbs: number };
}

export interface HighBiasAbsorptionResult {
  readonly graph: Graph;
  readonly pairs: readonly AbsorbedPair[];
  readonly skipped: readonly SkippedPair[];
}

/**
 * High-bias absorption (Nagel et al. 2019, section 4.1). For a producer -> act -> consumer pair whose producer keeps
 * folded batch-norm statistics, its pre-activation y_i is taken as N(beta_i, gamma_i^2), and
 *   c_i = max(0, beta_i - 3 |gamma_i|)
 * is moved out of it: the producer's bias (and its statistics' beta) lose c, the consumer's bias gains W2 . c
 * (a conv's sums over the kernel taps and input channel i, a depthwise's over its taps, a dense's over i). With a
 * ReLU, relu(y - c) = relu(y) - c wherever y >= c, which the statistics make nearly everywhere (99.87% per channel
 * if y is normal); with no activation the move is exact everywhere. The producer's output range shrinks by c, so
 * an activation grid spends less of itself on an offset the next layer could add back.
 *
 * Padding: a window that reads zero padding (the consumer's 'same' padding, or pad nodes between) saw 0 there before
 * and still sees 0, not -c, so it gains sum over its padded taps of W2[tap, i, o] c_i. A bias is one value per
 * channel and cannot be right both inside and at the border; this keeps the interior exact (the paper's choice) and
 * reports the border's shift, which is deterministic, in `paddingShift` (the mean and the largest over positions).
 *
 * ReLU6 pairs are skipped: relu6(y - c) differs from relu6(y) - c wherever y > 6 (the clip would have to move to
 * 6 - c_i per channel, which no activation in the IR expresses). Equalizing with relu6: 'as-relu' first makes them
 * ReLUs. Skipped too, with the reason: other activations, producers without batch-norm statistics, producers (or
 * pad/activation nodes between) with other readers. Returns a new graph; the input is never mutated.
 */
export function absorbHighBias(graph: Graph): HighBiasAbsorptionResult {
  const nodes = graph.nodes.map((n) => n);
  const index = new Map(nodes.map((n, i) => [n.name, i]));
  const readers = readerCounts(graph);
  const pairs: AbsorbedPair[] = [];
  const skipped: SkippedPair[] = [];
  let shapes: Map<string, readonly number[]> | null = null;
  for (const node of graph.nodes) {
    if (!isWeighted(node.op)) continue;
    const link = producerOf(graph, node);
    if (link.kind === 'none') continue;
    const skip = reasonToSkip(link, node, readers);
    if (skip) { skipped.push({ first: link.producer.name, second: node.name, reason: skip }); continue; }
    const producer = nodes[index.get(link.producer.name)!] as WeightedNode;
    const consumer = nodes[index.get(node.name)!] as WeightedNode;
    const bn = producer.op.folded!;
    const c = bn.beta.map((b, i) => Math.max(0, b - 3 * Math.abs(bn.gamma[i])));
    const added = contractInputChannels(consumer.op, weightOf(consumer.op).data, c, null);
    const beta = bn.beta.map((b, i) => b - c[i]);
    nodes[index.get(producer.name)!] = { ...producer, op: { ...producer.op, bias: addToBias(producer.op, c, -1), folded: { ...bn, beta } } };
    nodes[index.get(consumer.name)!] = { ...consumer, op: { ...consumer.op, bias: addToBias(consumer.op, added, 1) } };
    if (consumer.op.kind !== 'dense' && !shapes) shapes = tensorShapes(graph);
    pairs.push({
      producer: producer.name, consumer: consumer.name, absorbed: c,
      range: { before: predictedRange(bn.beta, bn.gamma, link.activation), after: predictedRange(beta, bn.gamma, link.activation) },
      paddingShift: consumer.op.kind === 'dense' ? { meanAbs: 0, maxAbs: 0 } : paddingShift(consumer.op, c, shapes!.get(producer.name)!, link),
    });
  }
  return { graph: { ...graph, nodes }, pairs, skipped };
}

function reasonToSkip(link: ProducerLink, consumer: GraphNode, readers: ReadonlyMap<string, number>): string | null {
  const { producer, activation } = link;
  if (!producer.op.folded) return `${producer.name} has no batch-norm statistics`;
  if (activation === 'relu6') return 'ReLU6 between them: relu6(y - c) != relu6(y) - c where y > 6 (the clip would move to 6 - c per channel); equalize with relu6: "as-relu" first';
  if (activation !== 'relu' && activation !== 'linear') return `${activation} between them: only ReLU and linear let a bias pass through`;
  const busy = [producer, ...link.between].find((n) => readers.get(n.name) !== 1);
  if (busy) return `${busy.name} has other readers`;
  const inputs = consumer.op.kind === 'dense' ? consumer.op.kernel.shape[0] : weightOf(consumer.op as Weighted).shape[2];
  if (inputs !== producer.op.folded.beta.length) return `${consumer.name} reads ${inputs} channels; ${producer.name} produces ${producer.op.folded.beta.length}`;
  return null;
}

function addToBias(op: Weighted, v: ArrayLike<number>, sign: 1 | -1) {
  const data = Float32Array.from({ length: v.length }, (_, i) => (op.bias ? op.bias.data[i] : 0) + sign * v[i]);
  return { data, shape: [v.length] };
}

function predictedRange(beta: Float32Array, gamma: Float32Array, activation: ActivationFn): Range {
  const act = (y: number) => (activation === 'relu' ? Math.max(0, y) : y);
  let min = Infinity;
  let max = -Infinity;
  beta.forEach((b, i) => {
    min = Math.min(min, act(b - 3 * Math.abs(gamma[i])));
    max = Math.max(max, act(b + 3 * Math.abs(gamma[i])));
  });
  return { min, max };
}

function paddingShift(op: Extract<Weighted, { kind: 'conv2d' | 'depthwiseConv2d' }>, c: Float32Array, producerShape: readonly number[], link: ProducerLink): AbsorbedPair['paddingShift'] {
  const { rows, cols } = tapValidity(op, producerShape[1], producerShape[2], link.pads);
  const [kh, kw] = op.filter.shape;
  const perTap = Array.from({ length: kh * kw }, (_, t) => contractInputChannels(op, op.filter.data, c, Float64Array.from({ length: kh * kw }, (_, u) => (u === t ? 1 : 0))));
  const outC = perTap[0].length;
  let sum = 0;
  let max = 0;
  const shift = new Float64Array(outC);
  for (const rowTaps of rows) {
    for (const colTaps of cols) {
      shift.fill(0);
      for (let t = 0; t < kh * kw; t++) {
        if (rowTaps[Math.floor(t / kw)] && colTaps[t % kw]) continue;
        for (let o = 0; o < outC; o++) shift[o] += perTap[t][o];
      }
      for (let o = 0; o < outC; o++) {
        sum += Math.abs(shift[o]);
        max = Math.max(max, Math.abs(shift[o]));
      }
    }
  }
  return { meanAbs: sum / (rows.length * cols.length * outC), maxAbs: max };
}
