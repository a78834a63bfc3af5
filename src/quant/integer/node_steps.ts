import * as tf from '@tensorflow/tfjs-core';
import type { ActivationFn, GraphNode, Op } from '../../graph/ir';
import { activate, applyOp, type NodeWeights } from '../../graph/ops';
import { mlasLogistic } from '../../integer/mlas_logistic';
import { mlasSoftmax } from '../../integer/mlas_softmax';
import type { TensorQParams } from '../../qparams';
import type { RoundingProfile } from '../../rounding';
import { applyTable, dequantizeCodes, gridValues, lookupTable, newCodes, quantizeValues, type Codes } from './codes';
import { accumulate, accumulatorsToFloat, linearLayerCodes, type IntegerLinearLayer, type IntegerProfile } from './linear_layer';
import { addCodes, concatCodes, mulCodes, padCodes, reshapeCodes, transposeCodes } from './ops_codes';
import { avgPoolCodes, globalAvgPoolCodes, maxPoolCodes } from './pool_codes';

/** What one integer-precision node needs at run time. */
export interface IntegerStep {
  readonly node: GraphNode;
  readonly output: TensorQParams;
  readonly linear: IntegerLinearLayer | null;
  readonly profile: IntegerProfile;
  readonly rounding: RoundingProfile;
  /** Float weights for a float fallback or a LUT over batch norm. */
  readonly weights: NodeWeights;
  /**
   * Lookup tables by backend name (the float function is the backend's, as in the fake-quant executor, except where
   * the 'onnxruntime' profile computes ORT's own).
   */
  readonly tables: Map<string, Int32Array>;
}

/** Dequantized codes as a float32 tensor (the caller disposes it). */
export function codesTensor(c: Codes): tf.Tensor {
  return tf.tensor(dequantizeCodes(c), [...c.shape], 'float32');
}

/**
 * ONNX Runtime's float32 values of an activation of x (rows of `rowLength` for softmax), where reproduced exactly:
 * sigmoid (QLinearSigmoid's table, or Sigmoid between DQ and Q), swish as exported, Mul(x, Sigmoid(x)), one float32
 * product, and softmax. Null for the others, which take the backend's function.
 */
function ortActivation(fn: ActivationFn, x: Float32Array, rowLength: number): Float32Array | null {
  if (fn === 'sigmoid') return x.map(mlasLogistic);
  if (fn === 'swish') return x.map((v) => v * mlasLogistic(v));
  if (fn === 'softmax') return mlasSoftmax(x, rowLength);
  return null;
}

/** Runs an 'integer' or 'codes' node on input codes already on the node's input grids. */
export function runInteger(step: IntegerStep, xs: Codes[]): Codes {
  const { node, output, profile } = step;
  const op = node.op;
  const x = xs[0];
  switch (op.kind) {
    case 'conv2d':
    case 'depthwiseConv2d':
      return linearLayerCodes(step.linear!, x, op.padding, op.strides, op.dilations);
    case 'dense':
      return linearLayerCodes(step.linear!, x, null, null, null);
    case 'add': return addCodes(node.name, xs[0], xs[1], output, profile);
    case 'mul': return mulCodes(node.name, xs[0], xs[1], output, profile);
    case 'concat': return concatCodes(xs, op.axis, output, profile);
    case 'maxPool': return maxPoolCodes(x, op.poolSize, op.strides, op.padding);
    case 'avgPool': return avgPoolCodes(x, op.poolSize, op.strides, op.padding, output, profile);
    case 'globalAvgPool': return globalAvgPoolCodes(x, op.keepDims, output, profile);
    case 'pad': return padCodes(x, op.paddings);
    case 'flatten': return reshapeCodes(node.name, x, [x.shape[0], -1]);
    case 'reshape': return reshapeCodes(node.name, x, [x.shape[0], ...op.shape]);
    case 'transpose': return transposeCodes(x, op.perm);
    case 'identity': return x;
    default:
      throw new Error(`integer executor: node '${node.name}' (${op.kind}) has no integer kernel`);
  }
}

