import * as tf from '@tensorflow/tfjs-core';
import { check, QuantscopeArgumentError } from '../errors';
import { validateQParams, type QParams } from '../qparams';
import { roundingProfiles, type RoundingProfile } from '../rounding';
import { fusedFakeQuantize } from '../wasm/fake_quant_kernel';

/** Options of the tensor quantizers. */
export interface TensorQuantizeOptions {
  /** Which runtime's rounding to reproduce; default 'tflite'. */
  readonly rounding?: RoundingProfile;
  /**
   * Check x for NaN and Inf (default true). The check reads one reduced value back from the backend, a sync per
   * call; executors that checked their inputs once per batch pass false.
   */
  readonly checkFinite?: boolean;
}

/**
 * Integer codes of a float32 tensor, as an int32 tensor: q = clamp(round(x / scale) + zeroPoint, qmin, qmax) with
 * the rounding of `options.rounding`; computed with tensor ops in float32 on the active backend, so it agrees bit
 * for bit with {@link quantizeArray}. NaN or Inf in x throws. The caller owns (and disposes) the result.
 */
export function quantize(x: tf.Tensor, qp: QParams, options: TensorQuantizeOptions = {}): tf.Tensor {
  const fn = 'quantize';
  const rounding = checkArgs(fn, x, qp, options);
  return tf.tidy(() => tf.cast(tf.add(centredCodes(x, qp, rounding), broadcastParams(x.rank, qp).zeroPoint), 'int32'));
}

/** Real values scale * (q - zeroPoint) of an integer tensor, in float32. Codes outside [qmin, qmax] throw. */
export function dequantize(q: tf.Tensor, qp: QParams): tf.Tensor {
  const fn = 'dequantize';
  check(q instanceof tf.Tensor, fn, 'q', q, 'a tf.Tensor of integer codes');
  validateQParams(fn, 'qparams', qp);
  checkAxis(fn, q, qp);
  const [lo, hi] = tf.tidy(() => [tf.min(q), tf.max(q)]);
  const bounds = [lo.dataSync()[0], hi.dataSync()[0]];
  tf.dispose([lo, hi]);
  if (q.size > 0 && (bounds[0] < qp.qmin || bounds[1] > qp.qmax)) {
    throw new QuantscopeArgumentError(fn, 'q', `codes in ${bounds[0]}..${bounds[1]}`, `codes in ${qp.qmin}..${qp.qmax}`);
  }
  return tf.tidy(() => {
    const { scale, zeroPoint } = broadcastParams(q.rank, qp);
    return tf.mul(tf.sub(tf.cast(q, 'float32'), zeroPoint), scale);
  });
}

/**
 * dequantize(quantize(x)) in float32 without leaving float: what a quantized runtime sees, for sweeps and
 * quantization-aware training. Agrees bit for bit with {@link fakeQuantizeArray} and, under the 'pytorch' profile,
 * with torch.fake_quantize_per_tensor_affine / per_channel_affine.
 */
export function fakeQuantize(x: tf.Tensor, qp: QParams, options: TensorQuantizeOptions = {}): tf.Tensor {
  const fn = 'fakeQuantize';
  const rounding = checkArgs(fn, x, qp, options);
  if (qp.kind === 'per-tensor') {
    const fused = fusedFakeQuantize(x, { scale: qp.scale, lo: qp.qmin - qp.zeroPoint, hi: qp.qmax - qp.zeroPoint, rounding });
    if (fused !== null) return fused;
  }
  return tf.tidy(() => {
    const { scale } = broadcastParams(x.rank, qp);
    return tf.mul(centredCodes(x, qp, rounding), scale);
  });
}

function checkArgs(fn: string, x: tf.Tensor, qp: QParams, options: TensorQuantizeOptions): RoundingProfile {
  check(x instanceof tf.Tensor, fn, 'x', x, 'a tf.Tensor');
  check(x.dtype === 'float32', fn, 'x', `a ${x.dtype} tensor`, 'a float32 tensor');
  validateQParams(fn, 'qparams', qp);
  checkAxis(fn, x, qp);
  const rounding = options.rounding ?? 'tflite';
  check(roundingProfiles.includes(rounding), fn, 'options.rounding', rounding, `one of ${roundingProfiles.join(', ')}`);
  if (options.checkFinite !== false) checkTensorFinite(fn, 'x', x);
  return rounding;
}

