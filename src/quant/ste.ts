import * as tf from '@tensorflow/tfjs-core';
import type { QParams } from '../qparams';
import { fakeQuantize, type TensorQuantizeOptions } from '../quantize/quantize_tensor';

/**
 * An integer range wide enough that no code is ever clamped to it (float32 codes of real activations stay far below
 * 2^30).
 */
const UNBOUNDED = 2 ** 30;

/**
 * {@link fakeQuantize} with the clipped straight-through estimator as its gradient, for quantization-aware training:
 * the forward value is fakeQuantize(x, qp) bit for bit; the gradient is dy where the code round(x / scale) +
 * zeroPoint lies in [qmin, qmax] (the quantizer does not clamp) and 0 where it is clamped. That is PyTorch's
 * fake_quantize_per_tensor_affine / per_channel_affine backward. The rounding itself is treated as the identity.
 * The parameters are constants (no gradient reaches the scale). Arguments are checked as fakeQuantize checks them.
 */
export function fakeQuantizeSte(x: tf.Tensor, qp: QParams, options: TensorQuantizeOptions = {}): tf.Tensor {
  // Quantize with an unbounded integer range, then clamp the values to the real range's end points s * (qmin - zp)
  // and s * (qmax - zp): the same float32 products fakeQuantize forms for clamped codes, so the result is identical
  // to it, and the elements the clamp changed are exactly those with codes outside [qmin, qmax]: the mask, found
  // with the library's own rounding and without a second quantization.
  const unclamped: QParams = { ...qp, qmin: -UNBOUNDED, qmax: UNBOUNDED };
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    // tf.customGrad passes the inputs, then the save function (its typings merge the two).
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const { y, free } = tf.tidy(() => {
      const u = fakeQuantize(input, unclamped, options);
      const [lo, hi] = endPoints(qp, input.rank);
      return { y: qp.kind === 'per-tensor' ? tf.clipByValue(u, lo as number, hi as number) : tf.minimum(tf.maximum(u, lo), hi), free: u };
    });
    save([free, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [u, clamped]: tf.Tensor[]) => tf.tidy(() => tf.mul(dy, tf.cast(tf.equal(u, clamped), 'float32'))),
    };
  })(x);
}

/** s * (qmin - zp) and s * (qmax - zp) in float32: numbers per tensor, tensors shaped to broadcast per axis. */
function endPoints(qp: QParams, rank: number): [number, number] | [tf.Tensor, tf.Tensor] {
  if (qp.kind === 'per-tensor') return [Math.fround(qp.scale * (qp.qmin - qp.zeroPoint)), Math.fround(qp.scale * (qp.qmax - qp.zeroPoint))];
  const shape = Array.from({ length: rank }, (_, d) => (d === qp.axis ? qp.scale.length : 1));
  const at = (q: number) => tf.tensor(qp.scale.map((s, c) => Math.fround(s * (q - qp.zeroPoint[c]))), shape, 'float32');
  return [at(qp.qmin), at(qp.qmax)];
}

/**
 * `f(x)` forward with the identity as its gradient: the straight-through estimator for a rounding that clamps
 * nothing (fp16 round trips; weights quantized over their own min/max, whose codes all lie inside the range).
 */
export function straightThrough(x: tf.Tensor, f: (x: tf.Tensor) => tf.Tensor): tf.Tensor {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({ value: f(args[0] as tf.Tensor), gradFunc: (dy: tf.Tensor) => dy }))(x);
}
