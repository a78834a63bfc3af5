import { check } from '../errors';
import type { Graph } from '../graph/ir';
import { equalizationPairs, rescaleChannels } from './equalize';

/**
 * The opposite of equalization, to demonstrate what it repairs: a copy of `graph` in which every depthwise -> conv
 * pair that equalization could handle has its depthwise output channel i multiplied by f_i and the conv's input
 * channel i divided by f_i, with f_i = spread^(frac(i * golden ratio) - 1/2) spread evenly in log scale over
 * [1 / sqrt(spread), sqrt(spread)] (a max/min ratio close to `spread`). This is what batch-norm folding does to
 * real MobileNets, whose depthwise channels end up with very different scales. Batch-norm statistics are
 * rescaled with the channels.
 *
 * The float function is unchanged for ReLU and linear pairs. A ReLU6 between them is replaced by a ReLU (a rescaled
 * channel's clip would have to move), as `equalizeCrossLayer` does with relu6: 'as-relu': the copy then computes
 * what the graph with those ReLU6 made ReLUs computes. Returns the copy and the pairs rescaled.
 */
export function imbalanceDepthwiseChannels(graph: Graph, spread: number): { graph: Graph; pairs: [string, string][] } {
  check(Number.isFinite(spread) && spread >= 1, 'imbalanceDepthwiseChannels', 'spread', spread, 'a finite ratio >= 1');
  const golden = (Math.sqrt(5) - 1) / 2;
  const pairs = equalizationPairs(graph, 'as-relu').candidates
    .filter(([first]) => graph.nodes.find((n) => n.name === first)!.op.kind === 'depthwiseConv2d');
  const nodes = graph.nodes.map((n) => n);
  const index = new Map(nodes.map((n, i) => [n.name, i]));
  for (const [a, b] of pairs) {
    const first = nodes[index.get(a)!];
    const channels = (first.op as { filter: { shape: readonly number[] } }).filter.shape[2];
    // rescaleChannels divides the first layer's channel by s_i: s_i = 1 / f_i multiplies it by f_i.
    const s = Float32Array.from({ length: channels }, (_, i) => spread ** (0.5 - ((i * golden) % 1)));
    [nodes[index.get(a)!], nodes[index.get(b)!]] = rescaleChannels(first, nodes[index.get(b)!], s, true);
  }
  return { graph: { ...graph, name: `${graph.name}-imbalanced`, nodes }, pairs };
}