function checkAxis(fn: string, x: tf.Tensor, qp: QParams): void {
  if (qp.kind === 'per-tensor') return;
  check(qp.axis < x.rank, fn, 'qparams.axis', qp.axis, `an axis in 0..${x.rank - 1} of shape [${x.shape.join(', ')}]`);
  check(qp.scale.length === x.shape[qp.axis], fn, 'qparams.scale', qp.scale,
    `${x.shape[qp.axis]} scales, one per slice along axis ${qp.axis} of shape [${x.shape.join(', ')}]`);
}

/** Throws, naming the first bad index, when x holds NaN or +-Inf; one reduction in the common case. */
function checkTensorFinite(fn: string, arg: string, x: tf.Tensor): void {
  const poisoned = tf.tidy(() => tf.sum(tf.sub(x, x)));
  const total = poisoned.dataSync()[0];
  poisoned.dispose();
  if (total === 0 || x.size === 0) return;
  const data = x.dataSync();
  for (let i = 0; i < data.length; i++) {
    if (data[i] - data[i] !== 0) {
      throw new QuantscopeArgumentError(fn, arg, `a tensor of shape [${x.shape.join(', ')}]`,
        `finite values, found ${data[i]} at flat index ${i}`);
    }
  }
}

/** Scale, reciprocal scale and zero point shaped to broadcast against a tensor of the given rank. */
function broadcastParams(rank: number, qp: QParams) {
  if (qp.kind === 'per-tensor') {
    return {
      scale: tf.scalar(qp.scale),
      inverse: tf.scalar(Math.fround(1 / qp.scale)),
      zeroPoint: tf.scalar(qp.zeroPoint),
    };
  }
  const shape = Array.from({ length: rank }, (_, d) => (d === qp.axis ? qp.scale.length : 1));
  return {
    scale: tf.tensor(qp.scale, shape, 'float32'),
    inverse: tf.tensor(qp.scale.map((s) => Math.fround(1 / s)), shape, 'float32'),
    zeroPoint: tf.tensor(Float32Array.from(qp.zeroPoint), shape, 'float32'),
  };
}

/**
 * The clamped codes minus the zero point, q - zeroPoint, as float32 (exact small integers), inside a tidy.
 * Clamping round(x / s) to [qmin - zp, qmax - zp] equals clamping round(x / s) + zp to [qmin, qmax]: every value is
 * an exact integer in float32. Working centred saves the add and subtract of the zero point on the fake-quant path.
 */
function centredCodes(x: tf.Tensor, qp: QParams, rounding: RoundingProfile): tf.Tensor {
  const { scale, inverse, zeroPoint } = broadcastParams(x.rank, qp);
  const scaled = rounding === 'pytorch' ? tf.mul(x, inverse) : tf.div(x, scale);
  const rounded = rounding === 'tflite' ? roundHalfAwayFromZero(scaled) : tf.round(scaled);
  if (qp.kind === 'per-tensor') return tf.clipByValue(rounded, qp.qmin - qp.zeroPoint, qp.qmax - qp.zeroPoint);
  return tf.minimum(tf.maximum(rounded, tf.sub(qp.qmin, zeroPoint)), tf.sub(qp.qmax, zeroPoint));
}

/**
 * sign(y) * (floor(|y|) + [frac(|y|) >= 0.5]). Adding 0.5 and flooring would be wrong in float32: 0.49999997 + 0.5
 * rounds up to 1, and odd integers above 2^23 plus 0.5 round to the next even one.
 */
function roundHalfAwayFromZero(y: tf.Tensor): tf.Tensor {
  const magnitude = tf.abs(y);
  const whole = tf.floor(magnitude);
  const up = tf.cast(tf.greaterEqual(tf.sub(magnitude, whole), 0.5), 'float32');
  return tf.mul(tf.sign(y), tf.add(whole, up));
}
