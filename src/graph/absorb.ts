import type { Graph, GraphNode, Op } from './ir';

/**
 * The shared shape of graph fusions: a single-input node is absorbed into the node producing its input when that
 * producer has no other reader and `absorb` returns the producer's new op (null: leave both alone). The merged node
 * keeps the producer's name and adds the absorbed node's name (and aliases) to its aliases; readers of the absorbed
 * node are rewired to it. Returns a new graph; nodes are never mutated.
 */
export function absorbIntoProducers(graph: Graph, absorb: (node: GraphNode, producer: GraphNode) => Op | null): Graph {
  const readers = new Map<string, number>();
  for (const n of graph.nodes) for (const i of n.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  for (const o of graph.outputs) readers.set(o, (readers.get(o) ?? 0) + 1);
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const merged = new Map<string, GraphNode>();
  const removed = new Map<string, string>();
  for (const node of graph.nodes) {
    if (node.inputs.length !== 1) continue;
    const producer = merged.get(node.inputs[0]) ?? byName.get(node.inputs[0]);
    if (!producer || readers.get(producer.name) !== 1 || removed.has(producer.name)) continue;
    const op = absorb(node, producer);
    if (op === null) continue;
    merged.set(producer.name, { ...producer, op, aliases: [...producer.aliases, node.name, ...node.aliases] });
    removed.set(node.name, producer.name);
    // The merged node now has the absorbed node's readers.
    readers.set(producer.name, readers.get(node.name) ?? 0);
  }
  const rename = (name: string) => removed.get(name) ?? name;
  const nodes = graph.nodes
    .filter((n) => !removed.has(n.name))
    .map((n) => merged.get(n.name) ?? n)
    .map((n) => (n.inputs.some((i) => removed.has(i)) ? { ...n, inputs: n.inputs.map(rename) } : n));
  return { ...graph, nodes, outputs: graph.outputs.map(rename) };
}
