import { check } from '../errors';
import type { QParams } from '../qparams';

/**
 * How a flat row-major array splits along the quantization axis: element i belongs to channel
 * floor(i / inner) % channels. Per-tensor parameters are one channel spanning everything.
 */
export interface ChannelLayout {
  readonly outer: number;
  readonly channels: number;
  readonly inner: number;
}

/** The layout of `length` elements of the given shape under `qp`; checks that shape, axis and channel count agree. */
export function channelLayout(fn: string, length: number, qp: QParams, shape: readonly number[] | undefined): ChannelLayout {
  if (qp.kind === 'per-tensor') return { outer: 1, channels: 1, inner: length };
  check(shape !== undefined, fn, 'shape', shape, `the tensor's shape, needed for per-axis parameters on axis ${qp.axis}`);
  check(Number.isInteger(qp.axis) && qp.axis >= 0 && qp.axis < shape.length, fn, 'qparams.axis', qp.axis,
    `an axis in 0..${shape.length - 1} of shape [${shape.join(', ')}]`);
  const size = shape.reduce((a, b) => a * b, 1);
  check(size === length, fn, 'shape', `[${shape.join(', ')}]`, `a shape with ${length} elements`);
  const channels = shape[qp.axis];
  check(qp.scale.length === channels, fn, 'qparams.scale', qp.scale,
    `${channels} scales, one per slice along axis ${qp.axis} of shape [${shape.join(', ')}]`);
  const inner = shape.slice(qp.axis + 1).reduce((a, b) => a * b, 1);
  return { outer: channels === 0 ? 0 : length / (channels * inner), channels, inner };
}
