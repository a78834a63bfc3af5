import { backend_util } from '@tensorflow/tfjs-core';
import type { DepthwiseConv2dNativeBackpropInputAttrs, KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { pair, withKernels } from './kernel_scope';
import { checkShape } from './check';

/**
 * DepthwiseConv2dNativeBackpropInput built from a forward depthwise convolution. For dy [n, oh, ow, c·m], filter W
 * [fh, fw, c, m], stride s, dilation d and padding (top, left):
 *
 *   dx[b, y, x, c] = Σ_{kh, kw, q} D[b, y + top − kh·dh, x + left − kw·dw, c·m + q] · W[kh, kw, c, q]
 *
 * with D = dy spread by the stride. That is a stride-1 depthwise convolution (dilation d) of D, padded by
 * (fh − 1)·dh − top before, with W flipped spatially and reshaped to [fh, fw, c·m, 1], then summed over the m
 * channels of each input channel.
 */
export function depthwiseConv2dBackpropInput(
  args: { inputs: { dy: TensorInfo; filter: TensorInfo }; backend: KernelBackend; attrs: DepthwiseConv2dNativeBackpropInputAttrs },
  backendName: string,
): TensorInfo {
  const fn = 'DepthwiseConv2dNativeBackpropInput';
  const { inputs: { dy, filter }, backend, attrs } = args;
  const [dh, dw] = pair(attrs.dilations);
  const info = backend_util.computeConv2DInfo(attrs.inputShape, filter.shape as [number, number, number, number],
    attrs.strides, [dh, dw], attrs.pad, attrs.dimRoundingMode, true);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const m = filter.shape[3];
  checkShape(fn, 'dy', dy.shape, [n, oh, ow, c * m]);
  const before = [(fh - 1) * dh - info.padInfo.top, (fw - 1) * dw - info.padInfo.left];
  const after = [h + (fh - 1) * dh - before[0] - oh * sh, w + (fw - 1) * dw - before[1] - ow * sw];
  return withKernels(backend, backendName, fn, (k) => {
    const spread = k.spread(dy, sh, sw);
    const cropped = k.padOrCrop(spread, [[0, 0], [Math.min(before[0], 0), Math.min(after[0], 0)], [Math.min(before[1], 0), Math.min(after[1], 0)], [0, 0]]);
    const pad = [[0, 0], [Math.max(before[0], 0), Math.max(after[0], 0)], [Math.max(before[1], 0), Math.max(after[1], 0)], [0, 0]];
    const flipped = k.reshape(k.run('Reverse', { x: filter }, { dims: [0, 1] }), [fh, fw, c * m, 1]);
    const out = k.run('DepthwiseConv2dNative', { x: cropped, filter: flipped }, { strides: [1, 1], pad, dilations: [dh, dw] });
    return m === 1 ? out : k.run('Sum', { x: k.reshape(out, [n, h, w, c, m]) }, { axis: [4], keepDims: false });
  });
}
