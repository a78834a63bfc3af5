import type { Graph } from '../graph/ir';
import type { QParams } from '../qparams';
import { weightsOf } from '../graph/execute';
import type { QuantPlan } from '../quant/plan';
import { activationParamsLookup, precisionLookup, quantizeLayerWeight } from '../quant/plan_params';
import { writeFileAtomic } from './atomic_write';

/** One tensor's encoding; per-channel tensors carry arrays (one entry per channel along `axis`). */
export interface Encoding {
  readonly bits: number;
  readonly dtype: 'int';
  readonly is_symmetric: boolean;
  readonly scale: number | number[];
  readonly zero_point: number | number[];
  /** AIMET's convention: offset = -zero_point. */
  readonly offset: number | number[];
  readonly min: number | number[];
  readonly max: number | number[];
  readonly axis?: number;
}

/** The encodings file: every quantized activation by tensor name and every quantized weight by layer/param. */
export interface EncodingsFile {
  readonly version: 1;
  readonly model: string;
  readonly activation_encodings: Record<string, Encoding>;
  readonly param_encodings: Record<string, Encoding>;
  /** Layers kept out of integer precision, with theirs. */
  readonly layer_precision: Record<string, string>;
}

/**
 * The plan's quantization parameters in the shape AIMET and QNN tools read: per tensor bits, scale, zero point and
 * offset (= -zero point), and the real range [scale * (qmin - zp), scale * (qmax - zp)] the grid covers. Weights
 * are listed as "<layer>/<param>" with per-channel arrays along the output-channel axis. Only int8 layers appear
 * (int16 activations as 16-bit); float and fp16 layers are listed in `layer_precision`.
 */
export function buildEncodings(graph: Graph, plan: QuantPlan): EncodingsFile {
  const precisionOf = precisionLookup(graph, plan, 'buildEncodings');
  const activationParams = activationParamsLookup(graph, plan, 'buildEncodings');
  const activations: Record<string, Encoding> = {};
  const params: Record<string, Encoding> = {};
  const precisions: Record<string, string> = {};
  for (const node of graph.nodes) {
    const precision = precisionOf(node);
    if (precision !== 'int8' && precision !== 'int16') {
      precisions[node.name] = precision;
      continue;
    }
    for (const tensor of [...node.inputs, node.name]) {
      if (!activations[tensor]) activations[tensor] = encoding(activationParams(tensor, precision), precision === 'int8' ? 8 : 16, precision === 'int16');
    }
    for (const [param, w] of Object.entries(weightsOf(node.op))) {
      if (w === null || (param !== 'filter' && param !== 'kernel')) continue;
      const { qp } = quantizeLayerWeight(node, w, plan);
      params[`${node.name}/${param}`] = encoding(qp, plan.weightBits ?? 8, plan.weightSymmetric ?? true);
    }
  }
  return { version: 1, model: graph.name, activation_encodings: activations, param_encodings: params, layer_precision: precisions };
}

/** {@link buildEncodings} written atomically as pretty JSON. */
export function writeEncodings(file: string, graph: Graph, plan: QuantPlan): void {
  writeFileAtomic(file, `${JSON.stringify(buildEncodings(graph, plan), null, 1)}\n`);
}

function encoding(qp: QParams, bits: number, symmetric: boolean): Encoding {
  const lo = (s: number, z: number) => Math.fround(s * (qp.qmin - z));
  const hi = (s: number, z: number) => Math.fround(s * (qp.qmax - z));
  if (qp.kind === 'per-tensor') {
    return { bits, dtype: 'int', is_symmetric: symmetric, scale: qp.scale, zero_point: qp.zeroPoint, offset: -qp.zeroPoint, min: lo(qp.scale, qp.zeroPoint), max: hi(qp.scale, qp.zeroPoint) };
  }
  const scale = Array.from(qp.scale);
  const zero = Array.from(qp.zeroPoint);
  return {
    bits, dtype: 'int', is_symmetric: symmetric, axis: -1, scale, zero_point: zero, offset: zero.map((z) => -z),
    min: scale.map((s, c) => lo(s, zero[c])), max: scale.map((s, c) => hi(s, zero[c])),
  };
}
