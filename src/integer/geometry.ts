import { check } from '../errors';

/**
 * Padding of a convolution or pooling window: 'same' (TFLite/TF SAME and ONNX SAME_UPPER: the output has
 * ceil(in / stride) rows, the odd extra padding row goes at the bottom/right), 'valid' (no padding), or explicit
 * [[top, bottom], [left, right]] (ONNX's pads, TF's explicit padding).
 */
export type Padding = 'same' | 'valid' | readonly [readonly [number, number], readonly [number, number]];

/** A stride or dilation: one value for both axes, or [height, width]. */
export type Pair = number | readonly [number, number];

/** Where a sliding window goes over an NHWC input: output size and padding, all in elements. */
export interface WindowGeometry {
  readonly batch: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly channels: number;
  readonly kernelHeight: number;
  readonly kernelWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly dilationHeight: number;
  readonly dilationWidth: number;
  readonly padTop: number;
  readonly padLeft: number;
  readonly padBottom: number;
  readonly padRight: number;
  readonly outHeight: number;
  readonly outWidth: number;
}

/**
 * The window geometry of TFLite's ComputePaddingHeightWidth and ONNX's auto_pad / pads:
 *   effective kernel  k' = (k − 1) · d + 1
 *   'valid'           out = floor((in − k') / s) + 1, no padding
 *   'same'            out = ceil(in / s), total = max((out − 1) · s + k' − in, 0), before = floor(total / 2)
 *   explicit          out = floor((in + before + after − k') / s) + 1
 * Throws, naming `fn` and the argument, when a size, stride or dilation is not a positive integer, a pad is
 * negative, or the window does not fit even once (out < 1).
 */
export function windowGeometry(fn: string, inputShape: readonly number[], kernel: readonly [number, number],
  strides: Pair = 1, dilations: Pair = 1, padding: Padding = 'valid'): WindowGeometry {
  check(Array.isArray(inputShape) && inputShape.length === 4 && inputShape.every((d) => Number.isInteger(d) && d > 0),
    fn, 'inputShape', inputShape, 'an NHWC shape [batch, height, width, channels] of positive integers');
  const [batch, inHeight, inWidth, channels] = inputShape;
  const [kernelHeight, kernelWidth] = kernel;
  const [strideHeight, strideWidth] = pair(fn, 'strides', strides);
  const [dilationHeight, dilationWidth] = pair(fn, 'dilations', dilations);
  const effH = (kernelHeight - 1) * dilationHeight + 1;
  const effW = (kernelWidth - 1) * dilationWidth + 1;
  let padTop = 0;
  let padBottom = 0;
  let padLeft = 0;
  let padRight = 0;
  if (padding === 'same') {
    const outH = Math.ceil(inHeight / strideHeight);
    const outW = Math.ceil(inWidth / strideWidth);
    const totalH = Math.max((outH - 1) * strideHeight + effH - inHeight, 0);
    const totalW = Math.max((outW - 1) * strideWidth + effW - inWidth, 0);
    padTop = Math.floor(totalH / 2);
    padBottom = totalH - padTop;
    padLeft = Math.floor(totalW / 2);
    padRight = totalW - padLeft;
  } else if (padding !== 'valid') {
    const ok = Array.isArray(padding) && padding.length === 2 && padding.every((p) => Array.isArray(p) &&
      p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0));
    check(ok, fn, 'padding', padding, "'same', 'valid' or [[top, bottom], [left, right]] of integers >= 0");
    [[padTop, padBottom], [padLeft, padRight]] = padding;
  }
  const outHeight = Math.floor((inHeight + padTop + padBottom - effH) / strideHeight) + 1;
  const outWidth = Math.floor((inWidth + padLeft + padRight - effW) / strideWidth) + 1;
  check(outHeight >= 1 && outWidth >= 1, fn, 'inputShape', inputShape,
    `a padded input at least as large as the dilated kernel ${effH}x${effW}`);
  return {
    batch, inHeight, inWidth, channels, kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight,
    dilationWidth, padTop, padLeft, padBottom, padRight, outHeight, outWidth,
  };
}

function pair(fn: string, arg: string, value: Pair): [number, number] {
  const v = typeof value === 'number' ? [value, value] : value;
  check(Array.isArray(v) && v.length === 2 && v.every((x) => Number.isInteger(x) && x >= 1), fn, arg, value,
    'a positive integer or [height, width] of positive integers');
  return [v[0], v[1]];
}
