import type { GraphNode, OpKind } from '../../graph/ir';
import type { TensorQParams } from '../../qparams';
import type { LayerPrecision } from '../plan';
import { CLAMP_ACTIVATIONS, type IntegerProfile } from './linear_layer';
import { tfliteAddSupported } from './ops_codes';

/**
 * How the integer executor computes one node:
 * - 'integer'        an integer kernel on codes (conv/depthwise/dense with requantization and ReLU/ReLU6 clamps,
 *                    add, mul, concat, pooling)
 * - 'integer+float'  integer accumulation, then a float epilogue for a fused activation that is not a clamp
 *                    (sigmoid, tanh, swish, hard_swish, softmax): the plan has no range for the pre-activation
 * - 'lut'            a lookup table over every input code, built in float (elementwise activations, unfolded
 *                    batch norm per channel), as TFLite's and ORT's int8 LUT kernels do
 * - 'codes'          moves codes without arithmetic (pad with the zero point, flatten, reshape, transpose, identity)
 * - 'float-fallback' an integer-precision node with no integer kernel here: dequantized inputs, the float op, the
 *                    output quantized to its grid (the fake-quant executor's arithmetic for that node)
 * - 'float' / 'fp16' the plan keeps the node in float32 / binary16
 */
export type IntegerRoute = 'integer' | 'integer+float' | 'lut' | 'codes' | 'float-fallback' | 'float' | 'fp16';

/** One line of {@link IntegerExecutor.integerCoverage}. */
export interface CoverageEntry {
  readonly node: string;
  readonly op: OpKind;
  readonly precision: LayerPrecision;
  readonly route: IntegerRoute;
  /** Why the node is not fully integer ('' for 'integer', 'codes' and plan-chosen float/fp16). */
  readonly reason: string;
}

/** The route of an integer-precision node and, when it is not fully integer, why. */
export function integerRoute(node: GraphNode, bits: 8 | 16, grids: { inputs: TensorQParams[]; output: TensorQParams },
  profile: IntegerProfile): { route: IntegerRoute; reason: string } {
  const op = node.op;
  switch (op.kind) {
    case 'conv2d':
    case 'depthwiseConv2d':
    case 'dense':
      return CLAMP_ACTIVATIONS.has(op.activation) ? { route: 'integer', reason: '' } : {
        route: 'integer+float',
        reason: `fused '${op.activation}' is applied in float to the int32 accumulators (the plan has no range for the pre-activation)`,
      };
    case 'pad': case 'flatten': case 'reshape': case 'transpose': case 'identity':
      return { route: 'codes', reason: '' };
    case 'activation':
      if (op.fn === 'softmax') return { route: 'float-fallback', reason: "no integer softmax kernel yet (TFLite's uses an exp LUT and a fixed output scale 1/256)" };
      return { route: 'lut', reason: `'${op.fn}' through a ${bits === 8 ? 256 : 65536}-entry lookup table built in float` };
    case 'batchNorm':
      return bits === 8 ? { route: 'lut', reason: 'unfolded batch norm through a per-channel 256-entry lookup table' }
        : { route: 'float-fallback', reason: 'unfolded batch norm at int16 has no integer kernel (fold it)' };
    default:
      break;
  }
  if (bits === 16) return { route: 'float-fallback', reason: `no 16x8 kernel for '${op.kind}' in the integer executor yet` };
  if ((op.kind === 'add' || op.kind === 'mul') && node.inputs.length !== 2) {
    return { route: 'float-fallback', reason: `${op.kind} of ${node.inputs.length} inputs (the integer kernel takes 2)` };
  }
  if (op.kind === 'add' && profile !== 'onnxruntime' && !tfliteAddSupported(grids.inputs[0], grids.inputs[1], grids.output)) {
    return { route: 'float-fallback', reason: "TFLite's ADD needs 2·max(input scales) < 2^20 · output scale" };
  }
  return { route: 'integer', reason: '' };
}
