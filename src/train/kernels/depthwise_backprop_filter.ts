import { backend_util } from '@tensorflow/tfjs-core';
import type { DepthwiseConv2dNativeBackpropFilterAttrs, KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { pair, withKernels } from './kernel_scope';
import { checkShape } from './check';

/**
 * DepthwiseConv2dNativeBackpropFilter built from a forward depthwise convolution. For x [n, h, w, c], dy
 * [n, oh, ow, c·m] (channel multiplier m), stride s, dilation d and padding (top, left):
 *
 *   dW[kh, kw, c, q] = Σ_{b, i, j} x[b, i·sh + kh·dh − top, j·sw + kw·dw − left, c] · dy[b, i, j, c·m + q]
 *
 * Per (b, channel) this is a correlation of x with dy, so x (repeated m times along channels when m > 1) becomes one
 * image [1, h, w, n·c·m], dy the depthwise filter [oh, ow, n·c·m, 1] dilated by the stride, with output stride d;
 * the [1, fh, fw, n·c·m] result is summed over the batch. Bottom/right padding makes the output exactly fh × fw.
 */
export function depthwiseConv2dBackpropFilter(
  args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: KernelBackend; attrs: DepthwiseConv2dNativeBackpropFilterAttrs },
  backendName: string,
): TensorInfo {
  const fn = 'DepthwiseConv2dNativeBackpropFilter';
  const { inputs: { x, dy }, backend, attrs } = args;
  const [dh, dw] = pair(attrs.dilations);
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], attrs.filterShape,
    attrs.strides, [dh, dw], attrs.pad, attrs.dimRoundingMode, true);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const m = attrs.filterShape[3];
  const oc = c * m;
  checkShape(fn, 'dy', dy.shape, [n, oh, ow, oc]);
  const { top, left } = info.padInfo;
  const bottom = (fh - 1) * dh + (oh - 1) * sh + 1 - h - top;
  const right = (fw - 1) * dw + (ow - 1) * sw + 1 - w - left;
  return withKernels(backend, backendName, fn, (k) => {
    const repeated = m === 1 ? x
      : k.reshape(k.run('Tile', { x: k.reshape(x, [n, h, w, c, 1]) }, { reps: [1, 1, 1, 1, m] }), [n, h, w, oc]);
    const image = k.reshape(k.transpose(repeated, [1, 2, 0, 3]), [1, h, w, n * oc]);
    const kernel = k.reshape(k.transpose(dy, [1, 2, 0, 3]), [oh, ow, n * oc, 1]);
    const cropped = k.padOrCrop(image, [[0, 0], [Math.min(top, 0), Math.min(bottom, 0)], [Math.min(left, 0), Math.min(right, 0)], [0, 0]]);
    const pad = [[0, 0], [Math.max(top, 0), Math.max(bottom, 0)], [Math.max(left, 0), Math.max(right, 0)], [0, 0]];
    const perImage = k.run('DepthwiseConv2dNative', { x: cropped, filter: kernel }, { strides: [dh, dw], pad, dilations: [sh, sw] });
    const summed = k.run('Sum', { x: k.reshape(perImage, [fh, fw, n, oc]) }, { axis: [2], keepDims: false });
    return k.reshape(summed, [fh, fw, c, m]);
  });
}
