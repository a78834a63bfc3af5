import * as tf from '@tensorflow/tfjs-core';
import { createExecutor } from '../graph/execute';
import type { Graph, GraphNode, Weight } from '../graph/ir';
import { applyOp } from '../graph/ops';
import type { QuantPlan } from '../quant/plan';
import { precisionLookup, quantizeLayerWeight } from '../quant/plan_params';
import {
  contractInputChannels, isWeighted, producerOf, tapCoverage, tapValidity, tensorShapes, weightOf, type Weighted, type WeightedNode,
} from './layer_links';
import { activationClip, clippedNormalMean } from './normal_moments';

/** One corrected layer: the per-channel shift subtracted from its bias. */
export interface BiasCorrection {
  readonly layer: string;
  readonly correction: Float32Array;
}

/**
 * Empirical bias correction (Nagel et al. 2019, section 4.2): quantizing weights shifts each output channel's mean,
 * E[W~ x] - E[W x] = E[(W~ - W) x], which a bias absorbs. The shift is measured per output channel on the
 * calibration batches, before the activation, with float inputs and the plan's quantized weights, and subtracted
 * from the bias (a missing bias becomes one). Layers the plan keeps in float are left alone. Returns a new graph
 * and the corrections; one pass over the batches.
 */
export function correctBiasEmpirically(graph: Graph, plan: QuantPlan, batches: Iterable<tf.Tensor>): { graph: Graph; corrections: BiasCorrection[] } {
  const targets = quantizedLayers(graph, plan, 'correctBiasEmpirically');
  const tensors = new Map(targets.map(({ node, float, quant }) => [node.name, { float: tf.tensor(float.data, [...float.shape]), quant: tf.tensor(quant.data, [...quant.shape]) }]));
  const sums = new Map<string, Float64Array>();
  const counts = new Map<string, number>();
  const float = createExecutor(graph);
  try {
    let seen = 0;
    for (const x of batches) {
      seen++;
      tf.dispose(float.run(x, {
        taps: targets.map((t) => t.node.name),
        onTap: (node, _y, inputs) => {
          const t = tensors.get(node.name)!;
          const op = { ...(node.op as Weighted), activation: 'linear' as const, bias: null };
          const key = op.kind === 'dense' ? 'kernel' : 'filter';
          let positions = 0;
          const meanShift = tf.tidy(() => {
            const shift = tf.sub(applyOp(op, inputs!, { [key]: t.quant }), applyOp(op, inputs!, { [key]: t.float }));
            positions = shift.size / shift.shape[shift.rank - 1];
            return tf.sum(shift, Array.from({ length: shift.rank - 1 }, (_, i) => i));
          });
          const values = meanShift.dataSync();
          meanShift.dispose();
          const acc = sums.get(node.name) ?? new Float64Array(values.length);
          for (let c = 0; c < values.length; c++) acc[c] += values[c];
          sums.set(node.name, acc);
          counts.set(node.name, (counts.get(node.name) ?? 0) + positions);
        },
      }));
    }
    if (seen === 0) throw new Error(`correctBiasEmpirically: no calibration batches were given for graph '${graph.name}'`);
  } finally {
    float.dispose();
    for (const t of tensors.values()) tf.dispose([t.float, t.quant]);
  }
  return applyCorrections(graph, targets.map(({ node }) => ({ layer: node.name, correction: Float32Array.from(sums.get(node.name)!, (v) => v / counts.get(node.name)!) })));
}

/** A layer analytical bias correction left alone, and why. */
export interface SkippedLayer {
  readonly layer: string;
  readonly reason: string;
}