/** Integer accumulation, then the fused activation in float on fround(acc · s_in · s_w), quantized to the output grid. */
export function runIntegerFloatEpilogue(step: IntegerStep, x: Codes): Codes {
  const op = step.node.op as Extract<Op, { kind: 'conv2d' | 'depthwiseConv2d' | 'dense' }>;
  const acc = op.kind === 'dense' ? accumulate(step.linear!, x, null, null, null)
    : accumulate(step.linear!, x, op.padding, op.strides, op.dilations);
  return floatEpilogue(step.linear!, acc, step.rounding, step.profile);
}

/**
 * The float epilogue of a layer whose fused activation is not a clamp: y = f(fround(acc · fround(s_in · s_w))) in
 * float32, quantized to the output grid with `rounding`; f is ORT's own where {@link ortActivation} has it and the
 * profile is 'onnxruntime', else the backend's.
 */
export function floatEpilogue(layer: IntegerLinearLayer, acc: { values: Int32Array | Float64Array; shape: number[] },
  rounding: RoundingProfile, profile?: IntegerProfile): Codes {
  const real = accumulatorsToFloat(layer, acc);
  let values = profile === 'onnxruntime' ? ortActivation(layer.activation, real, acc.shape[acc.shape.length - 1]) : null;
  if (!values) {
    const y = tf.tidy(() => activate(tf.tensor(real, acc.shape, 'float32'), layer.activation));
    values = y.dataSync() as Float32Array;
    y.dispose();
  }
  return quantizeValues(values, acc.shape, layer.output, rounding, layer.node);
}

/**
 * An elementwise activation or an unfolded batch norm as a lookup table over every input code: the float function
 * (the backend's tf op, as the fake-quant executor computes it; under 'onnxruntime' ORT's own where
 * {@link ortActivation} has it) of each dequantized code, quantized to the output grid. Batch norm gets one table
 * per channel (entry (q − qmin) · C + c).
 */
export function runLookup(step: IntegerStep, x: Codes): Codes {
  const op = step.node.op;
  const backend = tf.getBackend();
  let table = step.tables.get(backend);
  const channels = op.kind === 'batchNorm' ? x.shape[x.shape.length - 1] : 1;
  if (!table) {
    const grid = gridValues(x.qp);
    // Softmax never takes this route (see route.ts), so a table is elementwise.
    const ort = step.profile === 'onnxruntime' && op.kind === 'activation' ? ortActivation(op.fn, grid, 1) : null;
    if (ort) {
      table = lookupTable(ort, step.output, step.rounding);
    } else {
      const values = tf.tidy(() => {
        const g = tf.tensor2d(grid, [grid.length, 1]);
        const y = op.kind === 'batchNorm' ? applyOp(op, [tf.tile(g, [1, channels])], step.weights)
          : activate(g, (op as Extract<Op, { kind: 'activation' }>).fn);
        return y;
      });
      table = lookupTable(values.dataSync() as Float32Array, step.output, step.rounding);
      values.dispose();
    }
    step.tables.set(backend, table);
  }
  if (channels === 1) return applyTable(x, table, step.output);
  const data = newCodes(step.output, x.data.length);
  const qmin = x.qp.qmin;
  const xd = x.data;
  for (let i = 0, c = 0; i < data.length; i++) {
    data[i] = table[(xd[i] - qmin) * channels + c];
    if (++c === channels) c = 0;
  }
  return { data, shape: x.shape, qp: step.output };
}

/** The float fallback of an integer-precision node: the float op on dequantized inputs, quantized to the output grid. */
export function runFloatFallback(step: IntegerStep, xs: Codes[]): Codes {
  const y = tf.tidy(() => applyOp(step.node.op, xs.map(codesTensor), step.weights));
  const values = y.dataSync() as Float32Array;
  const shape = y.shape;
  y.dispose();
  return quantizeValues(values, shape, step.output, step.rounding, step.node.name);
}
