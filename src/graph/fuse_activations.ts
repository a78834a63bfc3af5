import { absorbIntoProducers } from './absorb';
import type { Graph } from './ir';

/**
 * Fuses a standalone ReLU or ReLU6 layer into the conv2d, depthwise conv2d or dense before it when that layer has a
 * linear activation and no other consumer: TFLite and ONNX Runtime fuse these too, so the device never quantizes
 * the pre-activation tensor, and a simulation that did would add error the device does not have. The fused node
 * keeps the conv's name and lists the activation layer's name in `aliases`. Returns a new graph.
 */
export function fuseActivations(graph: Graph): Graph {
  return absorbIntoProducers(graph, (node, producer) => {
    const act = node.op;
    const op = producer.op;
    if (act.kind !== 'activation' || (act.fn !== 'relu' && act.fn !== 'relu6')) return null;
    if ((op.kind !== 'conv2d' && op.kind !== 'depthwiseConv2d' && op.kind !== 'dense') || op.activation !== 'linear') return null;
    return { ...op, activation: act.fn };
  });
}