/**
 * Analytical bias correction (Nagel et al. 2019, section 4.2): the same shift E[(W~ - W) x] as the empirical one,
 * with E[x] computed from the batch-norm statistics folded into the layer that feeds x instead of from data. That
 * layer's pre-activation is taken as N(beta_i, gamma_i^2) per channel, so E[x_i] is that normal's mean after the
 * activation between them: beta_i (linear), the clipped normal mean beta Phi(beta/|gamma|) + |gamma| phi(beta/|gamma|)
 * (ReLU), or the doubly clipped one (ReLU6); see `clippedNormalMean`. Then per output channel o
 *   correction_o = sum over taps t and input channels i of coverage_t (W~ - W)[t, i, o] E[x_i],
 * subtracted from the bias. E[x_i] is the same at every position, but a window at the border reads zero padding
 * (the layer's 'same' padding or pad nodes) on some taps, so coverage_t is the fraction of output positions where
 * tap t reads a real pixel: the correction is the mean shift over positions, which is what the empirical correction
 * measures. Layers whose input has no such statistics (the graph input, an add, a pool, a concat, a layer without a
 * folded batch norm, an activation without a closed-form mean) are skipped and listed with the reason; layers the
 * plan keeps in float are left alone. Returns a new graph; the input is never mutated.
 */
export function correctBiasAnalytically(graph: Graph, plan: QuantPlan): { graph: Graph; corrections: BiasCorrection[]; skipped: SkippedLayer[] } {
  const skipped: SkippedLayer[] = [];
  const corrections: BiasCorrection[] = [];
  let shapes: Map<string, readonly number[]> | null = null;
  for (const { node, float, quant } of quantizedLayers(graph, plan, 'correctBiasAnalytically')) {
    const link = producerOf(graph, node);
    if (link.kind === 'none') { skipped.push({ layer: node.name, reason: link.reason }); continue; }
    const bn = link.producer.op.folded;
    if (!bn) { skipped.push({ layer: node.name, reason: `its input comes from ${link.producer.name}, which has no batch-norm statistics` }); continue; }
    const clip = activationClip(link.activation);
    if (!clip) { skipped.push({ layer: node.name, reason: `${link.activation} between ${link.producer.name} and it: no closed-form mean of a normal through it` }); continue; }
    const mean = Float64Array.from(bn.beta, (b, i) => clippedNormalMean(b, Math.abs(bn.gamma[i]), clip[0], clip[1]));
    let coverage: Float64Array | null = null;
    if (node.op.kind !== 'dense') {
      shapes ??= tensorShapes(graph);
      const [, height, width] = shapes.get(link.producer.name)!;
      coverage = tapCoverage(tapValidity(node.op, height, width, link.pads));
    }
    const delta = quant.data.map((q, k) => q - float.data[k]);
    corrections.push({ layer: node.name, correction: Float32Array.from(contractInputChannels(node.op, delta, mean, coverage)) });
  }
  return { ...applyCorrections(graph, corrections), skipped };
}

/** The layers a plan quantizes (int8 or int16), with their float weights and the plan's dequantized weights. */
function quantizedLayers(graph: Graph, plan: QuantPlan, fn: string): { node: WeightedNode; float: Weight; quant: Weight }[] {
  const precisionOf = precisionLookup(graph, plan, fn);
  return graph.nodes
    .filter((n): n is WeightedNode => isWeighted(n.op) && (precisionOf(n) === 'int8' || precisionOf(n) === 'int16'))
    .map((node) => {
      const float = weightOf(node.op);
      return { node, float, quant: quantizeLayerWeight(node, float, plan).dequantized };
    });
}

/** Subtracts each correction from its layer's bias (a missing bias becomes one). */
function applyCorrections(graph: Graph, corrections: BiasCorrection[]): { graph: Graph; corrections: BiasCorrection[] } {
  const byLayer = new Map(corrections.map((c) => [c.layer, c.correction]));
  const nodes = graph.nodes.map((node): GraphNode => {
    const correction = byLayer.get(node.name);
    if (!correction) return node;
    const op = node.op as Weighted;
    const bias = op.bias ? op.bias.data : new Float32Array(correction.length);
    return { ...node, op: { ...op, bias: { data: bias.map((b, c) => b - correction[c]), shape: [correction.length] } } };
  });
  return { graph: { ...graph, nodes }, corrections };
}
